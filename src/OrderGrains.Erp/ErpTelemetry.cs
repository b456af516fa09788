using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrderGrains.Erp;

/// <summary>Spans (ActivitySource "OrderGrains.Erp") and instruments (Meter "OrderGrains.Erp") of posting to the ERP.</summary>
public static class ErpTelemetry
{
    public const string Name = "OrderGrains.Erp";

    /// <summary>The span name of one posting attempt.</summary>
    public const string PostSpanName = "erp post";

    public static ActivitySource Source { get; } = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Journal entries the ERP accepted (a replay of an idempotency key counts once per delivery).</summary>
    public static Counter<long> Posted { get; } = Meter.CreateCounter<long>("ordergrains.erp.posted", unit: "{entry}", description: "Journal entries the ERP accepted.");

    /// <summary>Posting attempts that failed and will be retried.</summary>
    public static Counter<long> Failed { get; } = Meter.CreateCounter<long>("ordergrains.erp.failed", unit: "{attempt}", description: "Posting attempts the ERP did not take (unavailable); retried.");

    /// <summary>Events given up on: rejected by the ERP or out of attempts.</summary>
    public static Counter<long> DeadLettered { get; } = Meter.CreateCounter<long>("ordergrains.erp.dead_lettered", unit: "{event}", description: "Events moved to the dead-letter list.");

    /// <summary>From the event's append to the stream until the ERP accepted its entry.</summary>
    public static Histogram<double> Lag { get; } = Meter.CreateHistogram(
        "ordergrains.erp.lag",
        unit: "ms",
        description: "Time from an order event's append to its journal entry's acceptance by the ERP, in milliseconds.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000] });

    /// <summary>
    /// Starts the span of one posting attempt as a child of the current span. When <paramref name="traceParent"/> (the
    /// event's stored context) names another trace, as for an event delivered in a batch led by another order's, the
    /// span joins the event's trace instead and links to the current span.
    /// </summary>
    public static Activity? StartPost(string idempotencyKey, string documentType, string orderId, int attempt, string? traceParent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        ActivityLink[]? links = null;
        if (traceParent is not null
            && ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var stored)
            && Activity.Current?.TraceId != stored.TraceId)
        {
            parent = stored;
            links = Activity.Current is { } current ? [new ActivityLink(current.Context)] : null;
        }

        var activity = Source.StartActivity(PostSpanName, ActivityKind.Client, parent, tags: null, links: links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("ordergrains.erp.idempotency_key", idempotencyKey);
            activity.SetTag("ordergrains.erp.document_type", documentType);
            activity.SetTag("ordergrains.order.id", orderId);
            activity.SetTag("ordergrains.erp.attempt", attempt);
        }

        return activity;
    }

    /// <summary>Marks the attempt's span failed.</summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.SetTag("exception.type", exception.GetType().FullName);
    }
}
