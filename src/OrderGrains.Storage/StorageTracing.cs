using System.Diagnostics;

namespace OrderGrains.Storage;

/// <summary>Spans of group-commit batches (ActivitySource "OrderGrains.Storage"), one per transaction.</summary>
internal static class StorageTracing
{
    public const string SourceName = "OrderGrains.Storage";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The context of the code enqueuing a write; default when nobody listens, so the write costs nothing more.</summary>
    public static ActivityContext CaptureCaller() =>
        Source.HasListeners() && Activity.Current is { } current ? current.Context : default;

    /// <summary>
    /// Starts the span of a batch. When every writer belongs to one trace, the batch joins it as a child of the first
    /// writer (a batch of one is simply its writer's child); otherwise it starts its own trace. Either way it links to
    /// every other writer's span.
    /// </summary>
    public static Activity? StartBatch(IReadOnlyList<ActivityContext> callers, string provider)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        List<ActivityLink>? links = null;
        var oneTrace = true;
        foreach (var caller in callers)
        {
            if (caller == default)
            {
                continue;
            }

            if (parent == default)
            {
                parent = caller;
                continue;
            }

            oneTrace &= caller.TraceId == parent.TraceId;
            (links ??= []).Add(new ActivityLink(caller));
        }

        if (!oneTrace)
        {
            links!.Insert(0, new ActivityLink(parent));
            parent = default;
        }

        var activity = Source.StartActivity("storage batch", ActivityKind.Client, parent, tags: null, links: links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("ordergrains.storage.provider", provider);
            activity.SetTag("ordergrains.storage.batch_size", callers.Count);
        }

        return activity;
    }
}
