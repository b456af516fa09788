using System.Diagnostics;
using OrderGrains.Runtime.Core;

namespace OrderGrains.Runtime.Diagnostics;

/// <summary>
/// The trace context a grain call carries from its caller to the activation that runs it. A value, not a reference to
/// the caller's Activity, so that a request stays serializable for a call to another silo.
/// </summary>
internal readonly struct GrainCallTrace(ActivityContext parent, ActivityLink[]? links)
{
    /// <summary>False when nobody listened at call time: the activation then starts no span at all.</summary>
    public bool IsSampled { get; } = true;

    public ActivityContext Parent { get; } = parent;

    public ActivityLink[]? Links { get; } = links;
}

/// <summary>Spans of grain calls: "grain {type}/{method}", parented by the context captured when the call was made.</summary>
internal static class GrainCallTracing
{
    public const string SourceName = "OrderGrains.Runtime";

    public static readonly ActivitySource Source = new(SourceName);

    // Set by the stream pulling agent for the one call it is about to make on this thread; consumed by Capture.
    [ThreadStatic]
    private static GrainCallTrace? t_nextCall;

    /// <summary>What a call made now carries: the caller's Activity, or the stored context of a stream delivery.</summary>
    public static GrainCallTrace Capture()
    {
        // The hot path when nobody listens: one volatile read, no thread-static access, no allocation.
        if (!Source.HasListeners())
        {
            return default;
        }

        if (t_nextCall is { } next)
        {
            t_nextCall = null;
            return next;
        }

        return new GrainCallTrace(Activity.Current?.Context ?? default, links: null);
    }

    /// <summary>
    /// Makes the next grain call on this thread a child of the first event's stored context, linked to the others;
    /// dispose right after making the call.
    /// </summary>
    public static NextCallScope ParentNextCall(IReadOnlyList<string?> traceParents)
    {
        if (!Source.HasListeners())
        {
            return default;
        }

        ActivityContext parent = default;
        List<ActivityLink>? links = null;
        foreach (var traceParent in traceParents)
        {
            if (traceParent is null || !ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var context))
            {
                continue;
            }

            if (parent == default)
            {
                parent = context;
            }
            else if (context != parent && (links is null || !links.Exists(l => l.Context == context)))
            {
                (links ??= []).Add(new ActivityLink(context));
            }
        }

        if (parent != default)
        {
            t_nextCall = new GrainCallTrace(parent, links?.ToArray());
        }

        return new NextCallScope(active: parent != default);
    }

    /// <summary>Starts the span of a call on <paramref name="activation"/> and makes it current; null when not sampled.</summary>
    public static Activity? Start(ActivationData activation, MethodDescriptor method, in GrainCallTrace trace)
    {
        if (!trace.IsSampled || method.BypassesFilters)
        {
            return null;
        }

        var activity = Source.StartActivity(
            method.SpanName ??= $"grain {activation.GrainId.Type}/{method.InterfaceMethod.Name}",
            ActivityKind.Internal,
            trace.Parent,
            tags: null,
            links: trace.Links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("ordergrains.grain.type", activation.GrainId.Type);
            activity.SetTag("ordergrains.grain.key", activation.GrainId.Key);
            activity.SetTag("ordergrains.grain.method", method.InterfaceMethod.Name);
        }

        return activity;
    }

    /// <summary>Stops the span when the grain's task completes, recording a failure as an error status.</summary>
    public static void StopWhenDone(Activity activity, Task task)
    {
        if (task.IsCompleted)
        {
            Stop(activity, task);
            return;
        }

        task.ContinueWith(static (t, s) => Stop((Activity)s!, t), activity, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Puts back the Activity that was current before a span started (a stopped one cannot be current).</summary>
    public static void Restore(Activity? previous) => Activity.Current = previous is { IsStopped: false } ? previous : null;

    private static void Stop(Activity activity, Task task)
    {
        if (task.IsFaulted)
        {
            var exception = task.Exception!.InnerException ?? task.Exception;
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.SetTag("exception.type", exception.GetType().FullName);
        }
        else if (task.IsCanceled)
        {
            activity.SetStatus(ActivityStatusCode.Error, "cancelled");
        }

        activity.Stop();
    }

    /// <summary>Clears a parent set for the next call that was not made (the silo refused it, say).</summary>
    public readonly struct NextCallScope(bool active) : IDisposable
    {
        public void Dispose()
        {
            if (active)
            {
                t_nextCall = null;
            }
        }
    }
}
