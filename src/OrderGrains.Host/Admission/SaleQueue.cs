using System.Collections.Concurrent;
using OrderGrains.Abstractions;
using OrderGrains.Grains;

namespace OrderGrains.Host.Admission;

/// <summary>
/// Keeps a sale's full order path about as wide as what it can still sell. A PlaceOrder for a campaign (or for one SKU)
/// whose hot grain last reported R units left enters the full path (order grain, customer, campaign, SKU pool) only
/// while fewer than R + <see cref="AdmissionOptions.SaleSlack"/> orders of that campaign or SKU are in it; later ones
/// wait here, first come first served, and go in as earlier ones finish. Once the figure reads sold out, every waiter
/// is let go at once, and the intake's sold-out check refuses it without a grain activation.
/// </summary>
/// <remarks>
/// <para>
/// Why: near the end of a flash sale thousands of buyers are in flight for the last few units. Without a bound each
/// of them activates an order and a customer grain, writes a placing record, registers an expiry reminder and asks the
/// campaign, only to be refused there: that work competes with the orders that can still succeed and slows the sale
/// down, which lets even more buyers in before it sells out.
/// </para>
/// <para>
/// Nothing is refused here and no order is decided here: waiting only delays an order, whose outcome is still the
/// grains' (a figure is a hint and may lag; the slack covers orders that fail for other reasons, such as a per-customer
/// limit). A waiter leaves when its call's deadline passes or it is cancelled; more than
/// <see cref="AdmissionOptions.SaleMaxWaiting"/> waiters for one figure get RESOURCE_EXHAUSTED with a retry hint.
/// Orders with no standing figure (several SKUs, an unknown SKU, a hint from another silo that expired) pass straight
/// through. Each silo bounds its own intake.
/// </para>
/// </remarks>
public sealed class SaleQueue(StockHints hints, AdmissionOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<SaleFigure, Line> _lines = new();
    private long _waited;

    /// <summary>Orders that had to wait for their turn so far.</summary>
    public long Waited => Interlocked.Read(ref _waited);

    /// <summary>Orders waiting now, over all figures.</summary>
    public int Waiting => _lines.Values.Sum(line => line.WaitingCount);

    /// <summary>
    /// Waits, if need be, until <paramref name="command"/> may take the full path; dispose the turn once the order
    /// grain has answered.
    /// </summary>
    public ValueTask<Turn> EnterAsync(PlaceOrderCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!options.Enabled || hints.Room(command, clock.GetUtcNow()) is not { } figure)
        {
            return ValueTask.FromResult(default(Turn));
        }

        var line = _lines.GetOrAdd(figure.Figure, static key => new Line(key));
        TaskCompletionSource waiter;
        lock (line.Gate)
        {
            Drain(line);
            if (figure.Room <= 0 || (line.Waiting.Count == 0 && line.InFlight < Limit(figure.Room)))
            {
                line.InFlight++;
                return ValueTask.FromResult(new Turn(this, line, waited: false));
            }

            if (line.Waiting.Count >= options.SaleMaxWaiting)
            {
                throw new CallRejectedException(
                    $"{line.Waiting.Count} orders already wait for {figure.Figure} ({figure.Room} left, {line.InFlight} in progress); retry after {options.RetryAfterMilliseconds} ms.",
                    options.RetryAfterMilliseconds);
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            line.Waiting.Enqueue(waiter);
        }

        Interlocked.Increment(ref _waited);
        return WaitAsync(line, waiter, cancellationToken);
    }

    private async ValueTask<Turn> WaitAsync(Line line, TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(static w => ((TaskCompletionSource)w!).TrySetCanceled(), waiter))
        {
            // A cancelled waiter stays queued until a release skips it; it holds no place in flight.
            await waiter.Task.ConfigureAwait(false);
        }

        return new Turn(this, line, waited: true);
    }

    private void Leave(Line line)
    {
        lock (line.Gate)
        {
            line.InFlight--;
            Drain(line);
        }
    }

    // Lets waiters in, first come first served, while there is room; all of them once the figure reads sold out (they
    // are refused without the full path). A figure that no longer stands limits nothing. Called under the line's lock.
    private void Drain(Line line)
    {
        if (line.Waiting.Count == 0)
        {
            return;
        }

        var room = hints.RoomOf(line.Figure, clock.GetUtcNow());
        while (line.Waiting.Count > 0 && (room is not { } r || r <= 0 || line.InFlight < Limit(r)))
        {
            if (line.Waiting.Dequeue().TrySetResult())
            {
                line.InFlight++;
            }
        }
    }

    private long Limit(long room) => Math.Max(0, room) + options.SaleSlack;

    /// <summary>One order's place on the full path; disposing it lets the next waiter in.</summary>
    public readonly struct Turn : IDisposable
    {
        private readonly SaleQueue? _owner;
        private readonly Line? _line;

        internal Turn(SaleQueue owner, Line line, bool waited)
        {
            _owner = owner;
            _line = line;
            Waited = waited;
        }

        /// <summary>Whether this order waited: what it saw when it arrived may have changed, so look again.</summary>
        public bool Waited { get; }

        public void Dispose() => _owner?.Leave(_line!);
    }

    /// <summary>Orders of one campaign or SKU: how many are on the full path, and who waits.</summary>
    internal sealed class Line(SaleFigure figure)
    {
        public SaleFigure Figure { get; } = figure;

        public Lock Gate { get; } = new();

        public int InFlight;

        public Queue<TaskCompletionSource> Waiting { get; } = new();

        public int WaitingCount
        {
            get
            {
                lock (Gate)
                {
                    return Waiting.Count;
                }
            }
        }
    }
}
