using System.Collections.Concurrent;

namespace OrderGrains.Host.Admission;

/// <summary>
/// Bounds the calls this node works on at once, fairly across sales channels. A call is admitted while the node is
/// below <see cref="AdmissionOptions.MaxInFlight"/> and its channel below its limit: a channel alone may use
/// <see cref="AdmissionOptions.MaxChannelShare"/> of the node, but once the node is contended (past
/// <see cref="AdmissionOptions.ContendedFraction"/>) each channel holding work gets an equal share, so one flooding
/// channel cannot starve the others. Everything else is refused at once with RESOURCE_EXHAUSTED and
/// <c>grpc-retry-pushback-ms</c>, rather than queueing into a deadline.
/// </summary>
/// <remarks>The counters are updated without a lock; two racing calls may both pass a limit by one, which is fine for a load bound.</remarks>
public sealed partial class AdmissionControl
{
    // Channels beyond MaxChannels share this bucket: the channel name is client input and must not grow memory.
    private const string OverflowChannel = "\u0000other";

    private readonly ConcurrentDictionary<string, ChannelCounter> _channels = new(StringComparer.Ordinal);
    private readonly ILogger<AdmissionControl> _logger;
    private readonly string _retryAfter;
    private int _inFlight;
    private int _activeChannels;
    private long _admitted;
    private long _rejected;
    private long _lastRejectLogTicks;

    // Busy lingers this long after the last call that found the node busy, so a consumer polling between bursts of a
    // sale does not take a dip for the end of it.
    private const long BusyLingerMilliseconds = 1_000;
    private long _lastBusyAt = long.MinValue / 2;

    public AdmissionControl(AdmissionOptions options, ILogger<AdmissionControl> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = logger;
        _retryAfter = options.RetryAfterMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public AdmissionOptions Options { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public long Admitted => Interlocked.Read(ref _admitted);

    /// <summary>
    /// At least <see cref="AdmissionOptions.BusyInFlight"/> calls are in flight, or were within the last second (see
    /// <see cref="IntakeLoad"/>).
    /// </summary>
    public bool IsBusy => InFlight >= Options.BusyInFlight || Environment.TickCount64 - Volatile.Read(ref _lastBusyAt) < BusyLingerMilliseconds;

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Admits a call of <paramref name="channel"/> or returns null; dispose the lease when the call ends.</summary>
    public Lease? TryEnter(string channel)
    {
        if (!Options.Enabled)
        {
            return new Lease(null, null);
        }

        var counter = Counter(channel);
        var total = Interlocked.Increment(ref _inFlight);
        var mine = Interlocked.Increment(ref counter.InFlight);
        if (mine == 1)
        {
            Interlocked.Increment(ref _activeChannels);
        }

        if (total >= Options.BusyInFlight)
        {
            Volatile.Write(ref _lastBusyAt, Environment.TickCount64);
        }

        if (total <= Options.MaxInFlight && mine <= ChannelLimit(total))
        {
            Interlocked.Increment(ref _admitted);
            return new Lease(this, counter);
        }

        Leave(counter);
        Interlocked.Increment(ref _rejected);
        LogShedding(channel, total - 1);
        return null;
    }

    /// <summary>
    /// Admits the call or throws <see cref="CallRejectedException"/>, which the error classifier turns into
    /// RESOURCE_EXHAUSTED with <c>grpc-retry-pushback-ms</c>: the call is refused before any work, never queued.
    /// </summary>
    public Lease Enter(string channel)
    {
        if (TryEnter(channel) is { } lease)
        {
            return lease;
        }

        throw new CallRejectedException(
            $"This node is at its limit of calls in flight for channel '{channel}'; retry after {_retryAfter} ms.",
            Options.RetryAfterMilliseconds);
    }

    /// <summary>The channel of an order id (<c>channel:external_order_id</c>), for calls that carry only the id.</summary>
    public static string ChannelOf(string orderId)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        var colon = orderId.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? orderId[..colon] : string.Empty;
    }

    private int ChannelLimit(int total)
    {
        if (total <= Options.MaxInFlight * Options.ContendedFraction)
        {
            return Math.Max(1, (int)(Options.MaxInFlight * Options.MaxChannelShare));
        }

        var active = Math.Max(1, Volatile.Read(ref _activeChannels));
        return Math.Max(1, Options.MaxInFlight / active);
    }

    private ChannelCounter Counter(string channel)
    {
        if (_channels.TryGetValue(channel, out var counter))
        {
            return counter;
        }

        return _channels.Count >= Options.MaxChannels
            ? _channels.GetOrAdd(OverflowChannel, static _ => new ChannelCounter())
            : _channels.GetOrAdd(channel, static _ => new ChannelCounter());
    }

    private void Leave(ChannelCounter counter)
    {
        if (Interlocked.Decrement(ref counter.InFlight) == 0)
        {
            Interlocked.Decrement(ref _activeChannels);
        }

        Interlocked.Decrement(ref _inFlight);
    }

    private void LogShedding(string channel, int inFlight)
    {
        // At most one line per five seconds: when shedding, thousands of calls a second are refused.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRejectLogTicks);
        if (now - last >= 5_000 && Interlocked.CompareExchange(ref _lastRejectLogTicks, now, last) == last)
        {
            LogRejecting(_logger, channel, inFlight, Options.MaxInFlight, Rejected);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Admission control is refusing calls (channel {Channel}, {InFlight} of {MaxInFlight} in flight, {Rejected} refused so far).")]
    private static partial void LogRejecting(ILogger logger, string channel, int inFlight, int maxInFlight, long rejected);

    /// <summary>Calls in flight for one channel.</summary>
    internal sealed class ChannelCounter
    {
        // A field, not a property: admission increments it with Interlocked.
        public int InFlight;
    }

    /// <summary>One admitted call; disposing it frees its place.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly AdmissionControl? _owner;
        private readonly ChannelCounter? _counter;

        internal Lease(AdmissionControl? owner, ChannelCounter? counter)
        {
            _owner = owner;
            _counter = counter;
        }

        public void Dispose() => _owner?.Leave(_counter!);
    }
}
