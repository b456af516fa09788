using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Orleans.Metadata;

namespace OrderGrains.Host.Operations;

/// <summary>Counters of one grain type, updated without locks by the call filters.</summary>
internal sealed class GrainTypeCounters(string grainType)
{
    public string GrainType { get; } = grainType;

    /// <summary>Calls that reached an activation of this type on this silo.</summary>
    public long Calls;

    /// <summary>Calls this silo sent to the type and has not had answered yet (queued, running or on the wire).</summary>
    public long Outstanding;

    /// <summary>Calls running inside an activation of this type on this silo.</summary>
    public long Running;
}

/// <summary>
/// What Orleans does not count for us, per grain type: calls received, and requests waiting for their turn (sent from
/// this silo and not yet running: Orleans keeps each activation's queue to itself). Hot grains are found by sampling
/// one call in <see cref="SampleEvery"/> per thread into a per-window tally, so a grain call pays one dictionary
/// lookup at most, and usually an increment. While someone listens to <see cref="ActivitySourceName"/>, each grain call
/// is also a span (<c>grain order/PlaceAsync</c>) parented by the caller's span, whose id rides in the call's
/// <see cref="RequestContext"/>, so one trace runs from the gRPC call through every grain to storage and the ERP.
/// </summary>
internal sealed class GrainCallCounter(GrainClassMap classes) : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
{
    /// <summary>The ActivitySource of grain-call spans (the name the home-made runtime's spans had is gone with it).</summary>
    public const string ActivitySourceName = "OrderGrains.Silo";

    // W3C trace context of the calling span, as RequestContext carries it to the callee (in this silo or another).
    private const string TraceParentKey = "traceparent";

    private static readonly ActivitySource Tracing = new(ActivitySourceName);

    /// <summary>One call in this many is tallied per grain for the hottest-grain list.</summary>
    public const int SampleEvery = 8;

    // Stands for a system type in the map, so that the name is looked at once per type rather than once per call.
    private static readonly GrainTypeCounters Ignored = new(string.Empty);

    [ThreadStatic]
    private static int t_callsSinceSample;

    private readonly ConcurrentDictionary<GrainType, GrainTypeCounters> _types = new();
    private ConcurrentDictionary<GrainId, StrongBox<long>> _tally = new();

    /// <summary>Every type that has received or been sent a call since start.</summary>
    public IEnumerable<KeyValuePair<GrainType, GrainTypeCounters>> Types => _types.Where(static t => !ReferenceEquals(t.Value, Ignored));

    /// <summary>Takes the sampled call tally of the window that ends now and starts a new one.</summary>
    public IReadOnlyDictionary<GrainId, StrongBox<long>> TakeTally() => Interlocked.Exchange(ref _tally, new());

    /// <summary>The tally of the window under way (still being added to).</summary>
    public IReadOnlyDictionary<GrainId, StrongBox<long>> PeekTally() => Volatile.Read(ref _tally);

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var target = context.TargetId;
        var counters = For(target.Type);
        if (counters is null)
        {
            await context.Invoke();
            return;
        }

        Interlocked.Increment(ref counters.Calls);
        if (++t_callsSinceSample >= SampleEvery)
        {
            t_callsSinceSample = 0;
            Interlocked.Add(ref _tally.GetOrAdd(target, static _ => new StrongBox<long>()).Value, SampleEvery);
        }

        using var span = Tracing.HasListeners() ? StartSpan(counters, context) : null;
        Interlocked.Increment(ref counters.Running);
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, exception.Message);
            span.SetTag("exception.type", exception.GetType().FullName);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref counters.Running);
        }
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var counters = For(context.TargetId.Type);
        if (counters is null)
        {
            await context.Invoke();
            return;
        }

        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } callerId } && Tracing.HasListeners())
        {
            RequestContext.Set(TraceParentKey, callerId);
        }

        Interlocked.Increment(ref counters.Outstanding);
        try
        {
            await context.Invoke();
        }
        finally
        {
            Interlocked.Decrement(ref counters.Outstanding);
        }
    }

    private static Activity? StartSpan(GrainTypeCounters counters, IIncomingGrainCallContext context)
    {
        ActivityContext.TryParse(RequestContext.Get(TraceParentKey) as string, traceState: null, isRemote: true, out var parent);
        var span = Tracing.StartActivity($"grain {counters.GrainType}/{context.MethodName}", ActivityKind.Internal, parent);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("ordergrains.grain.type", counters.GrainType);
            span.SetTag("ordergrains.grain.key", context.TargetId.Key.ToString());
            span.SetTag("ordergrains.grain.method", context.MethodName);
        }

        return span;
    }

    /// <summary>The type's counters; null for Orleans' own grains and system targets, which are not the product's load.</summary>
    private GrainTypeCounters? For(GrainType type)
    {
        if (!_types.TryGetValue(type, out var counters))
        {
            var ours = classes.TryGetGrainClass(type, out var grainClass)
                && grainClass.Assembly.GetName().Name is { } assembly
                && !assembly.StartsWith("Orleans", StringComparison.Ordinal);
            counters = _types.GetOrAdd(type, ours ? new GrainTypeCounters(type.ToString()!) : Ignored);
        }

        return ReferenceEquals(counters, Ignored) ? null : counters;
    }
}
