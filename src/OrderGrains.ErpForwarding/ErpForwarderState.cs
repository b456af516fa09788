using OrderGrains.Abstractions;

namespace OrderGrains.ErpForwarding;

/// <summary>Persistent state of one partition's ERP forwarder: its checkpoint and counters (written after every batch).</summary>
public sealed class ErpForwarderState
{
    public long LastSequence { get; set; }

    public long Posted { get; set; }

    public long Skipped { get; set; }

    public long Failed { get; set; }

    public DateTimeOffset? LastEventAppendedAt { get; set; }

    public DateTimeOffset? LastPostedAt { get; set; }

    /// <summary>Failed posts in a row while the ERP is unavailable (0 once one is taken): drives the backoff.</summary>
    public int HeadAttempts { get; set; }

    /// <summary>
    /// Dead letters as versions before 2026-12 kept them, inside this state. Read only to move them, on activation, to
    /// <see cref="ErpHeldState"/>; empty afterwards.
    /// </summary>
    public List<ErpDeadLetter> DeadLetters { get; set; } = [];
}

/// <summary>
/// Persistent state of one partition's held documents: dead letters and the documents parked behind them. Kept apart
/// from the checkpoint so the per-batch checkpoint write does not carry it; written only when it changes.
/// </summary>
public sealed class ErpHeldState
{
    /// <summary>In stable order: sequence, then event id.</summary>
    public List<ErpDeadLetter> DeadLetters { get; set; } = [];

    /// <summary>In stream order.</summary>
    public List<ErpParkedEvent> Parked { get; set; } = [];
}
