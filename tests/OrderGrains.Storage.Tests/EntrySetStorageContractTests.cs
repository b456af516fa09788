using System.Text;
using Orleans.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>Entry sets in every store: rows beside a state, changed only with a committed write of it, gone with a clear.</summary>
public abstract class EntrySetStorageContractTests : IAsyncLifetime
{
    private readonly OpenedStores _opened = new();

    /// <summary>Opens the store; called again after closing everything to model a restart.</summary>
    protected abstract Task<IEntryStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await CloseAllAsync();

    [Fact]
    public async Task Entries_written_with_a_state_read_back_with_it_and_later_changes_touch_only_the_named_rows()
    {
        var store = await TrackAsync(OpenAsync());
        var key = new GrainStateKey("sku", "s-1", "stock");
        var other = new GrainStateKey("sku", "s-2", "stock");
        await store.WriteWithEntriesAsync(other, Bytes("other"), null, [], [Set("reservations", false, ("o-1", "theirs"))], default);

        var etag = await store.WriteWithEntriesAsync(key, Bytes("v1"), null, [],
            [Set("reservations", false, ("o-1", "one"), ("o-2", "two"), ("o-3", "three")), Set("holds", false, ("o-1", "hold"))], default);
        etag = await store.WriteWithEntriesAsync(key, Bytes("v2"), etag, [], [Set("reservations", false, ("o-2", "two, changed"), ("o-3", null), ("o-4", "four"))], default);

        var read = await store.ReadWithEntriesAsync(key, default);
        Assert.Equal("v2", Text(read.Record.Payload));
        Assert.Equal(etag, read.Record.Etag);
        Assert.True(read.Record.RecordExists);
        Assert.Equal(
            ["holds/o-1=hold", "reservations/o-1=one", "reservations/o-2=two, changed", "reservations/o-4=four"],
            Rows(read));
        Assert.Equal(["reservations/o-1=theirs"], Rows(await store.ReadWithEntriesAsync(other, default)));
    }

    [Fact]
    public async Task Replacing_a_set_deletes_its_other_rows_and_leaves_the_other_sets()
    {
        var store = await TrackAsync(OpenAsync());
        var key = new GrainStateKey("sku", "s-3", "stock");
        var etag = await store.WriteWithEntriesAsync(key, Bytes("v1"), null, [],
            [Set("reservations", false, ("o-1", "one"), ("o-2", "two")), Set("holds", false, ("o-1", "hold"))], default);

        await store.WriteWithEntriesAsync(key, Bytes("v2"), etag, [], [Set("reservations", true, ("o-2", "two again"), ("o-5", "five"))], default);

        Assert.Equal(["holds/o-1=hold", "reservations/o-2=two again", "reservations/o-5=five"], Rows(await store.ReadWithEntriesAsync(key, default)));
    }

    [Fact]
    public async Task A_stale_etag_changes_no_entry_and_appends_no_event()
    {
        var store = await TrackAsync(OpenAsync());
        var key = new GrainStateKey("sku", "s-4", "stock");
        var first = await store.WriteWithEntriesAsync(key, Bytes("v1"), null, [], [Set("reservations", false, ("o-1", "one"))], default);
        await store.WriteWithEntriesAsync(key, Bytes("v2"), first, [], [Set("reservations", false, ("o-2", "two"))], default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteWithEntriesAsync(key, Bytes("stale"), first,
            [new StreamEventData("skus", "s-4", "lost", "test.event", Bytes("lost"))], [Set("reservations", true, ("o-9", "lost"))], default));

        var read = await store.ReadWithEntriesAsync(key, default);
        Assert.Equal("v2", Text(read.Record.Payload));
        Assert.Equal(["reservations/o-1=one", "reservations/o-2=two"], Rows(read));
        var outbox = (IOutboxStore)store;
        Assert.Empty(await outbox.ReadEventsAsync("skus", StreamPartitioner.PartitionOf("s-4", outbox.PartitionCount), 0, 10, default));
    }

