using System.Collections;
using System.Text.Json;

namespace OrderGrains.Storage;

/// <summary>
/// A grain state that keeps some of its data as entry sets: keyed collections stored as rows of their own beside the
/// state's record, so a write stores what changed in them instead of all of them. A hot SKU pool holds one reservation
/// per open order; written whole, its record grew with the sale and every group commit rewrote megabytes.
/// </summary>
/// <remarks>
/// Entry sets are not part of the state's JSON (mark them <c>[JsonIgnore]</c>). <see cref="GroupCommitGrainStorage"/>
/// reads their rows with the record and writes their changes in the record's transaction: a write whose ETag check
/// fails changes no entry either, and a clear deletes them all.
/// </remarks>
public interface IHasEntrySets
{
    /// <summary>The state's entry sets; names are unique within the state and never change.</summary>
    IReadOnlyList<IEntrySet> EntrySets { get; }
}

/// <summary>What <see cref="GroupCommitGrainStorage"/> needs of an <see cref="EntrySet{TValue}"/>, whatever its value type.</summary>
public interface IEntrySet
{
    /// <summary>The set's name in storage.</summary>
    string Name { get; }

    /// <summary>Whether the next write replaces every stored entry: the set was read inline from a state stored before entry sets, or a write failed.</summary>
    bool ReplacePending { get; }

    /// <summary>Replaces the contents with stored rows; nothing is pending afterwards.</summary>
    void Load(IEnumerable<StoredEntry> rows, JsonSerializerOptions options);

    /// <summary>
    /// The changes since the last call, serialized now (the caller writes them as they are at this moment), and
    /// forgets them: the next call reports only what changes after this one.
    /// </summary>
    EntrySetChanges TakeChanges(JsonSerializerOptions options);

    /// <summary>A write that carried taken changes failed: the next write replaces the whole set, whatever storage holds.</summary>
    void WriteFailed();
}

/// <summary>
/// A dictionary by string key (ordinal) that remembers which keys changed since it was last written. Adding, replacing
/// and removing through it are tracked; a value changed in place must be reported with <see cref="MarkChanged"/>.
/// </summary>
public sealed class EntrySet<TValue> : IEntrySet, IEnumerable<KeyValuePair<string, TValue>>
    where TValue : notnull
{
    private readonly Dictionary<string, TValue> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private bool _replaceAll;

    public EntrySet(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    public int Count => _entries.Count;

    public IEnumerable<string> Keys => _entries.Keys;

    public IEnumerable<TValue> Values => _entries.Values;

    /// <inheritdoc />
    public bool ReplacePending => _replaceAll;

    /// <summary>Keys changed since the last write.</summary>
    public int ChangedCount => _replaceAll ? _entries.Count : _changed.Count;

    public TValue this[string key]
    {
        get => _entries[key];
        set
        {
            _entries[key] = value;
            _changed.Add(key);
        }
    }

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value) =>
        _entries.TryGetValue(key, out value);

    public TValue? GetValueOrDefault(string key) => _entries.GetValueOrDefault(key);

    public bool Remove(string key) => Remove(key, out _);

    public bool Remove(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value)
    {
        if (!_entries.Remove(key, out value))
        {
            return false;
        }

        _changed.Add(key);
        return true;
    }

    /// <summary>Records that the value under <paramref name="key"/> was changed in place.</summary>
    public void MarkChanged(string key)
    {
        if (!_entries.ContainsKey(key))
        {
            throw new KeyNotFoundException($"Entry set '{Name}' holds no '{key}' to mark as changed.");
        }

        _changed.Add(key);
    }

    /// <summary>
    /// Takes the entries of a state stored before entry sets (inline in its JSON): the next write stores them as rows.
    /// Null (the property absent, or a state stored since) changes nothing, so a state's inline property can pass its
    /// value straight on.
    /// </summary>
    public void LoadInline(IReadOnlyDictionary<string, TValue>? entries)
    {
        if (entries is null)
        {
            return;
        }

        foreach (var (key, value) in entries)
        {
            _entries[key] = value;
        }

        _replaceAll = true;
    }

    /// <inheritdoc />
    public void Load(IEnumerable<StoredEntry> rows, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        _entries.Clear();
        _changed.Clear();
        _replaceAll = false;
        foreach (var row in rows)
        {
            _entries[row.Key] = JsonSerializer.Deserialize<TValue>(row.Payload.Span, options)
                ?? throw new JsonException($"Entry '{row.Key}' of set '{Name}' is JSON null.");
        }
    }

    /// <inheritdoc />
    public EntrySetChanges TakeChanges(JsonSerializerOptions options)
    {
        var replace = _replaceAll;
        IEnumerable<string> keys = replace ? _entries.Keys : _changed;
        var changes = new List<EntryChange>(replace ? _entries.Count : _changed.Count);
        foreach (var key in keys)
        {
            changes.Add(_entries.TryGetValue(key, out var value)
                ? new EntryChange(key, JsonSerializer.SerializeToUtf8Bytes(value, options))
                : new EntryChange(key, null));
        }

        _changed.Clear();
        _replaceAll = false;
        return new EntrySetChanges(Name, replace, changes);
    }

    /// <inheritdoc />
    public void WriteFailed() => _replaceAll = true;

    public Dictionary<string, TValue>.Enumerator GetEnumerator() => _entries.GetEnumerator();

    IEnumerator<KeyValuePair<string, TValue>> IEnumerable<KeyValuePair<string, TValue>>.GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();
}

/// <summary>
/// One set's changes in one write: with <see cref="ReplaceAll"/>, every stored entry of the set is deleted first and
/// <see cref="Changes"/> holds the whole set.
/// </summary>
public sealed record EntrySetChanges(string Set, bool ReplaceAll, IReadOnlyList<EntryChange> Changes)
{
    public bool IsEmpty => !ReplaceAll && Changes.Count == 0;
}

/// <summary>An entry to store (its JSON), or to delete (<see cref="Payload"/> null).</summary>
public readonly record struct EntryChange(string Key, byte[]? Payload);

/// <summary>A stored entry of one set.</summary>
public sealed record StoredEntry(string Set, string Key, ReadOnlyMemory<byte> Payload);

/// <summary>A state record with the rows of its entry sets, read together (one snapshot of storage).</summary>
public sealed record GrainStateWithEntries(GrainStateRecord Record, IReadOnlyList<StoredEntry> Entries);

/// <summary>
/// A state store that keeps entry sets (see <see cref="IHasEntrySets"/>): rows keyed by (state key, set, entry key),
/// changed only in the transaction of a write of their state that passes its ETag check, deleted by a clear.
/// </summary>
public interface IEntryStore
{
    /// <summary>Reads a record and all its entries as of one moment.</summary>
    Task<GrainStateWithEntries> ReadWithEntriesAsync(GrainStateKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes state like <see cref="IOutboxStore.WriteWithEventsAsync"/> and, only if that write commits, applies
    /// <paramref name="entries"/> in the same transaction.
    /// </summary>
    Task<string> WriteWithEntriesAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries, CancellationToken cancellationToken);
}
