using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Runtime.Core;
using OrderGrains.Runtime.Diagnostics;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Runtime.Streams;

/// <summary>
/// Delivers durable stream events to implicitly subscribed consumer grains: one pulling agent per (consumer type,
/// partition) reads after its durable checkpoint, calls the partition's consumer grain with a batch, and moves the
/// checkpoint only after the call returned. A failure or a crash means the batch is delivered again (at least once).
/// </summary>
internal sealed class StreamPullingService(GrainRuntime runtime)
{
    private readonly List<PullingAgent> _agents = [];
    private CancellationTokenSource? _stopping;

    public IReadOnlyList<PullingAgent> Agents => _agents;

    /// <summary>Wakes the agents of the partitions that just received events, instead of waiting for their next poll.</summary>
    public void NotifyAppended(IReadOnlyList<StreamEventData> events)
    {
        foreach (var agent in _agents)
        {
            foreach (var e in events)
            {
                if (agent.Matches(e))
                {
                    agent.Wake();
                    break;
                }
            }
        }
    }

    public void Start()
    {
        var subscribers = runtime.Registry.Classes
            .Select(c => (Class: c, Attribute: c.GrainClass.GetCustomAttribute<ImplicitStreamSubscriptionAttribute>()))
            .Where(s => s.Attribute is not null)
            .ToList();
        if (subscribers.Count == 0)
        {
            return;
        }

        var storage = runtime.Services.GetService<IGrainStorage>() as IStreamStorage
            ?? throw new GrainDefinitionException($"{subscribers[0].Class.GrainClass.Name} subscribes to a stream, but the grain storage keeps no streams.");
        _stopping = new CancellationTokenSource();
        foreach (var (grainClass, attribute) in subscribers)
        {
            if (!typeof(IStreamConsumerGrain).IsAssignableFrom(grainClass.GrainClass))
            {
                throw new GrainDefinitionException($"{grainClass.GrainClass.Name} has [ImplicitStreamSubscription] but does not implement {nameof(IStreamConsumerGrain)}.");
            }

            for (var partition = 0; partition < storage.PartitionCount; partition++)
            {
                var agent = new PullingAgent(runtime, storage, grainClass.TypeName, attribute!.Namespace, partition);
                _agents.Add(agent);
                agent.Start(_stopping.Token);
            }
        }
    }

    public async Task StopAsync()
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_agents.Select(a => a.Completion));
    }
}

/// <summary>Pulls one partition of one namespace for one consumer grain type.</summary>
internal sealed class PullingAgent(GrainRuntime runtime, IStreamStorage storage, string consumerType, string streamNamespace, int partition)
{
    private const int BatchSize = 100;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _checkpoint;
    private long _delivered;
    private long _failures;

    public Task Completion { get; private set; } = Task.CompletedTask;

    public string ConsumerType => consumerType;

    public string Namespace => streamNamespace;

    public int Partition => partition;

    /// <summary>The last sequence processed and checkpointed.</summary>
    public long Checkpoint => Interlocked.Read(ref _checkpoint);

    /// <summary>Events delivered since start (redeliveries included).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Consumer calls that failed and will be retried.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public bool Matches(StreamEventData e) =>
        e.StreamNamespace == streamNamespace && StreamPartitioner.PartitionOf(e.StreamKey, storage.PartitionCount) == partition;

    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer woke it at the same moment; one wake-up is enough.
            }
        }
    }

    public void Start(CancellationToken stopping) => Completion = Task.Run(() => RunAsync(stopping), CancellationToken.None);

    private async Task RunAsync(CancellationToken stopping)
    {
        var consumer = (IStreamConsumerGrain)runtime.GrainFactory.GetGrain(typeof(IStreamConsumerGrain), new GrainId(consumerType, partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var retryDelay = TimeSpan.FromMilliseconds(100);
        var loaded = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!loaded)
                {
                    Interlocked.Exchange(ref _checkpoint, await storage.ReadCheckpointAsync(consumerType, streamNamespace, partition, stopping));
                    loaded = true;
                }

                var events = await storage.ReadEventsAsync(streamNamespace, partition, Checkpoint, BatchSize, stopping);
                if (events.Count == 0)
                {
                    await _wake.WaitAsync(IdlePoll, stopping);
                    continue;
                }

                var items = events.Select(e => new StreamItem(e.StreamNamespace, e.Partition, e.Sequence, e.StreamKey, e.EventId, e.EventType, e.Payload.ToArray(), e.AppendedAt, e.TraceParent)).ToList();
                Task delivery;
                using (GrainCallTracing.ParentNextCall(items.ConvertAll(i => i.TraceParent)))
                {
                    delivery = consumer.OnNextBatchAsync(items);
                }

                await delivery;
                Interlocked.Add(ref _delivered, items.Count);
                var last = events[^1].Sequence;
                await storage.WriteCheckpointAsync(consumerType, streamNamespace, partition, last, CancellationToken.None);
                Interlocked.Exchange(ref _checkpoint, last);
                retryDelay = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failures);
                runtime.Log.StreamDeliveryFailed(exception, streamNamespace, partition, consumerType);
                try
                {
                    await Task.Delay(retryDelay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }
}
