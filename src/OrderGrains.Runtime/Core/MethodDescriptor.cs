using System.Linq.Expressions;
using System.Reflection;

namespace OrderGrains.Runtime.Core;

/// <summary>How a request is scheduled against the other requests of its activation.</summary>
internal enum RequestKind
{
    /// <summary>Runs alone: waits for every running request to finish.</summary>
    Exclusive = 0,

    /// <summary>Runs beside other read-only requests.</summary>
    ReadOnly = 1,

    /// <summary>Runs beside anything (AlwaysInterleave, a reentrant class, or a call back into its own call chain).</summary>
    Interleave = 2,
}

/// <summary>One callable method of a grain class, with a compiled invoker (no reflection per call).</summary>
internal sealed class MethodDescriptor
{
    public MethodDescriptor(MethodInfo interfaceMethod, string displayName, RequestKind kind, Func<object, object?[], Task> invoker, Type resultType, ReturnShape shape)
    {
        InterfaceMethod = interfaceMethod;
        DisplayName = displayName;
        Kind = kind;
        Invoker = invoker;
        ResultType = resultType;
        Shape = shape;
        Parameters = interfaceMethod.GetParameters().Select(p => p.ParameterType).ToArray();
    }

    public MethodInfo InterfaceMethod { get; }

    /// <summary>"IOrderGrain.PlaceAsync", for errors and logs.</summary>
    public string DisplayName { get; }

    public RequestKind Kind { get; }

    /// <summary>Calls the implementation; ValueTask results are converted to Task.</summary>
    public Func<object, object?[], Task> Invoker { get; }

    /// <summary>The T of Task&lt;T&gt;/ValueTask&lt;T&gt;, or <see cref="object"/> for void methods.</summary>
    public Type ResultType { get; }

    public ReturnShape Shape { get; }

    public Type[] Parameters { get; }

    /// <summary>Timer ticks are not grain calls: incoming call filters do not see them, and they get no span.</summary>
    public bool BypassesFilters { get; init; }

    /// <summary>"grain {type}/{method}", built on the first traced call; descriptors are per grain class.</summary>
    public string? SpanName { get; set; }

    /// <summary>Set by <see cref="GrainTypeRegistry"/>: creates the typed request for this method.</summary>
    public Func<MethodDescriptor, object?[], GrainRequest> CreateRequest { get; set; } = null!;

    /// <summary>Set by <see cref="GrainTypeRegistry"/>: turns a Task or Task&lt;T&gt; into what the interface returns.</summary>
    public Func<Task, object> ToInterfaceReturn { get; set; } = null!;

    /// <summary>Set by <see cref="GrainTypeRegistry"/>: a faulted task of the method's own type, for a synchronous throw.</summary>
    public Func<Exception, Task> Faulted { get; set; } = null!;

    /// <summary>Set by <see cref="GrainTypeRegistry"/>: reads a completed grain task's result as an object (null for void).</summary>
    public Func<Task, object?> GetBoxedResult { get; set; } = null!;

    /// <summary>Set by <see cref="GrainTypeRegistry"/>: a filter pipeline's task, typed like the grain's (result from the context).</summary>
    public Func<Task, GrainCallContext, Task> FromBoxedResult { get; set; } = null!;

    public static Func<object, object?[], Task> CompileInvoker(Type grainClass, MethodInfo implementation, ReturnShape shape)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = implementation.GetParameters();
        var arguments = new Expression[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            arguments[i] = Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), parameters[i].ParameterType);
        }

        Expression call = Expression.Call(Expression.Convert(grain, grainClass), implementation, arguments);
        call = shape switch
        {
            ReturnShape.Task or ReturnShape.TaskOfT => call,
            ReturnShape.ValueTask or ReturnShape.ValueTaskOfT => Expression.Call(call, implementation.ReturnType.GetMethod(nameof(ValueTask.AsTask))!),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
        return Expression.Lambda<Func<object, object?[], Task>>(Expression.Convert(call, typeof(Task)), grain, args).Compile();
    }
}

/// <summary>The return type of a grain method.</summary>
internal enum ReturnShape
{
    Task = 0,
    TaskOfT = 1,
    ValueTask = 2,
    ValueTaskOfT = 3,
}
