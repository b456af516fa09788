namespace OrderGrains.Storage;

/// <summary>
/// Whether this silo is busy answering callers. The order stream's consumers (the read model's projector, the ERP
/// forwarder) ask before each pull and, while it is busy, put their pulls off for a bounded time (see
/// <see cref="PullDeferral"/>): in a flash sale the CPU goes to the buyers waiting for an answer, and the projection
/// and the ledger catch up once the rush is over. The host implements it from its admission control.
/// </summary>
public interface IForegroundLoad
{
    bool IsBusy { get; }
}

/// <summary>Never busy: a silo without an intake of its own (tests, tools).</summary>
public sealed class IdleForeground : IForegroundLoad
{
    public static IdleForeground Instance { get; } = new();

    public bool IsBusy => false;
}

/// <summary>
/// One consumer's deferral: while the foreground is busy a pull is put off, but never for longer than
/// <c>maxDeferral</c> in a row, so what the consumer lags stays bounded whatever the load. Zero never defers.
/// </summary>
public sealed class PullDeferral(IForegroundLoad load, TimeSpan maxDeferral, TimeProvider clock)
{
    private long? _deferringSince;

    /// <summary>Pulls put off so far.</summary>
    public long Deferred { get; private set; }

    /// <summary>True when this pull should be skipped; call once per pull the consumer would start.</summary>
    public bool ShouldDefer()
    {
        if (maxDeferral <= TimeSpan.Zero || !load.IsBusy)
        {
            _deferringSince = null;
            return false;
        }

        var now = clock.GetTimestamp();
        _deferringSince ??= now;
        if (clock.GetElapsedTime(_deferringSince.Value, now) >= maxDeferral)
        {
            // This pull runs; the next busy stretch is counted from here.
            _deferringSince = null;
            return false;
        }

        Deferred++;
        return true;
    }
}
