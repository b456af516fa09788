using Microsoft.Data.Sqlite;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>Our Orleans reminder table on SQLite: Orleans' ETag semantics, durable, batched, and the runtime's reminders kept.</summary>
public sealed class SqliteReminderTableTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TemporarySqliteDatabase _database = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _database.Dispose();
    }

    [Fact]
    public async Task Reminders_are_upserted_read_and_removed_by_etag()
    {
        await using var table = await OpenAsync();
        var grain = GrainId.Create("order", Guid.NewGuid().ToString("N"));
        var daily = Entry(grain, "expire", new DateTime(2030, 1, 2, 1, 4, 5, DateTimeKind.Utc).AddTicks(7), TimeSpan.FromDays(1));
        var hourly = Entry(grain, "remind", DateTime.UnixEpoch, TimeSpan.FromHours(1));

        var dailyEtag = await table.UpsertRow(daily);
        await table.UpsertRow(hourly);
        var moved = Entry(grain, "expire", daily.StartAt.AddMinutes(30), TimeSpan.FromMinutes(5));
        var movedEtag = await table.UpsertRow(moved);
        Assert.NotEqual(dailyEtag, movedEtag);

        var rows = (await table.ReadRows(grain)).Reminders.OrderBy(r => r.ReminderName, StringComparer.Ordinal).ToList();
        Assert.Equal(["expire", "remind"], rows.Select(r => r.ReminderName));
        Assert.Equal(moved.StartAt, rows[0].StartAt);
        Assert.Equal(DateTimeKind.Utc, rows[0].StartAt.Kind);
        Assert.Equal(TimeSpan.FromMinutes(5), rows[0].Period);
        Assert.Equal(movedEtag, rows[0].ETag);
        Assert.Equal(grain, rows[0].GrainId);
        Assert.Equal(movedEtag, (await table.ReadRow(grain, "expire"))!.ETag);
        Assert.Null(await table.ReadRow(grain, "never"));

        // Orleans removes by ETag: a stale one removes nothing.
        Assert.False(await table.RemoveRow(grain, "expire", dailyEtag!));
        Assert.True(await table.RemoveRow(grain, "expire", movedEtag!));
        Assert.False(await table.RemoveRow(grain, "expire", movedEtag!));
        Assert.Equal(["remind"], (await table.ReadRows(grain)).Reminders.Select(r => r.ReminderName));
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
    public async Task Concurrent_upserts_share_transactions_and_survive_reopening()
    {
        var start = DateTime.UtcNow.AddHours(1);
        await using (var table = await OpenAsync())
        {
            await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i =>
                Task.Run(() => table.UpsertRow(Entry(GrainId.Create("order", $"o{i}"), "expiry", start, TimeSpan.FromMinutes(1))))));

            Assert.True(table.ChangeBatches <= 250, $"1000 upserts took {table.ChangeBatches} transactions");
        }

        await using var reopened = await OpenAsync();
        var all = (await reopened.ReadRows(0, 0)).Reminders;
        Assert.Equal(1_000, all.Count);
        Assert.All(all, r => Assert.Equal(start, r.StartAt));
    }

    [Fact]
    public async Task Changes_to_one_reminder_apply_in_order()
    {
        await using var table = await OpenAsync();
        var grain = GrainId.Create("order", "o1");

        var first = table.UpsertRow(Entry(grain, "expiry", DateTime.UtcNow, TimeSpan.FromMinutes(1)));
        var removed = table.RemoveRow(grain, "expiry", "1");
        var removedAgain = table.RemoveRow(grain, "expiry", "1");
        var second = table.UpsertRow(Entry(grain, "expiry", DateTime.UtcNow, TimeSpan.FromMinutes(7)));
        await Task.WhenAll(first, removed, removedAgain, second);

        Assert.Equal("1", await first);
        Assert.True(await removed);
        Assert.False(await removedAgain);
        var stored = Assert.Single((await table.ReadRows(grain)).Reminders);
        Assert.Equal(TimeSpan.FromMinutes(7), stored.Period);
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

    private async Task<SqliteReminderTable> OpenAsync()
    {
        var table = new SqliteReminderTable(_database.Options());
        await table.StartAsync(None);
        return table;
    }

    private static ReminderEntry Entry(GrainId grain, string name, DateTime startAt, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = name, StartAt = startAt, Period = period };
}
