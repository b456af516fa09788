using System.Collections.Concurrent;
using Orleans.Concurrency;

namespace OrderGrains.Storage.Tests;

[GenerateSerializer]
[Alias("OrderGrains.Storage.Tests.NoteState")]
public sealed class NoteState
{
    [Id(0)]
    public string Text { get; set; } = "";

    [Id(1)]
    public int Revision { get; set; }
}

[GenerateSerializer]
[Immutable]
[Alias("OrderGrains.Storage.Tests.NoteView")]
public sealed record NoteView([property: Id(0)] string Text, [property: Id(1)] string? Etag, [property: Id(2)] bool RecordExists);

[GenerateSerializer]
[Immutable]
[Alias("OrderGrains.Storage.Tests.NoteAppended")]
public sealed record NoteAppended([property: Id(0)] string Note, [property: Id(1)] int Revision);

[Alias("OrderGrains.Storage.Tests.INoteGrain")]
public interface INoteGrain : IGrainWithStringKey
{
    /// <summary>What the grain's IPersistentState holds.</summary>
    Task<NoteView> ViewAsync();

    /// <summary>Sets the text and writes with Orleans' own WriteStateAsync.</summary>
    Task<NoteView> WriteAsync(string text);

    /// <summary>Sets the text and writes it with one outbox event per revision, in one transaction.</summary>
    Task<NoteView> WriteWithEventAsync(string text);

    Task<NoteView> ClearAsync();

    Task DeactivateAsync();
}

/// <summary>A plain grain with a state in OrderGrains' storage.</summary>
[GrainType("storage-note")]
public sealed class NoteGrain([PersistentState("note", OrderGrainsStorage.Name)] IPersistentState<NoteState> state) : Grain, INoteGrain
{
    public const string EventNamespace = "notes";

    public Task<NoteView> ViewAsync() => Task.FromResult(View());

    public async Task<NoteView> WriteAsync(string text)
    {
        state.State.Text = text;
        state.State.Revision++;
        await state.WriteStateAsync();
        return View();
    }

    public async Task<NoteView> WriteWithEventAsync(string text)
    {
        state.State.Text = text;
        state.State.Revision++;
        var key = this.GetPrimaryKeyString();
        await state.WriteStateAsync([new StreamEvent(new StreamId(EventNamespace, key), $"{key}#{state.State.Revision}", "note.appended", new NoteAppended(text, state.State.Revision))]);
        return View();
    }

    public async Task<NoteView> ClearAsync()
    {
        await state.ClearStateAsync();
        return View();
    }

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private NoteView View() => new(state.State.Text, state.Etag, state.RecordExists);
}

[GenerateSerializer]
[Alias("OrderGrains.Storage.Tests.EscrowState")]
public sealed class EscrowState
{
    [Id(0)]
    public List<string> Holders { get; set; } = [];
}

[Alias("OrderGrains.Storage.Tests.IEscrowGrain")]
public interface IEscrowGrain : IGrainWithStringKey
{
    /// <summary>Takes one unit for <paramref name="holder"/> if fewer than <paramref name="limit"/> are taken.</summary>
    Task<bool> TakeAsync(string holder, int limit);

    /// <summary>
    /// Takes a turn, adds <paramref name="holder"/> tentatively, waits for its entry in <see cref="EscrowGrain.Pauses"/>,
    /// then withdraws it again: a decision that is never committed. Pauses and
    /// <see cref="EscrowGrain.Pondering"/> are keyed "grain key:holder".
    /// </summary>
    Task PonderAsync(string holder);

    [ReadOnly]
    Task<int> CountAsync();
}

/// <summary>
/// A hot grain in the shape of a SKU pool: every decision in arrival order, persisted in batches. Keys starting with
/// "orleans-write-" batch with Orleans' own WriteStateAsync instead of the snapshot write, to show why the snapshot exists.
/// </summary>
[Reentrant]
[GrainType("escrow")]
public sealed class EscrowGrain([PersistentState("escrow", OrderGrainsStorage.Name)] IPersistentState<EscrowState> state) : Grain, IEscrowGrain
{
    /// <summary>Set by a test: a pondering request holds its turn until its entry completes.</summary>
    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Pauses = new();

    /// <summary>Holders tentatively added so far (tests wait for it).</summary>
    public static readonly ConcurrentDictionary<string, bool> Pondering = new();

    private CommitBatcher? _commits;

