using System.Text;
using Orleans.Storage;

namespace OrderGrains.Storage.Tests;

/// <summary>The behaviour every state store must share; one subclass per provider.</summary>
public abstract class StorageContractTests : IAsyncLifetime
{
    private readonly OpenedStores _opened = new();

    protected static CancellationToken None => CancellationToken.None;

    /// <summary>Opens the provider on the provider's store; called again after <see cref="CloseAllAsync"/> to model a restart.</summary>
    protected abstract Task<IStateStore> CreateStorageAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await CloseAllAsync();

    [Fact]
    public async Task Read_of_a_state_never_written_is_missing()
    {
        var storage = await OpenStorageAsync();

        var record = await storage.ReadAsync(NewKey(), None);

        Assert.False(record.RecordExists);
        Assert.Null(record.Etag);
        Assert.True(record.Payload.IsEmpty);
    }

    [Fact]
    public async Task Write_then_read_round_trips_payload_and_etag()
    {
        var storage = await OpenStorageAsync();
        var key = NewKey();

        string etag = await storage.WriteAsync(key, Bytes("first"), null, None);
        var record = await storage.ReadAsync(key, None);

        Assert.True(record.RecordExists);
        Assert.Equal(etag, record.Etag);
        Assert.Equal("first", Text(record));

        string next = await storage.WriteAsync(key, Bytes("second"), etag, None);
        Assert.NotEqual(etag, next);
        Assert.Equal("second", Text(await storage.ReadAsync(key, None)));
    }

    [Fact]
    public async Task Write_with_a_stale_etag_fails_and_keeps_the_newer_value()
    {
        var storage = await OpenStorageAsync();
        var key = NewKey();
        string first = await storage.WriteAsync(key, Bytes("v1"), null, None);
        string second = await storage.WriteAsync(key, Bytes("v2"), first, None);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(key, Bytes("stale"), first, None));

        Assert.Equal(second, conflict.StoredEtag);
        Assert.Equal(first, conflict.CurrentEtag);
        Assert.Contains(key.ToString(), conflict.Message, StringComparison.Ordinal);
        Assert.Contains(first, conflict.Message, StringComparison.Ordinal);
        Assert.Contains(second, conflict.Message, StringComparison.Ordinal);
        var record = await storage.ReadAsync(key, None);
        Assert.Equal("v2", Text(record));
        Assert.Equal(second, record.Etag);
    }

    [Fact]
    public async Task Write_expecting_no_record_conflicts_when_one_exists()
    {
        var storage = await OpenStorageAsync();
        var key = NewKey();
        string etag = await storage.WriteAsync(key, Bytes("kept"), null, None);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(key, Bytes("lost"), null, None));

        Assert.Equal(etag, conflict.StoredEtag);
        Assert.Equal("kept", Text(await storage.ReadAsync(key, None)));
    }

    [Fact]
    public async Task Write_with_an_etag_never_issued_conflicts()
    {
        var storage = await OpenStorageAsync();
        var key = NewKey();
        await storage.WriteAsync(key, Bytes("kept"), null, None);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(key, Bytes("lost"), "not-an-etag", None));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(NewKey(), Bytes("lost"), "1", None));
    }

    [Fact]
    public async Task Clear_leaves_a_tombstone_that_a_writer_expecting_no_record_cannot_overwrite()
    {
        var storage = await OpenStorageAsync();
        var key = NewKey();
        string written = await storage.WriteAsync(key, Bytes("live"), null, None);

        string tombstone = await storage.ClearAsync(key, written, None);
        var cleared = await storage.ReadAsync(key, None);

        Assert.False(cleared.RecordExists);
        Assert.True(cleared.Payload.IsEmpty);
        Assert.Equal(tombstone, cleared.Etag);
        Assert.NotEqual(written, tombstone);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(key, Bytes("stale"), null, None));
        Assert.Equal(tombstone, conflict.StoredEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(key, Bytes("stale"), written, None));

        string revived = await storage.WriteAsync(key, Bytes("again"), tombstone, None);
        var record = await storage.ReadAsync(key, None);
        Assert.True(record.RecordExists);
        Assert.Equal(revived, record.Etag);
        Assert.Equal("again", Text(record));
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_fails_and_keeps_the_record()
    {
        var storage = await OpenStorageAsync();
        var key = NewKey();
        string first = await storage.WriteAsync(key, Bytes("v1"), null, None);
        await storage.WriteAsync(key, Bytes("v2"), first, None);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearAsync(key, first, None));

        var record = await storage.ReadAsync(key, None);
        Assert.True(record.RecordExists);
        Assert.Equal("v2", Text(record));
    }

    [Fact]
    public async Task Concurrent_writes_to_distinct_keys_all_succeed()
    {
        var storage = await OpenStorageAsync();
        var keys = Enumerable.Range(0, 500).Select(_ => NewKey()).ToArray();

        string[] etags = await Task.WhenAll(keys.Select(key => Task.Run(() => storage.WriteAsync(key, Bytes(key.GrainKey), null, None))));

        Assert.All(etags, etag => Assert.False(string.IsNullOrEmpty(etag)));
        for (int i = 0; i < keys.Length; i++)
        {
            var record = await storage.ReadAsync(keys[i], None);
            Assert.Equal(keys[i].GrainKey, Text(record));
            Assert.Equal(etags[i], record.Etag);
        }
    }

    [Fact]
    public async Task Concurrent_writes_to_one_key_with_the_same_etag_let_exactly_one_win()
    {
        var storage = await OpenStorageAsync();
        var key = NewKey();
        string start = await storage.WriteAsync(key, Bytes("start"), null, None);

        var attempts = Enumerable.Range(0, 20)
            .Select(i => Task.Run(() => storage.WriteAsync(key, Bytes($"writer {i}"), start, None)))
            .ToArray();
        await Task.WhenAll(attempts).ContinueWith(static _ => { }, TaskScheduler.Default);

        var winner = Assert.Single(attempts, t => t.IsCompletedSuccessfully);
        foreach (var loser in attempts.Where(t => t != winner))
        {
            await Assert.ThrowsAsync<InconsistentStateException>(() => loser);
        }

        Assert.Equal(await winner, (await storage.ReadAsync(key, None)).Etag);
    }

    [Fact]
    public async Task Writes_survive_closing_and_reopening_the_store()
    {
        var storage = await OpenStorageAsync();
        var live = NewKey();
        var cleared = NewKey();
        string liveEtag = await storage.WriteAsync(live, Bytes("durable"), null, None);
        string clearedEtag = await storage.ClearAsync(cleared, await storage.WriteAsync(cleared, Bytes("gone"), null, None), None);

        await CloseAllAsync();
        var reopened = await OpenStorageAsync();

        var record = await reopened.ReadAsync(live, None);
        Assert.Equal("durable", Text(record));
        Assert.Equal(liveEtag, record.Etag);
        var tombstone = await reopened.ReadAsync(cleared, None);
        Assert.False(tombstone.RecordExists);
        Assert.Equal(clearedEtag, tombstone.Etag);
        Assert.NotNull(await reopened.WriteAsync(live, Bytes("after restart"), liveEtag, None));
    }

    protected Task<IStateStore> OpenStorageAsync() => _opened.TrackAsync(CreateStorageAsync());

    protected Task CloseAllAsync() => _opened.CloseAllAsync();

    protected static GrainStateKey NewKey() => new("test-grain", Guid.NewGuid().ToString("N"), "state");

    protected static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(GrainStateRecord record) => Encoding.UTF8.GetString(record.Payload.Span);
}
