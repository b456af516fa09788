using System.Text;
using Orleans.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>The durable stream every store keeps: atomic with state, ordered and gapless per partition, checkpointed.</summary>
public abstract class StreamStorageContractTests : IAsyncLifetime
{
    private const string Namespace = "orders";
    private readonly OpenedStores _opened = new();

    /// <summary>Opens the store; called again after closing everything to model a restart.</summary>
    protected abstract Task<IOutboxStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await CloseAllAsync();

    [Fact]
    public async Task Events_appended_with_a_state_write_are_read_back_in_order_with_gapless_sequences()
    {
        var streams = await TrackAsync(OpenAsync());
        var key = new GrainStateKey("order", "o-1", "state");

        var etag = await streams.WriteWithEventsAsync(key, Bytes("v1"), null, [Event("o-1", "e1"), Event("o-1", "e2")], default);
        await streams.WriteWithEventsAsync(key, Bytes("v2"), etag, [Event("o-1", "e3")], default);

        var partition = StreamPartitioner.PartitionOf("o-1", streams.PartitionCount);
        var events = await streams.ReadEventsAsync(Namespace, partition, 0, 100, default);
        Assert.Equal(["e1", "e2", "e3"], events.Select(e => e.EventId));
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Sequence));
        Assert.All(events, e => Assert.Equal("o-1", e.StreamKey));
        Assert.Equal("payload of e2", Encoding.UTF8.GetString(events[1].Payload.Span));
        Assert.Equal(["e3"], (await streams.ReadEventsAsync(Namespace, partition, 2, 100, default)).Select(e => e.EventId));
        Assert.Equal(3, await streams.ReadHeadAsync(Namespace, partition, default));
        Assert.Equal(0, await streams.ReadHeadAsync("nothing-here", partition, default));
    }

    [Fact]
    public async Task Stale_etag_write_appends_no_events()
    {
        var streams = await TrackAsync(OpenAsync());
        var key = new GrainStateKey("order", "o-2", "state");
        var first = await streams.WriteWithEventsAsync(key, Bytes("v1"), null, [Event("o-2", "kept")], default);
        await streams.WriteWithEventsAsync(key, Bytes("v2"), first, [Event("o-2", "kept-too")], default);

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            streams.WriteWithEventsAsync(key, Bytes("stale"), first, [Event("o-2", "lost")], default));

        var events = await streams.ReadEventsAsync(Namespace, StreamPartitioner.PartitionOf("o-2", streams.PartitionCount), 0, 100, default);
        Assert.Equal(["kept", "kept-too"], events.Select(e => e.EventId));
    }

    [Fact]
    public async Task Concurrent_writers_get_per_partition_sequences_without_gaps_and_each_stream_in_write_order()
    {
        var streams = await TrackAsync(OpenAsync());
        const int keys = 100;
        const int writesPerKey = 5;

        await Task.WhenAll(Enumerable.Range(0, keys).Select(k => Task.Run(async () =>
        {
            string? etag = null;
            for (var w = 0; w < writesPerKey; w++)
            {
                etag = await streams.WriteWithEventsAsync(new GrainStateKey("order", $"k{k}", "state"), Bytes($"{w}"), etag, [Event($"k{k}", $"k{k}-{w}")], default);
            }
        })));

        var total = 0;
        for (var partition = 0; partition < streams.PartitionCount; partition++)
        {
            var events = await streams.ReadEventsAsync(Namespace, partition, 0, 10_000, default);
            total += events.Count;
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
            Assert.All(events, e => Assert.Equal(partition, StreamPartitioner.PartitionOf(e.StreamKey, streams.PartitionCount)));
            foreach (var stream in events.GroupBy(e => e.StreamKey))
            {
                Assert.Equal(Enumerable.Range(0, writesPerKey).Select(w => $"{stream.Key}-{w}"), stream.Select(e => e.EventId));
            }
        }

        Assert.Equal(keys * writesPerKey, total);
    }

    [Fact]
    public async Task Events_and_checkpoints_survive_a_restart()
    {
        var streams = await TrackAsync(OpenAsync());
        await streams.WriteWithEventsAsync(new GrainStateKey("order", "o-3", "state"), Bytes("v1"), null, [Event("o-3", "durable")], default);
        var partition = StreamPartitioner.PartitionOf("o-3", streams.PartitionCount);
        await streams.WriteCheckpointAsync("erp", Namespace, partition, 1, default);
        Assert.Equal(0, await streams.ReadCheckpointAsync("someone-else", Namespace, partition, default));
        await CloseAllAsync();

        var reopened = await TrackAsync(OpenAsync());

        Assert.Equal(["durable"], (await reopened.ReadEventsAsync(Namespace, partition, 0, 10, default)).Select(e => e.EventId));
        Assert.Equal(1, await reopened.ReadCheckpointAsync("erp", Namespace, partition, default));
        await reopened.WriteCheckpointAsync("erp", Namespace, partition, 7, default);
        Assert.Equal(7, await reopened.ReadCheckpointAsync("erp", Namespace, partition, default));
    }

    [Fact]
    public async Task The_trace_context_of_an_event_is_stored_with_it()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var streams = await TrackAsync(OpenAsync());

        await streams.WriteWithEventsAsync(new GrainStateKey("order", "o-5", "state"), Bytes("v1"), null,
            [Event("o-5", "traced") with { TraceParent = traceParent }, Event("o-5", "untraced")], default);

        var events = await streams.ReadEventsAsync(Namespace, StreamPartitioner.PartitionOf("o-5", streams.PartitionCount), 0, 10, default);
        Assert.Equal([traceParent, null], events.Select(e => e.TraceParent));
    }

    protected static StreamEventData Event(string streamKey, string id) =>
        new(Namespace, streamKey, id, "test.event", Bytes("payload of " + id));

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected Task<IOutboxStore> TrackAsync(Task<IOutboxStore> opening) => _opened.TrackAsync(opening);

    private Task CloseAllAsync() => _opened.CloseAllAsync();
}

