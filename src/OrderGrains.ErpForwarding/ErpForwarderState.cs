using OrderGrains.Abstractions;

namespace OrderGrains.ErpForwarding;

/// <summary>Persistent state of one partition's ERP forwarder.</summary>
public sealed class ErpForwarderState
{
    public long LastSequence { get; set; }

    public long Posted { get; set; }

    public long Skipped { get; set; }

    public long Failed { get; set; }

    public DateTimeOffset? LastEventAppendedAt { get; set; }

    public DateTimeOffset? LastPostedAt { get; set; }

    /// <summary>Failed attempts of the event at the head of the partition (it blocks the partition until posted or dead-lettered).</summary>
    public string? HeadEventId { get; set; }

    public int HeadAttempts { get; set; }

    public List<ErpDeadLetter> DeadLetters { get; set; } = [];
}
