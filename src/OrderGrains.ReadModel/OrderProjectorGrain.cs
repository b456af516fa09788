using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.ReadModel;

/// <summary>
/// Projects one partition of the order stream into the read model, in order, following the ERP forwarder's pattern:
/// it pulls its partition from the outbox after its own durable checkpoint (consumer <see cref="ConsumerName"/>), woken
/// by a grain timer while active; a keep-alive reminder and <see cref="ReadModelStartup"/> keep one activation per
/// partition alive in the cluster. A step reads a batch, keeps each order's latest event, upserts those rows in one
/// transaction (only over lower versions) and only then moves the checkpoint, so a crash between the two replays the
/// batch, which changes nothing.
/// <para>
/// When the table is found missing (dropped under it) the projector recreates it and every partition replays from
/// sequence 0 (<see cref="IOrderProjectorGrain.ReplayAsync"/>).
/// </para>
/// </summary>
[GrainType("readmodelprojector")]
public sealed partial class OrderProjectorGrain(
    IOutboxStore outbox,
    IOrderReadStore store,
    IOptions<ReadModelOptions> options,
    ReadModelFigures figures,
    IForegroundLoad foreground,
    TimeProvider clock,
    ILogger<OrderProjectorGrain> logger) : Grain, IOrderProjectorGrain, IRemindable
{
    /// <summary>The consumer name under which the outbox keeps this projection's checkpoints.</summary>
    public const string ConsumerName = "readmodel";

    private const string KeepAliveReminder = "keep-alive";

    private readonly ReadModelOptions _options = options.Value;
    private PullDeferral? _deferral;

    // The last sequence applied (and checkpointed).
    private long _position;

    // Set by ReplayAsync, which interleaves with a pull; the pull starts over from 0 before its next step.
    private bool _replayRequested;

    private int Partition => int.Parse(this.GetPrimaryKeyString(), CultureInfo.InvariantCulture);

    /// <summary>Reads the checkpoint, then starts the keep-alive reminder and the poll timer.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _position = await outbox.ReadCheckpointAsync(ConsumerName, OrderStreams.Namespace, Partition, cancellationToken);
        if (await this.GetReminder(KeepAliveReminder) is null)
        {
            await this.RegisterOrUpdateReminder(KeepAliveReminder, _options.KeepAlivePeriod, _options.KeepAlivePeriod);
        }

        this.RegisterGrainTimer(
            PullAsync,
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = _options.PollInterval, Interleave = false, KeepAlive = true });
    }

    /// <summary>Withdraws this activation's gauges.</summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        figures.Withdraw(Partition, this);
        return Task.CompletedTask;
    }

    /// <summary>Activates the projector; its timer's first tick pulls at once.</summary>
    public Task WakeAsync() => Task.CompletedTask;

    /// <summary>Replays the partition from sequence 0 at the pull's next step.</summary>
    public Task ReplayAsync()
    {
        _replayRequested = true;
        return Task.CompletedTask;
    }

    /// <summary>The keep-alive reminder: its delivery (re)activates the projector, which then pulls.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => PullAsync(CancellationToken.None);

    /// <summary>Applies what the partition holds, batch by batch, until it is drained; put off while the silo is busy (see <see cref="PullDeferral"/>).</summary>
    private async Task PullAsync(CancellationToken cancellationToken)
    {
        _deferral ??= new PullDeferral(foreground, _options.MaxDeferral, clock);
        if (_deferral.ShouldDefer())
        {
            return;
        }

        var partition = Partition;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_replayRequested)
                {
                    _replayRequested = false;
                    _position = 0;
                    await outbox.WriteCheckpointAsync(ConsumerName, OrderStreams.Namespace, partition, 0, CancellationToken.None);
                    LogReplaying(logger, partition);
                }

                var events = await outbox.ReadEventsAsync(OrderStreams.Namespace, partition, _position, _options.BatchSize, cancellationToken);
                if (events.Count == 0)
                {
                    Publish(_position, _position, null);
                    return;
                }

                var head = events.Count < _options.BatchSize
                    ? events[^1].Sequence
                    : await outbox.ReadHeadAsync(OrderStreams.Namespace, partition, cancellationToken);
                Publish(_position, head, events[0].AppendedAt);
                try
                {
                    await store.ApplyAsync(OrderRow.Latest(events.Select(Read)), cancellationToken);
                }
                catch (ReadModelTableMissingException exception)
                {
                    LogTableMissing(logger, partition, exception.Message);
                    await RecreateAsync(cancellationToken);
                    continue;
                }

                if (_replayRequested)
                {
                    // Asked to start over while this batch was applied: keep the checkpoint where the replay puts it.
                    continue;
                }

                _position = events[^1].Sequence;
                await outbox.WriteCheckpointAsync(ConsumerName, OrderStreams.Namespace, partition, _position, CancellationToken.None);
                figures.Applied(events.Count, events[^1].AppendedAt);
                if (events.Count < _options.BatchSize)
                {
                    Publish(_position, _position, null);
                    return;
                }

                if (_deferral.ShouldDefer())
                {
                    // The silo became busy: the rest waits for a later pull.
                    return;
                }
            }
        }
        catch (DbException exception)
        {
            // The database is unavailable: the checkpoint stays and the next tick tries the same batch again.
            LogApplyFailed(logger, exception, partition);
        }
    }

    // Creates the table again; if this projector is the one that created it, every partition replays into it.
    private async Task RecreateAsync(CancellationToken cancellationToken)
    {
        if (!await store.EnsureCreatedAsync(cancellationToken))
        {
            // Another projector recreated it: its replay request reaches this one too.
            return;
        }

        _replayRequested = true;
        var partition = Partition;
        var others = Enumerable.Range(0, outbox.PartitionCount)
            .Where(p => p != partition)
            .Select(p => GrainFactory.GetGrainCached<IOrderProjectorGrain>(p.ToString(CultureInfo.InvariantCulture)).ReplayAsync());
        await Task.WhenAll(others);
    }

    private void Publish(long checkpoint, long head, DateTimeOffset? oldest) =>
        figures.Publish(new ProjectorFigures(this, Partition, checkpoint, Math.Max(checkpoint, head), oldest));

    private static OrderEvent Read(StoredStreamEvent item) =>
        JsonSerializer.Deserialize<OrderEvent>(item.Payload.Span, OrderGrainsStorage.SerializerOptions)
        ?? throw new InvalidOperationException($"Outbox event {item.EventId} has an empty payload.");

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Read model: applying partition {Partition} failed; the batch is tried again at the next poll")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, int partition);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Read model: the table is missing under partition {Partition} ({Reason}); recreating it and replaying the stream")]
    private static partial void LogTableMissing(ILogger logger, int partition, string reason);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "Read model: partition {Partition} replays from sequence 0")]
    private static partial void LogReplaying(ILogger logger, int partition);
}