    [Fact]
    public async Task A_clear_deletes_every_entry_of_the_state()
    {
        var store = await TrackAsync(OpenAsync());
        var key = new GrainStateKey("sku", "s-5", "stock");
        var etag = await store.WriteWithEntriesAsync(key, Bytes("v1"), null, [],
            [Set("reservations", false, ("o-1", "one")), Set("holds", false, ("o-1", "hold"))], default);

        var cleared = await ((IStateStore)store).ClearAsync(key, etag, default);

        var read = await store.ReadWithEntriesAsync(key, default);
        Assert.False(read.Record.RecordExists);
        Assert.Equal(cleared, read.Record.Etag);
        Assert.Empty(read.Entries);
    }

    [Fact]
    public async Task Entries_and_events_of_one_write_commit_together_and_survive_a_restart()
    {
        var store = await TrackAsync(OpenAsync());
        var key = new GrainStateKey("sku", "s-6", "stock");
        await store.WriteWithEntriesAsync(key, Bytes("v1"), null,
            [new StreamEventData("skus", "s-6", "e-1", "test.event", Bytes("reserved"))], [Set("reservations", false, ("o-1", "one"))], default);
        await CloseAllAsync();

        var reopened = await TrackAsync(OpenAsync());
        Assert.Equal(["reservations/o-1=one"], Rows(await reopened.ReadWithEntriesAsync(key, default)));
        var outbox = (IOutboxStore)reopened;
        var events = await outbox.ReadEventsAsync("skus", StreamPartitioner.PartitionOf("s-6", outbox.PartitionCount), 0, 10, default);
        Assert.Equal(["e-1"], events.Select(e => e.EventId));
    }

    protected static EntrySetChanges Set(string name, bool replaceAll, params (string Key, string? Value)[] changes) =>
        new(name, replaceAll, [.. changes.Select(c => new EntryChange(c.Key, c.Value is null ? null : Bytes(c.Value)))]);

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    protected static List<string> Rows(GrainStateWithEntries read) =>
        [.. read.Entries.Select(e => $"{e.Set}/{e.Key}={Text(e.Payload)}").Order(StringComparer.Ordinal)];

    protected Task<IEntryStore> TrackAsync(Task<IEntryStore> opening) => _opened.TrackAsync(opening);

    private Task CloseAllAsync() => _opened.CloseAllAsync();
}

public sealed class MemoryEntrySetStorageTests : EntrySetStorageContractTests
{
    private readonly MemoryStateStore _storage = new();

    protected override Task<IEntryStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null) => Task.FromResult<IEntryStore>(_storage);
}

public abstract class SqlEntrySetStorageTests : EntrySetStorageContractTests
{
    [Fact]
    public async Task A_failed_batch_applies_none_of_its_entries()
    {
        var failing = false;
        var store = await TrackAsync(OpenAsync(_ => failing ? throw new IOException("connection dropped") : ValueTask.CompletedTask));
        var key = new GrainStateKey("sku", "s-7", "stock");
        var etag = await store.WriteWithEntriesAsync(key, Bytes("v1"), null, [], [Set("reservations", false, ("o-1", "one"))], default);

        failing = true;
        await Assert.ThrowsAsync<IOException>(() =>
            store.WriteWithEntriesAsync(key, Bytes("v2"), etag, [], [Set("reservations", true, ("o-2", "two"))], default));
        failing = false;

        var read = await store.ReadWithEntriesAsync(key, default);
        Assert.Equal("v1", Text(read.Record.Payload));
        Assert.Equal(["reservations/o-1=one"], Rows(read));
    }
}

public sealed class SqliteEntrySetStorageTests : SqlEntrySetStorageTests
{
    private readonly TemporarySqliteDatabase _database = new();

    protected override async Task<IEntryStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null) =>
        await SqliteStateStore.CreateAsync(_database.Options(beforeCommit: beforeCommit), CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class PostgresEntrySetStorageTests : SqlEntrySetStorageTests
{
    private readonly TemporaryPostgresSchema _schema = new();

    protected override async Task<IEntryStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null) =>
        await PostgresStateStore.CreateAsync(_schema.Options(beforeCommit: beforeCommit), CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