public sealed class MemoryStreamStorageTests : StreamStorageContractTests
{
    private readonly MemoryStateStore _storage = new();

    protected override Task<IOutboxStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null) => Task.FromResult<IOutboxStore>(_storage);
}

public abstract class SqlStreamStorageTests : StreamStorageContractTests
{
    /// <summary>A store opened on tables of an older version (no trace_parent column) holding the event old#1 of stream "old".</summary>
    protected static async Task LegacyStoreKeepsItsEventsAndStoresTraceContextAsync(IOutboxStore streams)
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
        await streams.WriteWithEventsAsync(new GrainStateKey("order", "old", "state"), Bytes("v1"), null, [Event("old", "old#2") with { TraceParent = traceParent }], default);

        var events = await streams.ReadEventsAsync("orders", StreamPartitioner.PartitionOf("old", streams.PartitionCount), 0, 10, default);
        Assert.Equal(["old#1", "old#2"], events.Select(e => e.EventId));
        Assert.Equal([1L, 2L], events.Select(e => e.Sequence));
        Assert.Equal([null, traceParent], events.Select(e => e.TraceParent));
    }

    [Fact]
    public async Task Failed_batch_appends_none_of_its_events()
    {
        var failing = true;
        var streams = await TrackAsync(OpenAsync(_ => failing ? throw new IOException("connection dropped") : ValueTask.CompletedTask));

        await Assert.ThrowsAsync<IOException>(() =>
            streams.WriteWithEventsAsync(new GrainStateKey("order", "o-4", "state"), Bytes("v1"), null, [Event("o-4", "never")], default));
        failing = false;
        await streams.WriteWithEventsAsync(new GrainStateKey("order", "o-4", "state"), Bytes("v1"), null, [Event("o-4", "after")], default);

        var events = await streams.ReadEventsAsync("orders", StreamPartitioner.PartitionOf("o-4", streams.PartitionCount), 0, 10, default);
        Assert.Equal(["after"], events.Select(e => e.EventId));
        Assert.Equal(1, events[0].Sequence);
    }
}

public sealed class SqliteStreamStorageTests : SqlStreamStorageTests
{
    private readonly TemporarySqliteDatabase _database = new();

    [Fact]
    public async Task A_database_from_before_trace_context_gains_the_column_and_keeps_its_events()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_database.Path)!);
        await using (var legacy = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database.Path}"))
        {
            await legacy.OpenAsync();
            await using var command = legacy.CreateCommand();
            command.CommandText = """
                CREATE TABLE stream_events (
                    ns TEXT NOT NULL, part INTEGER NOT NULL, seq INTEGER NOT NULL, stream_key TEXT NOT NULL, event_id TEXT NOT NULL,
                    event_type TEXT NOT NULL, payload BLOB NOT NULL, appended_at_ticks INTEGER NOT NULL, PRIMARY KEY (ns, part, seq)
                ) WITHOUT ROWID;
                INSERT INTO stream_events VALUES ('orders', $part, 1, 'old', 'old#1', 'test.event', x'00', 0);
                """;
            command.Parameters.AddWithValue("$part", StreamPartitioner.PartitionOf("old", 8));
            await command.ExecuteNonQueryAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await LegacyStoreKeepsItsEventsAndStoresTraceContextAsync(await TrackAsync(OpenAsync()));
    }

    protected override async Task<IOutboxStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null) =>
        await SqliteStateStore.CreateAsync(_database.Options(beforeCommit: beforeCommit), CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class PostgresStreamStorageTests : SqlStreamStorageTests
{
    private readonly TemporaryPostgresSchema _schema = new();

    [Fact]
    public async Task A_database_from_before_trace_context_gains_the_column_and_keeps_its_events()
    {
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(_schema.ConnectionString))
        {
            await using var command = dataSource.CreateCommand($"""
                CREATE SCHEMA "{_schema.Schema}";
                CREATE TABLE "{_schema.Schema}".stream_partitions (ns text NOT NULL, part integer NOT NULL, last_seq bigint NOT NULL, PRIMARY KEY (ns, part));
                CREATE TABLE "{_schema.Schema}".stream_events (
                    ns text NOT NULL, part integer NOT NULL, seq bigint NOT NULL, stream_key text NOT NULL, event_id text NOT NULL,
                    event_type text NOT NULL, payload bytea NOT NULL, appended_at timestamptz NOT NULL, PRIMARY KEY (ns, part, seq)
                );
                INSERT INTO "{_schema.Schema}".stream_partitions VALUES ('orders', {StreamPartitioner.PartitionOf("old", 8)}, 1);
                INSERT INTO "{_schema.Schema}".stream_events VALUES ('orders', {StreamPartitioner.PartitionOf("old", 8)}, 1, 'old', 'old#1', 'test.event', '\x00', now());
                """);
            await command.ExecuteNonQueryAsync();
        }

        await LegacyStoreKeepsItsEventsAndStoresTraceContextAsync(await TrackAsync(OpenAsync()));
    }

    protected override async Task<IOutboxStore> OpenAsync(Func<CancellationToken, ValueTask>? beforeCommit = null) =>
        await PostgresStateStore.CreateAsync(_schema.Options(beforeCommit: beforeCommit), CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