    private CommitBatcher Commits => _commits ??= this.GetPrimaryKeyString().StartsWith("orleans-write-", StringComparison.Ordinal)
        ? new CommitBatcher(() => state.WriteStateAsync(), _ => DeactivateOnIdle(), "escrow", maxWaiting: 50_000)
        : CommitBatcher.ForState(state, _ => DeactivateOnIdle(), "escrow", maxWaiting: 50_000);

    public async Task<bool> TakeAsync(string holder, int limit)
    {
        Task durable;
        bool taken;
        using (await Commits.EnterAsync())
        {
            // A suspended decision must not let another in, nor be half-written by the flusher.
            await Task.Yield();
            taken = state.State.Holders.Count < limit && !state.State.Holders.Contains(holder);
            if (taken)
            {
                state.State.Holders.Add(holder);
            }

            durable = taken ? Commits.CommitAsync() : Commits.WhenDurableAsync();
        }

        await durable;
        return taken;
    }

    public async Task PonderAsync(string holder)
    {
        using (await Commits.EnterAsync())
        {
            state.State.Holders.Add(holder);
            var pause = $"{this.GetPrimaryKeyString()}:{holder}";
            Pondering[pause] = true;
            await Pauses[pause].Task;
            state.State.Holders.Remove(holder);
        }
    }

    public async Task<int> CountAsync()
    {
        var count = state.State.Holders.Count;
        await Commits.WhenDurableAsync();
        return count;
    }
}

/// <summary>Grain storage that, like Orleans' state bridge, lets the grain run on before the provider is called; held at a gate.</summary>
public sealed class YieldingGrainStorage(Orleans.Storage.IGrainStorage inner) : Orleans.Storage.IGrainStorage
{
    /// <summary>When set, writes wait for it before reaching the real provider.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int WritesWaiting;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Gate is { } gate)
        {
            Interlocked.Increment(ref WritesWaiting);
            await gate.Task;
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

[Alias("OrderGrains.Storage.Tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task RegisterAsync(string name, TimeSpan dueTime, TimeSpan period);

    Task UnregisterAsync(string name);
}

/// <summary>Records every reminder tick it receives in <see cref="Ticks"/> (keyed "grain key:reminder name").</summary>
[GrainType("reminder-probe")]
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public static readonly ConcurrentDictionary<string, int> Ticks = new();

    public async Task RegisterAsync(string name, TimeSpan dueTime, TimeSpan period) =>
        await this.RegisterOrUpdateReminder(name, dueTime, period);

    public async Task UnregisterAsync(string name)
    {
        var reminder = await this.GetReminder(name);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.AddOrUpdate($"{this.GetPrimaryKeyString()}:{reminderName}", 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}

/// <summary>A grain whose state keeps its entries in an entry set (rows beside the record).</summary>
public interface ITallyGrain : IGrainWithStringKey
{
    /// <summary>Adds or replaces an entry and writes with Orleans' own WriteStateAsync.</summary>
    Task SetAsync(string key, int value);

    /// <summary>Changes an entry in place (marking it) and writes.</summary>
    Task BumpAsync(string key);

    Task RemoveAsync(string key);

    /// <summary>The entries as the activation holds them, key=value in key order.</summary>
    Task<List<string>> ViewAsync();

    Task DeactivateAsync();
}

[GrainType("storage-tally")]
public sealed class TallyGrain([PersistentState("tally", OrderGrainsStorage.Name)] IPersistentState<TallyState> state) : Grain, ITallyGrain
{
    public async Task SetAsync(string key, int value)
    {
        state.State.Entries[key] = new TallyEntry { Value = value };
        state.State.Writes++;
        await state.WriteStateAsync();
    }

    public async Task BumpAsync(string key)
    {
        state.State.Entries[key].Value++;
        state.State.Entries.MarkChanged(key);
        state.State.Writes++;
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string key)
    {
        state.State.Entries.Remove(key);
        state.State.Writes++;
        await state.WriteStateAsync();
    }

    public Task<List<string>> ViewAsync() =>
        Task.FromResult<List<string>>([.. state.State.Entries.Select(e => $"{e.Key}={e.Value.Value}").Order(StringComparer.Ordinal)]);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed class TallyState : IHasEntrySets
{
    public int Writes { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public EntrySet<TallyEntry> Entries { get; } = new("entries");

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<IEntrySet> EntrySets => [Entries];

    // As a state stored before entry sets held them inline.
    [System.Text.Json.Serialization.JsonInclude]
    [System.Text.Json.Serialization.JsonPropertyName("Entries")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    private Dictionary<string, TallyEntry>? InlineEntries
    {
        get => null;
        set => Entries.LoadInline(value);
    }
}

public sealed class TallyEntry
{
    public int Value { get; set; }
}
