using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Erp;
using OrderGrains.Storage;

namespace OrderGrains.ErpForwarding;

/// <summary>
/// Forwards one partition of the order stream to the ERP as journal entries, in order. The forwarder pulls its own
/// partition from the outbox after its durable checkpoint (<see cref="ErpForwarderState.LastSequence"/>), woken by a
/// grain timer while active; a keep-alive reminder and <see cref="ErpForwarderStartup"/> keep one activation per
/// partition alive in the cluster, so a dead silo's partitions are taken over by another. Delivery is at least once:
/// the checkpoint moves only past events that were posted, skipped or dead-lettered. Each document's idempotency key
/// is (order id, event version, document type), so a redelivered event (after a crash or a failed delivery) is
/// answered by the ERP with the original entry instead of a second one. An event the ERP rejects (4xx), or that fails
/// <see cref="ErpForwarderOptions.MaxAttempts"/> times, goes to the durable dead-letter list and the partition moves
/// on; while the ERP is unavailable the event stays at the head and the backlog waits in the outbox.
/// </summary>
[GrainType("erpforwarder")]
public sealed class ErpForwarderGrain(
    [PersistentState("erp-forwarder", OrderGrainsStorage.Name)] IPersistentState<ErpForwarderState> state,
    IErpClient erp,
    IOutboxStore outbox,
    IOptions<ErpForwarderOptions> options,
    TimeProvider clock,
    ILogger<ErpForwarderGrain> logger) : Grain, IErpForwarderGrain, IRemindable
{
    /// <summary>The consumer name under which the outbox keeps this forwarder's checkpoint (the grain type).</summary>
    public const string ConsumerName = "erpforwarder";

    private const string KeepAliveReminder = "keep-alive";

    private readonly ErpForwarderOptions _options = options.Value;

    private ErpForwarderState State => state.State;

    private int Partition => int.Parse(this.GetPrimaryKeyString(), CultureInfo.InvariantCulture);

    /// <summary>Starts pulling: the keep-alive reminder (reactivation elsewhere if this silo dies) and the poll timer.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // An upgrade from the pulling service of the home-made runtime: its checkpoint may be ahead of the state.
        var stored = await outbox.ReadCheckpointAsync(ConsumerName, OrderStreams.Namespace, Partition, cancellationToken);
        State.LastSequence = Math.Max(State.LastSequence, stored);
        if (await this.GetReminder(KeepAliveReminder) is null)
        {
            await this.RegisterOrUpdateReminder(KeepAliveReminder, _options.KeepAlivePeriod, _options.KeepAlivePeriod);
        }

        this.RegisterGrainTimer(
            PullAsync,
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = _options.PollInterval, Interleave = false, KeepAlive = true });
    }

    /// <summary>Activates the forwarder; its timer's first tick pulls at once.</summary>
    public Task WakeAsync() => Task.CompletedTask;

    /// <summary>The keep-alive reminder: its delivery (re)activates the forwarder, which then pulls.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => PullAsync(CancellationToken.None);

    /// <summary>Forwards what the partition holds after the checkpoint, batch by batch, until it is drained or the ERP is unavailable.</summary>
    private async Task PullAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var events = await outbox.ReadEventsAsync(OrderStreams.Namespace, Partition, State.LastSequence, _options.BatchSize, cancellationToken);
            if (events.Count == 0)
            {
                return;
            }

            var drained = await ForwardAsync(events);
            await outbox.WriteCheckpointAsync(ConsumerName, OrderStreams.Namespace, Partition, State.LastSequence, CancellationToken.None);
            if (!drained || events.Count < _options.BatchSize)
            {
                return;
            }
        }
    }

    // Posts each new event in order and checkpoints what is done with; false when the ERP is unavailable and the
    // head event waits for the next pull.
    private async Task<bool> ForwardAsync(IReadOnlyList<StoredStreamEvent> events)
    {
        try
        {
            foreach (var item in events)
            {
                if (item.Sequence <= State.LastSequence)
                {
                    continue;
                }

                var orderEvent = JsonSerializer.Deserialize<OrderEvent>(item.Payload.Span, OrderGrainsStorage.SerializerOptions)
                    ?? throw new InvalidOperationException($"Outbox event {item.EventId} has an empty payload.");
                var document = ErpDocuments.For(orderEvent, _options.VatRateBasisPoints);
                if (document is null)
                {
                    State.Skipped++;
                }
                else if (!await TryPostAsync(item, orderEvent, document))
                {
                    return false;
                }

                State.LastSequence = item.Sequence;
                State.LastEventAppendedAt = item.AppendedAt;
            }

            return true;
        }
        finally
        {
            await PersistAsync();
        }
    }

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception)
        {
            // Memory may now be ahead of storage: reload the checkpoint; the events since are delivered again.
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>Counters for metrics and the admin API.</summary>
    public async Task<ErpForwarderStats> GetStatsAsync()
    {
        var partition = Partition;
        var backlog = Math.Max(0, await outbox.ReadHeadAsync(OrderStreams.Namespace, partition, CancellationToken.None) - State.LastSequence);

        // The oldest waiting event was appended no earlier than the last one handled: a lower bound on the lag.
        var lag = backlog > 0 && State.LastEventAppendedAt is { } last ? clock.GetUtcNow() - last : TimeSpan.Zero;
        return Stats(partition, backlog, lag);
    }

    private ErpForwarderStats Stats(int partition, long backlog, TimeSpan lag) => new(
        partition,
        State.LastSequence,
        backlog,
        lag,
        State.Posted,
        State.Skipped,
        State.Failed,
        State.DeadLetters.Count,
        State.LastEventAppendedAt,
        State.LastPostedAt);

    /// <summary>Events waiting in the dead-letter list.</summary>
    public Task<IReadOnlyList<ErpDeadLetter>> GetDeadLettersAsync() => Task.FromResult<IReadOnlyList<ErpDeadLetter>>([.. State.DeadLetters]);

    /// <summary>Posts a dead-lettered event again; true when it posted and left the list.</summary>
    public async Task<bool> RetryDeadLetterAsync(string eventId)
    {
        var letter = State.DeadLetters.Find(d => d.EventId == eventId)
            ?? throw new NotFoundException("dead letter", eventId);
        var document = ErpDocuments.For(letter.Event, _options.VatRateBasisPoints)!;
        var key = IdempotencyKey(letter.EventId, document);
        using var activity = ErpTelemetry.StartPost(key, document.DocumentType, letter.OrderId, letter.Attempts + 1, traceParent: null);
        try
        {
            await erp.PostJournalEntryAsync(key, document, CancellationToken.None);
        }
        catch (ErpException exception)
        {
            ErpTelemetry.Fail(activity, exception);
            State.DeadLetters.Remove(letter);
            State.DeadLetters.Add(letter with { Reason = exception.Message, Attempts = letter.Attempts + 1, At = clock.GetUtcNow() });
            await state.WriteStateAsync();
            return false;
        }

        ErpTelemetry.Posted.Add(1);
        State.DeadLetters.Remove(letter);
        State.Posted++;
        State.LastPostedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        return true;
    }

    // The stream's event id is "{order id}#{version}" (plus a suffix for a second event of one version): unique and
    // stable across redeliveries, so the ERP turns a repeat into a replay.
    private static string IdempotencyKey(string eventId, JournalEntryRequest document) => $"{eventId}:{document.DocumentType}";

    // True when the event is done with (posted or dead-lettered); false when the ERP is unavailable and the event
    // must be posted again by a later pull.
    private async Task<bool> TryPostAsync(StoredStreamEvent item, OrderEvent orderEvent, JournalEntryRequest document)
    {
        var eventId = item.EventId;
        var key = IdempotencyKey(eventId, document);
        if (State.HeadEventId != eventId)
        {
            State.HeadEventId = eventId;
            State.HeadAttempts = 0;
        }

        var delay = _options.RetryDelay;
        for (var attempt = 0; attempt < _options.AttemptsPerDelivery; attempt++)
        {
            using var activity = ErpTelemetry.StartPost(key, document.DocumentType, orderEvent.OrderId, State.HeadAttempts + 1, item.TraceParent);
            try
            {
                await erp.PostJournalEntryAsync(key, document, CancellationToken.None);
                State.Posted++;
                State.LastPostedAt = clock.GetUtcNow();
                State.HeadEventId = null;
                ErpTelemetry.Posted.Add(1);
                ErpTelemetry.Lag.Record((State.LastPostedAt.Value - item.AppendedAt).TotalMilliseconds);
                return true;
            }
            catch (ErpRejectedException rejected)
            {
                ErpTelemetry.Fail(activity, rejected);
                DeadLetter(eventId, orderEvent, document, $"rejected ({rejected.StatusCode}): {rejected.Reason}");
                return true;
            }
            catch (ErpUnavailableException unavailable)
            {
                ErpTelemetry.Fail(activity, unavailable);
                ErpTelemetry.Failed.Add(1);
                State.Failed++;
                State.HeadAttempts++;
                ErpForwarderLog.PostFailed(logger, eventId, State.HeadAttempts, unavailable.Message);
                if (State.HeadAttempts >= _options.MaxAttempts)
                {
                    DeadLetter(eventId, orderEvent, document, $"failed {State.HeadAttempts} times: {unavailable.Message}");
                    return true;
                }

                // The attempt is over; the backoff belongs to no attempt's span.
                activity?.Stop();

                // Exponential backoff with full jitter, so partitions retrying together do not hit the ERP in step.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * delay.TotalMilliseconds), clock);
                delay *= 2;
            }
        }

        return false;
    }

    private void DeadLetter(string eventId, OrderEvent orderEvent, JournalEntryRequest document, string reason)
    {
        ErpForwarderLog.DeadLettered(logger, eventId, reason);
        ErpTelemetry.DeadLettered.Add(1);
        State.DeadLetters.Add(new ErpDeadLetter(eventId, orderEvent.OrderId, document.DocumentType, reason, State.HeadAttempts, clock.GetUtcNow(), orderEvent));
        if (State.DeadLetters.Count > _options.MaxDeadLetters)
        {
            State.DeadLetters.RemoveAt(0);
        }

        State.HeadEventId = null;
        State.HeadAttempts = 0;
    }
}
