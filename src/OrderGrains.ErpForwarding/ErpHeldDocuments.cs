using OrderGrains.Abstractions;

namespace OrderGrains.ErpForwarding;

/// <summary>
/// The documents one partition holds back: dead letters (the ERP refused them) and, behind each, the later documents
/// of the same order, parked in stream order so an order's documents never reach the ERP out of order. Nothing is
/// ever dropped: an entry leaves only when it posts. Wraps <see cref="ErpHeldState"/> and keeps it ordered.
/// </summary>
public sealed class ErpHeldDocuments
{
    private static readonly Comparer<ErpDeadLetter> StableOrder = Comparer<ErpDeadLetter>.Create((a, b) =>
    {
        var bySequence = a.Sequence.CompareTo(b.Sequence);
        return bySequence != 0 ? bySequence : string.CompareOrdinal(a.EventId, b.EventId);
    });

    private readonly ErpHeldState _state;
    private readonly Dictionary<string, int> _heldPerOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _deadLettersPerOrder = new(StringComparer.Ordinal);
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);

    public ErpHeldDocuments(ErpHeldState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        _state.DeadLetters.Sort(StableOrder);
        _state.Parked.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var letter in _state.DeadLetters)
        {
            Count(letter.OrderId, letter.EventId, deadLetter: true, +1);
        }

        foreach (var parked in _state.Parked)
        {
            Count(parked.OrderId, parked.EventId, deadLetter: false, +1);
        }
    }

    public int DeadLetterCount => _state.DeadLetters.Count;

    public int ParkedCount => _state.Parked.Count;

    public IReadOnlyList<ErpDeadLetter> DeadLetters => _state.DeadLetters;

    public IReadOnlyList<ErpParkedEvent> Parked => _state.Parked;

    /// <summary>True when the order has a dead letter or parked documents: its next document must wait behind them.</summary>
    public bool IsHeld(string orderId) => _heldPerOrder.ContainsKey(orderId);

    /// <summary>True when the order has a dead letter.</summary>
    public bool HasDeadLetter(string orderId) => _deadLettersPerOrder.ContainsKey(orderId);

    /// <summary>How many documents of the order are parked (behind its dead letter).</summary>
    public int ParkedBehind(string orderId) => _heldPerOrder.GetValueOrDefault(orderId) - _deadLettersPerOrder.GetValueOrDefault(orderId);

    /// <summary>True when this event is already held (it was parked or dead-lettered before a redelivery).</summary>
    public bool Contains(string eventId) => _eventIds.Contains(eventId);

    public ErpDeadLetter? FindDeadLetter(string eventId) => _state.DeadLetters.Find(d => d.EventId == eventId);

    /// <summary>Adds a dead letter in its place in the stable order.</summary>
    public void AddDeadLetter(ErpDeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        if (_eventIds.Contains(letter.EventId))
        {
            throw new InvalidOperationException($"Event {letter.EventId} is already held.");
        }

        var index = _state.DeadLetters.BinarySearch(letter, StableOrder);
        _state.DeadLetters.Insert(index < 0 ? ~index : index, letter);
        Count(letter.OrderId, letter.EventId, deadLetter: true, +1);
    }

    /// <summary>Replaces a dead letter by a newer record of it (another failed retry).</summary>
    public void UpdateDeadLetter(ErpDeadLetter updated)
    {
        ArgumentNullException.ThrowIfNull(updated);
        var index = _state.DeadLetters.FindIndex(d => d.EventId == updated.EventId);
        _state.DeadLetters[index] = updated;
    }

    /// <summary>Removes a dead letter that posted.</summary>
    public void RemoveDeadLetter(ErpDeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        if (_state.DeadLetters.Remove(letter))
        {
            Count(letter.OrderId, letter.EventId, deadLetter: true, -1);
        }
    }

    /// <summary>Parks a document behind its order's dead letter; documents arrive in stream order.</summary>
    public void Park(ErpParkedEvent parked)
    {
        ArgumentNullException.ThrowIfNull(parked);
        if (_eventIds.Contains(parked.EventId))
        {
            throw new InvalidOperationException($"Event {parked.EventId} is already held.");
        }

        var index = _state.Parked.FindLastIndex(p => p.Sequence <= parked.Sequence);
        _state.Parked.Insert(index + 1, parked);
        Count(parked.OrderId, parked.EventId, deadLetter: false, +1);
    }

    /// <summary>Removes a parked document (it posted, or became its order's dead letter).</summary>
    public void Unpark(ErpParkedEvent parked)
    {
        ArgumentNullException.ThrowIfNull(parked);
        if (_state.Parked.Remove(parked))
        {
            Count(parked.OrderId, parked.EventId, deadLetter: false, -1);
        }
    }

    /// <summary>The parked documents whose order no longer has a dead letter, in stream order.</summary>
    public IReadOnlyList<ErpParkedEvent> Releasable() => [.. _state.Parked.Where(p => !HasDeadLetter(p.OrderId))];

    /// <summary>Up to <paramref name="limit"/> dead letters from <paramref name="offset"/> in the stable order.</summary>
    public ErpDeadLetterPage Page(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var letters = _state.DeadLetters;
        var items = offset >= letters.Count ? [] : letters.GetRange(offset, Math.Min(limit, letters.Count - offset));
        return new ErpDeadLetterPage(items, letters.Count, [.. items.Select(l => ParkedBehind(l.OrderId))]);
    }

    private void Count(string orderId, string eventId, bool deadLetter, int delta)
    {
        Add(_heldPerOrder, orderId, delta);
        if (deadLetter)
        {
            Add(_deadLettersPerOrder, orderId, delta);
        }

        if (delta > 0)
        {
            _eventIds.Add(eventId);
        }
        else
        {
            _eventIds.Remove(eventId);
        }

        static void Add(Dictionary<string, int> counts, string key, int delta)
        {
            var count = counts.GetValueOrDefault(key) + delta;
            if (count > 0)
            {
                counts[key] = count;
            }
            else
            {
                counts.Remove(key);
            }
        }
    }
}
