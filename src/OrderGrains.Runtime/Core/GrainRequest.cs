using OrderGrains.Runtime.Diagnostics;
using OrderGrains.Runtime.Serialization;

namespace OrderGrains.Runtime.Core;

/// <summary>A call queued for, or running on, an activation. Completion is independent of the grain task so timeouts can win.</summary>
internal abstract class GrainRequest
{
    protected GrainRequest(MethodDescriptor method, object?[] arguments)
    {
        Method = method;
        Arguments = arguments;
    }

    public MethodDescriptor Method { get; }

    public object?[] Arguments { get; }

    public CallChain? Chain { get; set; }

    /// <summary>The caller's trace context, captured when the call was made; the activation's span is its child.</summary>
    public GrainCallTrace Trace { get; set; }

    /// <summary>Environment.TickCount64 after which the caller has given up.</summary>
    public long DeadlineTicks { get; set; }

    /// <summary>The grain the call was addressed to, for messages.</summary>
    public GrainId Target { get; set; }

    /// <summary>How the request was admitted (set when it starts); decides what finishing it releases.</summary>
    public RequestKind Kind { get; set; }

    /// <summary>The activation running the request (set when it starts).</summary>
    public ActivationData? Activation { get; set; }

    public abstract Task ResultTask { get; }

    public void RunOn() => Activation!.Run(this);

    public bool IsExpired(long now) => now > DeadlineTicks;

    /// <summary>Completes from the finished grain task; results are copied when <paramref name="copier"/> is given.</summary>
    public abstract void CompleteFrom(Task grainTask, GrainSerializer? copier);

    public abstract bool TryFail(Exception exception);
}

internal sealed class GrainRequest<TResult> : GrainRequest
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GrainRequest(MethodDescriptor method, object?[] arguments)
        : base(method, arguments)
    {
    }

    public override Task ResultTask => _completion.Task;

    public override void CompleteFrom(Task grainTask, GrainSerializer? copier)
    {
        if (grainTask.IsCompletedSuccessfully)
        {
            if (grainTask is Task<TResult> typed)
            {
                var result = typed.Result;
                _completion.TrySetResult(copier is null ? result : copier.Copy(result));
            }
            else
            {
                _completion.TrySetResult(default!);
            }
        }
        else if (grainTask.IsCanceled)
        {
            _completion.TrySetCanceled();
        }
        else
        {
            _completion.TrySetException(grainTask.Exception!.InnerExceptions);
        }
    }

    public override bool TryFail(Exception exception) => _completion.TrySetException(exception);
}

/// <summary>Binds the generic pieces of a method descriptor to its result type, once per method.</summary>
internal static class RequestFactory
{
    public static void Bind(MethodDescriptor descriptor)
    {
        var bind = typeof(RequestFactory).GetMethod(nameof(BindTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(descriptor.ResultType);
        bind.Invoke(null, [descriptor]);
    }

    private static void BindTyped<TResult>(MethodDescriptor descriptor)
    {
        descriptor.CreateRequest = static (method, args) => new GrainRequest<TResult>(method, args);
        descriptor.ToInterfaceReturn = descriptor.Shape switch
        {
            ReturnShape.Task or ReturnShape.TaskOfT => static task => task,
            ReturnShape.ValueTask => static task => new ValueTask(task),
            ReturnShape.ValueTaskOfT => static task => new ValueTask<TResult>((Task<TResult>)task),
            _ => throw new ArgumentOutOfRangeException(nameof(descriptor)),
        };
        descriptor.Faulted = descriptor.Shape is ReturnShape.TaskOfT or ReturnShape.ValueTaskOfT
            ? static exception => Task.FromException<TResult>(exception)
            : static exception => Task.FromException(exception);
        descriptor.GetBoxedResult = descriptor.Shape is ReturnShape.TaskOfT or ReturnShape.ValueTaskOfT
            ? static task => ((Task<TResult>)task).Result
            : static _ => null;
        descriptor.FromBoxedResult = descriptor.Shape is ReturnShape.TaskOfT or ReturnShape.ValueTaskOfT
            ? static (pipeline, context) => TypedResult<TResult>(pipeline, context)
            : static (pipeline, _) => pipeline;
    }

    private static async Task<TResult> TypedResult<TResult>(Task pipeline, GrainCallContext context)
    {
        await pipeline.ConfigureAwait(false);
        return (TResult)context.Result!;
    }
}
