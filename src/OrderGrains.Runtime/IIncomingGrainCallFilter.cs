using System.Reflection;

namespace OrderGrains.Runtime;

/// <summary>Runs around every grain call on the receiving side (tracing, metrics, logging). Call <see cref="IIncomingGrainCallContext.Invoke"/> to continue.</summary>
public interface IIncomingGrainCallFilter
{
    /// <summary>Handles one call; must call <c>context.Invoke()</c> exactly once unless it short-circuits with a result or an exception.</summary>
    Task InvokeAsync(IIncomingGrainCallContext context);
}

/// <summary>What a filter sees of a call.</summary>
public interface IIncomingGrainCallContext
{
    /// <summary>The grain instance being called.</summary>
    object Grain { get; }

    /// <summary>The grain's identity.</summary>
    GrainId GrainId { get; }

    /// <summary>The interface method called.</summary>
    MethodInfo InterfaceMethod { get; }

    /// <summary>The call's arguments.</summary>
    IReadOnlyList<object?> Arguments { get; }

    /// <summary>The result, once <see cref="Invoke"/> completed (null for void methods).</summary>
    object? Result { get; set; }

    /// <summary>Runs the next filter, or the grain method.</summary>
    Task Invoke();
}
