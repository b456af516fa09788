using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Erp;
using OrderGrains.Runtime;
using OrderGrains.Runtime.Serialization;
using OrderGrains.Runtime.Streams;

namespace OrderGrains.ErpForwarding;

/// <summary>
/// Forwards one partition of the order stream to the ERP as journal entries, in order. Each document's idempotency
/// key is (order id, event version, document type), so a redelivered event — after a crash or a failed delivery —
/// is answered by the ERP with the original entry instead of a second one. An event the ERP rejects (4xx), or that
/// fails <see cref="ErpForwarderOptions.MaxAttempts"/> times, goes to the durable dead-letter list and the
/// partition moves on; while the ERP is unavailable the batch is handed back, so the backlog waits in the stream.
/// </summary>
[GrainType("erpforwarder")]
[ImplicitStreamSubscription(OrderStreams.Namespace)]
public sealed class ErpForwarderGrain(
    [PersistentState("erp-forwarder")] IPersistentState<ErpForwarderState> state,
    IErpClient erp,
    GrainSerializer serializer,
    IOptions<ErpForwarderOptions> options,
    IStreamInfo streams,
    TimeProvider clock,
    ILogger<ErpForwarderGrain> logger) : Grain, IErpForwarderGrain, IStreamConsumerGrain
{
    private readonly ErpForwarderOptions _options = options.Value;

    private ErpForwarderState State => state.State;

    /// <summary>Posts each new event of the batch in order; throws to have the batch delivered again later.</summary>
    public async Task OnNextBatchAsync(IReadOnlyList<StreamItem> items)
    {
        try
        {
            foreach (var item in items)
            {
                if (item.Sequence <= State.LastSequence)
                {
                    continue;
                }

                var orderEvent = serializer.Deserialize<OrderEvent>(item.Payload);
                var document = ErpDocuments.For(orderEvent, _options.VatRateBasisPoints);
                if (document is null)
                {
                    State.Skipped++;
                }
                else if (!await TryPostAsync(item, orderEvent, document))
                {
                    // Not processed: the stream must deliver this event again, so the batch may not count as done.
                    throw new ErpUnavailableException($"The ERP is unavailable; event {item.EventId} and the rest of its batch will be delivered again.");
                }

                State.LastSequence = item.Sequence;
                State.LastEventAppendedAt = item.AppendedAt;
            }
        }
        finally
        {
            await state.WriteStateAsync();
        }
    }

    /// <summary>Counters for metrics and the admin API.</summary>
    public async Task<ErpForwarderStats> GetStatsAsync()
    {
        var partition = int.Parse(GetPrimaryKeyString(), System.Globalization.CultureInfo.InvariantCulture);
        var backlog = Math.Max(0, await streams.GetHeadAsync(OrderStreams.Namespace, partition) - State.LastSequence);

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

    // True when the event is done with (posted or dead-lettered); false when the ERP is unavailable and the batch
    // must be delivered again.
    private async Task<bool> TryPostAsync(StreamItem item, OrderEvent orderEvent, JournalEntryRequest document)
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
