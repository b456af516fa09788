using Microsoft.Data.Sqlite;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>Our Orleans reminder table on SQLite: Orleans' ETag semantics, durable, batched, and the runtime's reminders kept.</summary>
public sealed class SqliteReminderTableTests : ReminderTableContractTests, IDisposable
{
    private readonly TemporarySqliteDatabase _database = new();

    // Ticks are stored as they are.
    protected override DateTime ExactStartTime => new DateTime(2030, 1, 2, 1, 4, 5, DateTimeKind.Utc).AddTicks(7);

    protected override string FirstEtag => "1";

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _database.Dispose();
    }

    [Fact]
    public async Task Range_reads_return_the_reminders_whose_grain_hash_is_in_the_range_wrapping_around()
    {
        await using var table = await OpenAsync();
        var grains = Enumerable.Range(0, 50).Select(i => GrainId.Create("order", $"o{i}")).ToList();
        foreach (var grain in grains)
        {
            await table.UpsertRow(Entry(grain, "expire", DateTime.UtcNow, TimeSpan.FromMinutes(1)));
        }

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        uint begin = hashes[10], end = hashes[30];

        var inside = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order().ToList();
        var wrapped = (await table.ReadRows(end, begin)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order().ToList();

        Assert.Equal(hashes.Where(h => h > begin && h <= end), inside);
        Assert.Equal(hashes.Where(h => h > end || h <= begin), wrapped);
        Assert.Equal(50, (await table.ReadRows(0, 0)).Reminders.Count);
    }

    [Fact]
    public async Task A_database_of_the_previous_runtime_keeps_its_reminders()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_database.Path)!);
        var startTicks = new DateTime(2030, 5, 6, 7, 8, 9, DateTimeKind.Utc).Ticks;
        await using (var legacy = new SqliteConnection($"Data Source={_database.Path}"))
        {
            await legacy.OpenAsync();
            await using var command = legacy.CreateCommand();
            command.CommandText = $"""
                CREATE TABLE reminders (
                    grain_type TEXT NOT NULL, grain_key TEXT NOT NULL, reminder_name TEXT NOT NULL,
                    start_at_ticks INTEGER NOT NULL, period_ticks INTEGER NOT NULL,
                    PRIMARY KEY (grain_type, grain_key, reminder_name)
                ) WITHOUT ROWID;
                INSERT INTO reminders VALUES ('order', 'o-42', 'reservation-expiry', {startTicks}, {TimeSpan.FromMinutes(15).Ticks});
                """;
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        await using var table = await OpenAsync();

        var moved = Assert.Single((await table.ReadRows(GrainId.Create("order", "o-42"))).Reminders);
        Assert.Equal("reservation-expiry", moved.ReminderName);
        Assert.Equal(new DateTime(startTicks, DateTimeKind.Utc), moved.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(15), moved.Period);
        Assert.True(await table.RemoveRow(moved.GrainId, moved.ReminderName, moved.ETag!));
    }

    [Fact]
    public async Task A_database_of_a_newer_format_is_refused_and_left_alone()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_database.Path)!);
        await using (var newer = new SqliteConnection($"Data Source={_database.Path}"))
        {
            await newer.OpenAsync();
            await using var command = newer.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        var refused = await Assert.ThrowsAsync<StorageUpgradeException>(() => SqliteStateStore.CreateAsync(_database.Options(), None));

        Assert.Contains(_database.Path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("newer", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reminder_registered_before_a_restart_fires_after_it()
    {
        var options = _database.Options();
        var grain = $"restart-{Guid.NewGuid():N}";
        await using (var first = await TestSilo.StartAsync(s => Configure(s, options)))
        {
            await first.GrainFactory.GetGrain<IReminderProbeGrain>(grain).RegisterAsync("expire", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));
        }

        Assert.False(ReminderProbeGrain.Ticks.ContainsKey($"{grain}:expire"));
        SqliteConnection.ClearAllPools();

        await using var second = await TestSilo.StartAsync(s => Configure(s, options));
        await TestSilo.WaitUntilAsync(() => ReminderProbeGrain.Ticks.ContainsKey($"{grain}:expire"), TimeSpan.FromSeconds(60), "the reminder fired after the restart");
        await second.GrainFactory.GetGrain<IReminderProbeGrain>(grain).UnregisterAsync("expire");
        await using var table = await OpenAsync();
        Assert.Empty((await table.ReadRows(GrainId.Create("reminder-probe", grain))).Reminders);
    }

    private static void Configure(ISiloBuilder silo, SqliteStorageOptions options)
    {
        silo.UseOrderGrainsSqliteReminders(options);
        silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
    }

    protected override async Task<BatchedReminderTable> OpenAsync()
    {
        var table = new SqliteReminderTable(_database.Options());
        await table.StartAsync(None);
        return table;
    }
}
