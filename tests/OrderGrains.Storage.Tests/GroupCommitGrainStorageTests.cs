using System.Text;
using System.Text.Json;
using Orleans.Storage;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>GroupCommitGrainStorage as grains see it: through IPersistentState on a real Orleans silo.</summary>
public sealed class GroupCommitGrainStorageTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Etags_follow_orleans_contract_through_IPersistentState()
    {
        var store = new MemoryStateStore();
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsMemoryStorage(store));
        var note = silo.GrainFactory.GetGrain<INoteGrain>("etags");

        var fresh = await note.ViewAsync();
        Assert.Null(fresh.Etag);
        Assert.False(fresh.RecordExists);

        var first = await note.WriteAsync("one");
        var second = await note.WriteAsync("two");
        Assert.True(first.RecordExists);
        Assert.NotNull(first.Etag);
        Assert.NotEqual(first.Etag, second.Etag);

        // Stored under (grain type, key, state name) as System.Text.Json, as the home-made runtime stored it.
        var record = await store.ReadAsync(new GrainStateKey("storage-note", "etags", "note"), None);
        Assert.Equal(second.Etag, record.Etag);
        using var json = JsonDocument.Parse(record.Payload);
        Assert.Equal("two", json.RootElement.GetProperty("Text").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("Revision").GetInt32());
    }

    [Fact]
    public async Task A_stale_etag_or_none_where_a_record_exists_throws_InconsistentStateException_and_changes_nothing()
    {
        var store = new MemoryStateStore();
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsMemoryStorage(store));
        var stale = silo.GrainFactory.GetGrain<INoteGrain>("stale");
        var never = silo.GrainFactory.GetGrain<INoteGrain>("never-saw-one");
        var written = await stale.WriteAsync("mine");
        Assert.Null((await never.ViewAsync()).Etag);

        // Another writer (a second activation somewhere) got in first on both records.
        var staleKey = new GrainStateKey("storage-note", "stale", "note");
        var otherEtag = await store.WriteAsync(staleKey, Json(new NoteState { Text = "theirs", Revision = 7 }), written.Etag, None);
        var neverKey = new GrainStateKey("storage-note", "never-saw-one", "note");
        var neverEtag = await store.WriteAsync(neverKey, Json(new NoteState { Text = "theirs too" }), null, None);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => stale.WriteAsync("lost"));
        Assert.Equal(otherEtag, conflict.StoredEtag);
        Assert.Equal(written.Etag, conflict.CurrentEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => never.WriteAsync("lost too"));

        Assert.Equal("theirs", Read<NoteState>(await store.ReadAsync(staleKey, None)).Text);
        Assert.Equal(otherEtag, (await store.ReadAsync(staleKey, None)).Etag);
        Assert.Equal(neverEtag, (await store.ReadAsync(neverKey, None)).Etag);

        // Orleans deactivates the activation that hit the conflict; the next one reads what storage holds.
        await TestSilo.WaitUntilAsync(async () => (await stale.ViewAsync()).Text == "theirs", TimeSpan.FromSeconds(10), "the stale activation reloaded");
        Assert.Equal("again", (await stale.WriteAsync("again")).Text);
    }

    [Fact]
    public async Task Clear_leaves_a_versioned_tombstone_that_a_writer_expecting_no_record_cannot_overwrite()
    {
        var store = new MemoryStateStore();
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsMemoryStorage(store));
        var note = silo.GrainFactory.GetGrain<INoteGrain>("cleared");
        var written = await note.WriteAsync("soon gone");

        var cleared = await note.ClearAsync();

        Assert.False(cleared.RecordExists);
        Assert.Equal("", cleared.Text);
        Assert.NotNull(cleared.Etag);
        Assert.NotEqual(written.Etag, cleared.Etag);
        var tombstone = await store.ReadAsync(new GrainStateKey("storage-note", "cleared", "note"), None);
        Assert.False(tombstone.RecordExists);
        Assert.Equal(cleared.Etag, tombstone.Etag);
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            store.WriteAsync(new GrainStateKey("storage-note", "cleared", "note"), Json(new NoteState()), null, None));

        // A new activation sees no record but the tombstone's ETag, and writes on from it.
        await note.DeactivateAsync();
        await TestSilo.WaitUntilAsync(async () => (await note.ViewAsync()) is { RecordExists: false, Etag: not null }, TimeSpan.FromSeconds(10), "a new activation read the tombstone");
        Assert.True((await note.WriteAsync("back")).RecordExists);
    }

    [Fact]
    public async Task State_and_outbox_events_commit_together_and_a_stale_etag_appends_nothing()
    {
        var store = new MemoryStateStore(partitionCount: 4);
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsMemoryStorage(store));
        var note = silo.GrainFactory.GetGrain<INoteGrain>("with-events");
        var partition = StreamPartitioner.PartitionOf("with-events", 4);

        var written = await note.WriteWithEventAsync("first");

        var appended = Assert.Single(await store.ReadEventsAsync(NoteGrain.EventNamespace, partition, 0, 10, None));
        Assert.Equal("with-events#1", appended.EventId);
        Assert.Equal("note.appended", appended.EventType);
        Assert.Equal(new NoteAppended("first", 1), JsonSerializer.Deserialize<NoteAppended>(appended.Payload.Span, OrderGrainsStorage.SerializerOptions));
        Assert.Equal(written.Etag, (await store.ReadAsync(new GrainStateKey("storage-note", "with-events", "note"), None)).Etag);

        await store.WriteAsync(new GrainStateKey("storage-note", "with-events", "note"), Json(new NoteState { Text = "theirs" }), written.Etag, None);
        await Assert.ThrowsAsync<InconsistentStateException>(() => note.WriteWithEventAsync("second"));

        Assert.Equal(1, await store.ReadHeadAsync(NoteGrain.EventNamespace, partition, None));
    }

    [Fact]
    public async Task Events_on_a_store_without_an_outbox_fail_the_write_and_store_nothing()
    {
        var memory = new MemoryStateStore();
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsStorage(new StateOnlyStore(memory)));
        var note = silo.GrainFactory.GetGrain<INoteGrain>("no-outbox");

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => note.WriteWithEventAsync("lost"));

        Assert.Contains("keeps no outbox", failure.ToString(), StringComparison.Ordinal);
        Assert.False((await memory.ReadAsync(new GrainStateKey("storage-note", "no-outbox", "note"), None)).RecordExists);
        Assert.Equal("kept", (await note.WriteAsync("kept")).Text);
    }

    [Fact]
    public async Task Writes_from_many_grains_share_transactions()
    {
        using var database = new TemporarySqliteDatabase();
        await using var store = await SqliteStateStore.CreateAsync(database.Options(new GroupCommitOptions { CollectionWindow = TimeSpan.FromMilliseconds(2) }), None);
        await using (var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsStorage(store)))
        {
            await Task.WhenAll(Enumerable.Range(0, 400).Select(i => silo.GrainFactory.GetGrain<INoteGrain>($"g{i}").WriteAsync($"note {i}")));
        }

        Assert.Equal(400, store.Writes);
        Assert.True(store.WriteBatches < store.Writes / 4, $"400 grain writes took {store.WriteBatches} transactions");
        Assert.True(store.LargestBatch > 1);
    }

    [Fact]
    public async Task State_written_by_the_previous_runtime_opens_unchanged()
    {
        using var database = new TemporarySqliteDatabase();
        var key = new GrainStateKey("storage-note", "from-runtime", "note");
        await using (var old = await SqliteStateStore.CreateAsync(database.Options(), None))
        {
            // The home-made runtime's JSON: declared property names, written through the same byte-level store.
            await old.WriteAsync(key, Encoding.UTF8.GetBytes("""{"Text":"written before the move","Revision":41}"""), null, None);
        }

        await using var store = await SqliteStateStore.CreateAsync(database.Options(), None);
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsStorage(store));
        var note = silo.GrainFactory.GetGrain<INoteGrain>("from-runtime");

        var view = await note.ViewAsync();
        Assert.Equal("written before the move", view.Text);
        Assert.Equal("1", view.Etag);
        Assert.Equal("2", (await note.WriteAsync("after the move")).Etag);
    }

    [Fact]
    public async Task A_state_the_json_cannot_read_fails_activation_with_a_message_naming_the_record_and_keeps_it()
    {
        var store = new MemoryStateStore();
        var key = new GrainStateKey("storage-note", "damaged", "note");
        await store.WriteAsync(key, Encoding.UTF8.GetBytes("""{"Text":12}"""), null, None);
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsMemoryStorage(store));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => silo.GrainFactory.GetGrain<INoteGrain>("damaged").ViewAsync());

        Assert.Contains("storage-note/damaged/note", failure.ToString(), StringComparison.Ordinal);
        Assert.Equal("""{"Text":12}""", Encoding.UTF8.GetString((await store.ReadAsync(key, None)).Payload.Span));
    }

    private static byte[] Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, OrderGrainsStorage.SerializerOptions);

    private static T Read<T>(GrainStateRecord record) => JsonSerializer.Deserialize<T>(record.Payload.Span, OrderGrainsStorage.SerializerOptions)!;

    /// <summary>A store that keeps state only, as a provider without an outbox would.</summary>
    private sealed class StateOnlyStore(MemoryStateStore inner) : IStateStore
    {
        public Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);

        public Task<string> WriteAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, CancellationToken cancellationToken) =>
            inner.WriteAsync(key, payload, expectedEtag, cancellationToken);

        public Task<string> ClearAsync(GrainStateKey key, string? expectedEtag, CancellationToken cancellationToken) => inner.ClearAsync(key, expectedEtag, cancellationToken);
    }
}
