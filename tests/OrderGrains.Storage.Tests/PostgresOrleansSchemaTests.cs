using Npgsql;
using OrderGrains.Storage.Postgres;

namespace OrderGrains.Storage.Tests;

/// <summary>Orleans' ADO.NET clustering and reminders on the schema we create for them.</summary>
public sealed class PostgresOrleansSchemaTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static readonly string[] QueryKeys =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "DeleteMembershipTableEntriesKey", "DeleteReminderRowKey",
        "DeleteReminderRowsKey", "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey",
        "MembershipReadRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey", "ReadReminderRowsKey",
        "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "UpsertReminderRowKey",
    ];

    private readonly TemporaryPostgresSchema _schema = new();
    private NpgsqlDataSource _database = null!;

    public Task InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(_schema.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task Starting_twice_and_at_once_on_one_schema_creates_it_once_with_every_query()
    {
        var together = await Task.WhenAll(PostgresStateStore.CreateAsync(_schema.Options(), None), PostgresStateStore.CreateAsync(_schema.Options(), None));
        foreach (var store in together)
        {
            await store.DisposeAsync();
        }

        await using (var again = await PostgresStateStore.CreateAsync(_schema.Options(), None))
        {
            await again.WriteAsync(new GrainStateKey("t", "k", "s"), new byte[] { 1 }, null, None);
        }

        var keys = new List<string>();
        await using var command = _database.CreateCommand($"SELECT QueryKey FROM \"{_schema.Schema}\".OrleansQuery ORDER BY QueryKey COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        Assert.Equal(QueryKeys.Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task Two_silos_with_adonet_clustering_on_our_schema_join_one_cluster_and_their_rows_are_active()
    {
        var clusterId = $"c{Guid.NewGuid():N}";
        var options = _schema.Options();
        await using var first = await StartAsync(options, clusterId, reminders: false);
        await using var second = await StartAsync(options, clusterId, reminders: false);

        await TestSilo.WaitUntilAsync(async () => await StatusesAsync(clusterId) is [3, 3], TimeSpan.FromSeconds(30), "both silos were active in the membership table");
        Assert.Equal("hello", (await second.GrainFactory.GetGrain<INoteGrain>("clustered").WriteAsync("hello")).Text);
        Assert.Equal("hello", (await first.GrainFactory.GetGrain<INoteGrain>("clustered").ViewAsync()).Text);
    }

    [Fact]
    public async Task Reminders_round_trip_through_the_adonet_provider()
    {
        var clusterId = $"r{Guid.NewGuid():N}";
        var grain = $"pg-{Guid.NewGuid():N}";
        await using var silo = await StartAsync(_schema.Options(), clusterId, reminders: true);
        var probe = silo.GrainFactory.GetGrain<IReminderProbeGrain>(grain);

        await probe.RegisterAsync("expire", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        Assert.Equal(1, await CountRemindersAsync(clusterId, GrainId.Create("reminder-probe", grain).ToString()));
        await TestSilo.WaitUntilAsync(() => ReminderProbeGrain.Ticks.ContainsKey($"{grain}:expire"), TimeSpan.FromSeconds(60), "the reminder fired");
        await probe.UnregisterAsync("expire");
        Assert.Equal(0, await CountRemindersAsync(clusterId, GrainId.Create("reminder-probe", grain).ToString()));
    }

    [Fact]
    public async Task Reminders_of_the_previous_runtime_move_into_orleans_table_and_fire()
    {
        var clusterId = $"m{Guid.NewGuid():N}";
        var grain = $"legacy-{Guid.NewGuid():N}";
        await using (var command = _database.CreateCommand($"""
            CREATE SCHEMA "{_schema.Schema}";
            CREATE TABLE "{_schema.Schema}".reminders (
                grain_type text NOT NULL, grain_key text NOT NULL, reminder_name text NOT NULL,
                start_at_ticks bigint NOT NULL, period_ticks bigint NOT NULL,
                PRIMARY KEY (grain_type, grain_key, reminder_name));
            INSERT INTO "{_schema.Schema}".reminders VALUES
                ('reminder-probe', '{grain}', 'expire', {DateTime.UtcNow.AddMinutes(-1).Ticks}, {TimeSpan.FromSeconds(5).Ticks});
            """))
        {
            await command.ExecuteNonQueryAsync();
        }

        await using var silo = await StartAsync(_schema.Options(), clusterId, reminders: true);

        Assert.Equal(1, await CountRemindersAsync(clusterId, GrainId.Create("reminder-probe", grain).ToString()));
        await using (var command = _database.CreateCommand($"SELECT to_regclass('\"{_schema.Schema}\".reminders') IS NULL"))
        {
            Assert.Equal(true, await command.ExecuteScalarAsync());
        }

        await using (var command = _database.CreateCommand($"SELECT Period FROM \"{_schema.Schema}\".OrleansRemindersTable WHERE GrainId = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = GrainId.Create("reminder-probe", grain).ToString() });
            Assert.Equal(5_000L, await command.ExecuteScalarAsync());
        }

        // Orleans skips ticks missed while no silo ran (the old runtime fired one at once): the next 5 s tick fires it.
        await TestSilo.WaitUntilAsync(() => ReminderProbeGrain.Ticks.ContainsKey($"{grain}:expire"), TimeSpan.FromSeconds(60), "the moved reminder fired");
    }

    [Fact]
    public async Task A_schema_of_a_newer_format_is_refused()
    {
        await (await PostgresStateStore.CreateAsync(_schema.Options(), None)).DisposeAsync();
        await using (var command = _database.CreateCommand($"UPDATE \"{_schema.Schema}\".ordergrains_format SET format = 99"))
        {
            await command.ExecuteNonQueryAsync();
        }

        var refused = await Assert.ThrowsAsync<StorageUpgradeException>(() => PostgresStateStore.CreateAsync(_schema.Options(), None));

        Assert.Contains(_schema.Schema, refused.Message, StringComparison.Ordinal);
        Assert.Contains("newer", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<TestSilo> StartAsync(PostgresStorageOptions options, string clusterId, bool reminders)
    {
        var store = await PostgresStateStore.CreateAsync(options, None);
        return await TestSilo.StartAsync(
            silo =>
            {
                silo.UseOrderGrainsPostgresClustering(options);
                silo.UseOrderGrainsStorage(store);
                if (reminders)
                {
                    silo.UseOrderGrainsPostgresReminders(options);
                    silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
                }
            },
            localhostClustering: false,
            clusterId: clusterId,
            owned: store);
    }

    private async Task<List<int>> StatusesAsync(string clusterId)
    {
        await using var command = _database.CreateCommand($"SELECT Status FROM \"{_schema.Schema}\".OrleansMembershipTable WHERE DeploymentId = $1 ORDER BY Port");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clusterId });
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new List<int>();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetInt32(0));
        }

        return statuses;
    }

    private async Task<long> CountRemindersAsync(string serviceId, string grainId)
    {
        await using var command = _database.CreateCommand($"SELECT count(*) FROM \"{_schema.Schema}\".OrleansRemindersTable WHERE ServiceId = $1 AND GrainId = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
