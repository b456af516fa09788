using System.Reflection;

namespace OrderGrains.Runtime.Core;

/// <summary>One call passing through the incoming filters, innermost stage the grain method itself.</summary>
internal sealed class GrainCallContext(IReadOnlyList<IIncomingGrainCallFilter> filters, object grain, GrainId grainId, MethodDescriptor method, object?[] arguments)
    : IIncomingGrainCallContext
{
    private int _stage;

    public object Grain { get; } = grain;

    public GrainId GrainId { get; } = grainId;

    public MethodInfo InterfaceMethod => method.InterfaceMethod;

    public IReadOnlyList<object?> Arguments => arguments;

    public object? Result { get; set; }

    public async Task Invoke()
    {
        var stage = _stage++;
        if (stage < filters.Count)
        {
            await filters[stage].InvokeAsync(this);
            return;
        }

        var task = method.Invoker(Grain, arguments);
        await task;
        Result = method.GetBoxedResult(task);
    }
}
