using System.Diagnostics;
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
/// the checkpoint moves only past events that were posted, skipped, parked or dead-lettered. Each document's
/// idempotency key is (order id, event version, document type), so a redelivered event is answered by the ERP with the
/// original entry instead of a second one.
/// <para>
/// An unavailable ERP (see <see cref="ErpFailure"/>) never costs a document: the head event stays, the partition waits
/// with capped exponential backoff (<see cref="ErpBackoff"/>) without holding the grain, and it drains in order once a
/// post is taken again. Only a definitive rejection dead-letters a document; the later documents of that order are
/// parked behind it (<see cref="ErpHeldDocuments"/>) while other orders keep posting, and post in order after an
/// operator's successful retry.
/// </para>
/// </summary>
[GrainType("erpforwarder")]
public sealed class ErpForwarderGrain(
    [PersistentState("erp-forwarder", OrderGrainsStorage.Name)] IPersistentState<ErpForwarderState> state,
    [PersistentState("erp-forwarder-held", OrderGrainsStorage.Name)] IPersistentState<ErpHeldState> heldState,
    IErpClient erp,
    IOutboxStore outbox,
    IOptions<ErpForwarderOptions> options,
    ErpForwardingFigures figures,
    IForegroundLoad foreground,
    TimeProvider clock,
    ILogger<ErpForwarderGrain> logger) : Grain, IErpForwarderGrain, IRemindable
{
    /// <summary>The consumer name under which the outbox keeps this forwarder's checkpoint (the grain type).</summary>
    public const string ConsumerName = "erpforwarder";

    private const string KeepAliveReminder = "keep-alive";

    // While waiting for the ERP, how often the backlog figure is refreshed from the outbox.
    private static readonly TimeSpan BacklogRefresh = TimeSpan.FromSeconds(1);

    private readonly ErpForwarderOptions _options = options.Value;

    private ErpHeldDocuments _held = null!;
    private PullDeferral? _deferral;

    // Backoff lives in memory: a new activation tries the head at once, then backs off from the persisted failure count.
    private DateTimeOffset _nextAttemptAt;
    private ErpForwarderStatus _status = ErpForwarderStatus.Posting;
    private string? _lastError;

    // AppendedAt of the event waiting at the head (null when none waits) and the last known backlog, for the gauges.
    private DateTimeOffset? _headAppendedAt;
    private long _backlog;
    private DateTimeOffset _backlogReadAt;

    // Set when parked documents may have become postable (a dead letter left, or a new activation).
    private bool _releaseDue = true;

    private ErpForwarderState State => state.State;

    private int Partition => int.Parse(this.GetPrimaryKeyString(), CultureInfo.InvariantCulture);

    /// <summary>Starts pulling: the keep-alive reminder (reactivation elsewhere if this silo dies) and the poll timer.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // An upgrade from the pulling service of the home-made runtime: its checkpoint may be ahead of the state.
        var stored = await outbox.ReadCheckpointAsync(ConsumerName, OrderStreams.Namespace, Partition, cancellationToken);
        State.LastSequence = Math.Max(State.LastSequence, stored);
        _held = new ErpHeldDocuments(heldState.State);
        await MoveLegacyDeadLettersAsync();
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

    /// <summary>Activates the forwarder; its timer's first tick pulls at once.</summary>
    public Task WakeAsync() => Task.CompletedTask;

    /// <summary>The keep-alive reminder: its delivery (re)activates the forwarder, which then pulls.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => PullAsync(CancellationToken.None);

    /// <summary>Counters for metrics and the admin API.</summary>
    public async Task<ErpForwarderStats> GetStatsAsync()
    {
        // Interleaves with a pull: take every figure of the state before the first await.
        var partition = Partition;
        var lastSequence = State.LastSequence;
        var headAppendedAt = _headAppendedAt;
        var counters = (State.Posted, State.Skipped, State.Failed, State.HeadAttempts, State.LastEventAppendedAt, State.LastPostedAt);
        var (status, lastError, nextAttemptAt) = (_status, _lastError, _nextAttemptAt);
        var (deadLetters, parked) = (_held.DeadLetterCount, _held.ParkedCount);

        var backlog = Math.Max(0, await outbox.ReadHeadAsync(OrderStreams.Namespace, partition, CancellationToken.None) - lastSequence);
        DateTimeOffset? oldest = null;
        if (backlog > 0)
        {
            oldest = headAppendedAt
                ?? (await outbox.ReadEventsAsync(OrderStreams.Namespace, partition, lastSequence, 1, CancellationToken.None)).FirstOrDefault()?.AppendedAt;
        }

        var lag = oldest is { } at ? Max(TimeSpan.Zero, clock.GetUtcNow() - at) : TimeSpan.Zero;
        return new ErpForwarderStats(
            partition,
            lastSequence,
            backlog,
            lag,
            counters.Posted,
            counters.Skipped,
            counters.Failed,
            deadLetters,
            counters.LastEventAppendedAt,
            counters.LastPostedAt,
            status,
            counters.HeadAttempts,
            parked,
            oldest,
            status == ErpForwarderStatus.Posting ? null : nextAttemptAt,
            lastError);
    }

    /// <summary>Every event in the dead-letter list, in stable order.</summary>
    public Task<IReadOnlyList<ErpDeadLetter>> GetDeadLettersAsync() => Task.FromResult<IReadOnlyList<ErpDeadLetter>>([.. _held.DeadLetters]);

    /// <summary>Up to <paramref name="limit"/> dead letters from position <paramref name="offset"/>, in stable order.</summary>
    public Task<ErpDeadLetterPage> GetDeadLetterPageAsync(int offset, int limit) => Task.FromResult(_held.Page(offset, limit));

    /// <summary>Documents waiting behind a dead letter of their order, in stream order.</summary>
    public Task<IReadOnlyList<ErpParkedEvent>> GetParkedAsync() => Task.FromResult<IReadOnlyList<ErpParkedEvent>>([.. _held.Parked]);

    /// <summary>Posts a dead-lettered event again; true when it posted and left the list (its parked documents follow).</summary>
    public async Task<bool> RetryDeadLetterAsync(string eventId)
    {
        var letter = _held.FindDeadLetter(eventId) ?? throw new NotFoundException("dead letter", eventId);
        var document = ErpDocuments.For(letter.Event, _options.VatRateBasisPoints)!;
        var failure = await PostAsync(letter.EventId, document, letter.OrderId, traceParent: null, letter.AppendedAt ?? letter.At);
        if (failure is null)
        {
            _held.RemoveDeadLetter(letter);
            _releaseDue = true;
        }
        else
        {
            _held.UpdateDeadLetter(letter with { Reason = ReasonOf(failure), Attempts = letter.Attempts + 1, At = clock.GetUtcNow() });
        }

        await WriteHeldAsync();
        await PersistAsync();
        if (failure is null && clock.GetUtcNow() >= _nextAttemptAt)
        {
            await ReleaseParkedAsync();
        }

        Publish();
        return failure is null;
    }

    /// <summary>
    /// Forwards what the partition holds, batch by batch, until it is drained, the ERP is unavailable or the turn has
    /// lasted <see cref="ErpForwarderOptions.MaxPullTurn"/> (the next poll goes on from the checkpoint).
    /// </summary>
    private async Task PullAsync(CancellationToken cancellationToken)
    {
        _deferral ??= new PullDeferral(foreground, _options.MaxDeferral, clock);
        if (_deferral.ShouldDefer())
        {
            return;
        }

        var turn = Stopwatch.StartNew();
        if (clock.GetUtcNow() < _nextAttemptAt)
        {
            await RefreshBacklogAsync(force: false);
            return;
        }

        if (_releaseDue && !await ReleaseParkedAsync())
        {
            await RefreshBacklogAsync(force: true);
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var events = await outbox.ReadEventsAsync(OrderStreams.Namespace, Partition, State.LastSequence, _options.BatchSize, cancellationToken);
            if (events.Count == 0)
            {
                CaughtUp();
                return;
            }

            var drained = await ForwardAsync(events);
            await outbox.WriteCheckpointAsync(ConsumerName, OrderStreams.Namespace, Partition, State.LastSequence, CancellationToken.None);
            if (!drained)
            {
                await RefreshBacklogAsync(force: true);
                return;
            }

            if (events.Count < _options.BatchSize)
            {
                CaughtUp();
                return;
            }

            if (_deferral.ShouldDefer())
            {
                // The silo became busy: the rest waits for a later pull.
                await RefreshBacklogAsync(force: true);
                return;
            }

            if (turn.Elapsed >= _options.MaxPullTurn)
            {
                // Still behind: let the calls queued behind this turn in, and show the backlog meanwhile.
                await RefreshBacklogAsync(force: true);
                return;
            }
        }
    }

    // Handles each new event in order and checkpoints what is done with; false when the ERP is unavailable and the
    // head event waits for the next attempt.
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

                if (!ErpDocuments.MayPost(item.EventType))
                {
                    // No document whatever the payload says (accepted, rejected, shipped, ...): not even parsed.
                    State.Skipped++;
                    State.LastSequence = item.Sequence;
                    State.LastEventAppendedAt = item.AppendedAt;
                    continue;
                }

                var orderEvent = JsonSerializer.Deserialize<OrderEvent>(item.Payload.Span, OrderGrainsStorage.SerializerOptions)
                    ?? throw new InvalidOperationException($"Outbox event {item.EventId} has an empty payload.");
                var document = ErpDocuments.For(orderEvent, _options.VatRateBasisPoints);
                if (document is null)
                {
                    State.Skipped++;
                }
                else if (_held.Contains(item.EventId))
                {
                    // Parked or dead-lettered before a crash kept the checkpoint behind it: it is held already.
                }
                else if (_held.IsHeld(orderEvent.OrderId))
                {
                    _held.Park(new ErpParkedEvent(item.EventId, orderEvent.OrderId, document.DocumentType, item.Sequence, item.AppendedAt, clock.GetUtcNow(), orderEvent, item.TraceParent));
                    ErpForwarderLog.Parked(logger, item.EventId, orderEvent.OrderId);
                    await WriteHeldAsync();
                }
                else if (await PostAsync(item.EventId, document, orderEvent.OrderId, item.TraceParent, item.AppendedAt) is { } failure)
                {
                    if (ErpFailure.Classify(failure) != ErpFailureKind.Rejected)
                    {
                        _headAppendedAt = item.AppendedAt;
                        return false;
                    }

                    DeadLetter(new ErpDeadLetter(item.EventId, orderEvent.OrderId, document.DocumentType, ReasonOf(failure), 1, clock.GetUtcNow(), orderEvent, item.Sequence, item.AppendedAt));
                    await WriteHeldAsync();
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

    // Posts the parked documents whose order no longer has a dead letter, in stream order; false when the ERP is
    // unavailable (the rest stay parked, in order, for the next attempt).
    private async Task<bool> ReleaseParkedAsync()
    {
        var changed = false;
        try
        {
            foreach (var parked in _held.Releasable())
            {
                if (_held.HasDeadLetter(parked.OrderId))
                {
                    // An earlier document of this order was refused just now: this one stays behind it.
                    continue;
                }

                var document = ErpDocuments.For(parked.Event, _options.VatRateBasisPoints)!;
                var failure = await PostAsync(parked.EventId, document, parked.OrderId, parked.TraceParent, parked.AppendedAt);
                if (failure is not null && ErpFailure.Classify(failure) != ErpFailureKind.Rejected)
                {
                    _headAppendedAt = parked.AppendedAt;
                    return false;
                }

                _held.Unpark(parked);
                if (failure is not null)
                {
                    DeadLetter(new ErpDeadLetter(parked.EventId, parked.OrderId, document.DocumentType, ReasonOf(failure), 1, clock.GetUtcNow(), parked.Event, parked.Sequence, parked.AppendedAt));
                }

                changed = true;
            }

            _releaseDue = false;
            return true;
        }
        finally
        {
            if (changed)
            {
                await WriteHeldAsync();
                await PersistAsync();
            }
        }
    }

    // Null when the ERP took the entry (or replayed it); otherwise the failure, with the backoff already set when the
    // ERP was unavailable or refused us as a caller.
    private async Task<ErpException?> PostAsync(string eventId, JournalEntryRequest document, string orderId, string? traceParent, DateTimeOffset appendedAt)
    {
        var key = IdempotencyKey(eventId, document);
        using var activity = ErpTelemetry.StartPost(key, document.DocumentType, orderId, State.HeadAttempts + 1, traceParent);
        try
        {
            await erp.PostJournalEntryAsync(key, document, CancellationToken.None);
        }
        catch (ErpException exception)
        {
            ErpTelemetry.Fail(activity, exception);
            var kind = ErpFailure.Classify(exception);
            if (kind == ErpFailureKind.Rejected)
            {
                // A definitive answer: the ERP is up.
                Answered();
            }
            else
            {
                WaitForErp(key, exception, kind);
            }

            return exception;
        }

        Answered();
        State.Posted++;
        State.LastPostedAt = clock.GetUtcNow();
        ErpTelemetry.Posted.Add(1);
        ErpTelemetry.Lag.Record((State.LastPostedAt.Value - appendedAt).TotalMilliseconds);
        return null;
    }

    private void WaitForErp(string key, ErpException exception, ErpFailureKind kind)
    {
        ErpTelemetry.Failed.Add(1);
        State.Failed++;
        State.HeadAttempts++;
        var delay = ErpBackoff.Delay(
            State.HeadAttempts,
            _options.RetryDelay,
            _options.MaxRetryDelay,
            (exception as ErpUnavailableException)?.RetryAfter,
            Random.Shared.NextDouble());
        _nextAttemptAt = clock.GetUtcNow() + delay;
        _status = kind == ErpFailureKind.CallerRefused ? ErpForwarderStatus.Blocked : ErpForwarderStatus.WaitingForErp;
        _lastError = exception.Message;
        ErpForwarderLog.PostFailed(logger, key, State.HeadAttempts, Partition, delay, exception.Message);
    }

    private void Answered()
    {
        if (State.HeadAttempts > 0)
        {
            ErpForwarderLog.Recovered(logger, Partition, State.HeadAttempts);
        }

        State.HeadAttempts = 0;
        _status = ErpForwarderStatus.Posting;
        _lastError = null;
        _nextAttemptAt = default;
        _headAppendedAt = null;
    }

    private void DeadLetter(ErpDeadLetter letter)
    {
        ErpForwarderLog.DeadLettered(logger, letter.EventId, letter.Reason);
        ErpTelemetry.DeadLettered.Add(1);
        _held.AddDeadLetter(letter);
    }

    private void CaughtUp()
    {
        _backlog = 0;
        _backlogReadAt = clock.GetUtcNow();
        _headAppendedAt = null;
        Publish();
    }

    private async Task RefreshBacklogAsync(bool force)
    {
        var now = clock.GetUtcNow();
        if (force || now - _backlogReadAt >= BacklogRefresh)
        {
            _backlog = Math.Max(0, await outbox.ReadHeadAsync(OrderStreams.Namespace, Partition, CancellationToken.None) - State.LastSequence);
            _backlogReadAt = now;
            if (_backlog > 0 && _headAppendedAt is null)
            {
                _headAppendedAt = (await outbox.ReadEventsAsync(OrderStreams.Namespace, Partition, State.LastSequence, 1, CancellationToken.None)).FirstOrDefault()?.AppendedAt;
            }
        }

        Publish();
    }

    private void Publish() => figures.Publish(new ErpPartitionFigures(
        this, Partition, _status, _backlog, _backlog > 0 ? _headAppendedAt : null, State.HeadAttempts, _held.DeadLetterCount, _held.ParkedCount));

    // Versions before 2026-12 kept dead letters in the checkpoint state (and dropped the oldest beyond 10,000): move
    // them to the held state once, then empty the old list. The held state is written first, so a crash in between
    // leaves them in both places and the next activation moves nothing twice.
    private async Task MoveLegacyDeadLettersAsync()
    {
        if (State.DeadLetters.Count == 0)
        {
            return;
        }

        foreach (var letter in State.DeadLetters.Where(l => !_held.Contains(l.EventId)))
        {
            _held.AddDeadLetter(letter);
        }

        await heldState.WriteStateAsync();
        State.DeadLetters.Clear();
        await state.WriteStateAsync();
    }

    // A failed write reloads both states from storage; the events since the checkpoint are delivered again.
    private Task WriteHeldAsync() => heldState.WriteOrDeactivateAsync(this);

    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);

    private static string ReasonOf(ErpException failure) =>
        failure is ErpRejectedException rejected ? $"rejected ({rejected.StatusCode}): {rejected.Reason}" : failure.Message;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // The stream's event id is "{order id}#{version}" (plus a suffix for a second event of one version): unique and
    // stable across redeliveries, so the ERP turns a repeat into a replay.
    private static string IdempotencyKey(string eventId, JournalEntryRequest document) => $"{eventId}:{document.DocumentType}";
}
