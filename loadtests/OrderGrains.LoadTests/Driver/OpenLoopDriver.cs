using System.Diagnostics;
using OrderGrains.LoadTests.Metrics;
using OrderGrains.LoadTests.Scenarios;
using OrderGrains.LoadTests.Targets;

namespace OrderGrains.LoadTests.Driver;

/// <summary>
/// Sends each planned order at its scheduled time whatever the replies do (open loop), and measures every latency
/// from the scheduled time, not from when the call actually left: a slow system delays later sends, and that delay
/// is part of their latency (no coordinated omission). A cap on calls in flight keeps memory bounded; waiting for
/// the cap counts as latency too.
/// </summary>
public sealed class OpenLoopDriver(IOrderTarget target, int maxInFlight, ProgressBar? progress, TimeSpan maxPhaseTime)
{
    private static readonly double TicksPerMicro = Stopwatch.Frequency / 1_000_000.0;

    /// <summary>Runs <paramref name="phase"/>; <paramref name="started"/> gets its start (a Stopwatch timestamp) before the first send.</summary>
    public async Task<PhaseRecorder> RunAsync(PlannedPhase phase, CancellationToken cancellationToken, Action<long>? started = null)
    {
        var recorder = new PhaseRecorder(phase.Name, phase.OfferedRate, phase.Orders.Count);
        using var gate = new SemaphoreSlim(maxInFlight, maxInFlight);
        var outstanding = new Outstanding();
        var start = Stopwatch.GetTimestamp();
        recorder.Start(start);
        started?.Invoke(start);
        progress?.Begin(target.Name + " " + phase.Name, recorder);
        try
        {
            foreach (var order in phase.Orders)
            {
                if (Stopwatch.GetElapsedTime(start) > maxPhaseTime)
                {
                    break;
                }

                var due = start + (long)(order.DueMicros * TicksPerMicro);
                await WaitUntilAsync(due, cancellationToken);
                await gate.WaitAsync(cancellationToken);
                recorder.MarkDispatched();
                outstanding.Add();
                _ = PlaceAsync(order, due, recorder, gate, outstanding, cancellationToken);
            }

            await outstanding.DrainAsync();
        }
        finally
        {
            recorder.End();
            progress?.End();
        }

        return recorder;
    }

    private static async Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            // Timers tick about once a millisecond; sleeping to just before the due time and then in 1 ms steps sends
            // at most ~1 ms late, which the latency (measured from the due time) includes.
            await Task.Delay(remaining > TimeSpan.FromMilliseconds(2) ? remaining - TimeSpan.FromMilliseconds(1) : TimeSpan.FromMilliseconds(1), cancellationToken);
        }
    }

    private async Task PlaceAsync(PlannedOrder order, long due, PhaseRecorder recorder, SemaphoreSlim gate, Outstanding outstanding, CancellationToken cancellationToken)
    {
        CallOutcome outcome;
        try
        {
            outcome = await target.PlaceAsync(order, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            outcome = new CallOutcome(OutcomeKind.Error, ex.GetType().Name);
        }
        finally
        {
            gate.Release();
        }

        recorder.RecordPlace(outcome, due);
        if (outcome.Kind == OutcomeKind.Accepted && order.FollowUp != FollowUp.None)
        {
            outstanding.Add();
            _ = FollowUpAsync(order, recorder, gate, outstanding, cancellationToken);
        }

        outstanding.Done();
    }

    private async Task FollowUpAsync(PlannedOrder order, PhaseRecorder recorder, SemaphoreSlim gate, Outstanding outstanding, CancellationToken cancellationToken)
    {
        try
        {
            var due = Stopwatch.GetTimestamp() + (long)(order.FollowUpDelay.TotalMicroseconds * TicksPerMicro);
            await WaitUntilAsync(due, cancellationToken);
            await gate.WaitAsync(cancellationToken);
            CallOutcome outcome;
            try
            {
                outcome = order.FollowUp == FollowUp.Pay
                    ? await target.PayAsync(order, cancellationToken)
                    : await target.CancelAsync(order, cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                outcome = new CallOutcome(OutcomeKind.Error, ex.GetType().Name);
            }
            finally
            {
                gate.Release();
            }

            recorder.RecordFollowUp(outcome, due);
        }
        catch (OperationCanceledException)
        {
            recorder.RecordFollowUp(new CallOutcome(OutcomeKind.Error, "cancelled"), Stopwatch.GetTimestamp());
        }
        finally
        {
            outstanding.Done();
        }
    }

    /// <summary>Calls not yet finished; <see cref="DrainAsync"/> completes when the last one does.</summary>
    private sealed class Outstanding
    {
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Starts at 1 for the dispatch loop itself, so the count cannot touch zero before every order was sent.
        private long _count = 1;

        public void Add() => Interlocked.Increment(ref _count);

        public void Done()
        {
            if (Interlocked.Decrement(ref _count) == 0)
            {
                _drained.TrySetResult();
            }
        }

        public Task DrainAsync()
        {
            Done();
            return _drained.Task;
        }
    }
}
