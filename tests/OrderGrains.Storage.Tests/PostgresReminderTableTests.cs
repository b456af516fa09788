using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrderGrains.Storage.Postgres;
using Xunit.Abstractions;

namespace OrderGrains.Storage.Tests;

/// <summary>Our Orleans reminder table on PostgreSQL: Orleans' ETag semantics, hash ranges, batched and durable.</summary>
public sealed class PostgresReminderTableTests(ITestOutputHelper output) : ReminderTableContractTests, IAsyncLifetime
{
    private readonly TemporaryPostgresSchema _schema = new();

    // StartTime is a timestamptz (microseconds); whole milliseconds, as Reminders.AdoNet wrote them.
    protected override DateTime ExactStartTime => new(2030, 1, 2, 1, 4, 5, 6, DateTimeKind.Utc);

    // Reminders.AdoNet's contract: a new row is at Version 0.
    protected override string FirstEtag => "0";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Reminders_are_kept_per_service()
    {
        await using var first = await OpenAsync("service-a");
        await using var second = await OpenAsync("service-b");
        var grain = GrainId.Create("order", "o1");
        var etag = await first.UpsertRow(Entry(grain, "expire", DateTime.UtcNow, TimeSpan.FromMinutes(1)));

        Assert.Empty((await second.ReadRows(grain)).Reminders);
        Assert.Empty((await second.ReadRows(0, 0)).Reminders);
        Assert.False(await second.RemoveRow(grain, "expire", etag!));
        Assert.Single((await first.ReadRows(grain)).Reminders);
    }

    [Fact]
    public async Task Range_reads_return_the_reminders_whose_grain_hash_is_in_the_range_wrapping_around()
    {
        await using var table = await OpenAsync();
        var grains = Enumerable.Range(0, 60).Select(i => GrainId.Create("order", $"o{i}")).ToList();
        await Task.WhenAll(grains.Select(g => table.UpsertRow(Entry(g, "expire", DateTime.UtcNow, TimeSpan.FromMinutes(1)))));

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();

        // Ranges inside each signed half, across the signed boundary (2^31) and wrapping around the ring.
        var low = hashes.Where(h => h < 0x8000_0000).ToList();
        var high = hashes.Where(h => h >= 0x8000_0000).ToList();
        Assert.True(low.Count >= 4 && high.Count >= 4, "the sample covers both halves of the ring");
        (uint Begin, uint End)[] ranges =
        [
            (low[0], low[^2]), (high[0], high[^2]), (low[1], high[1]), (hashes[10], hashes[30]),
            (hashes[30], hashes[10]), (high[1], low[1]), (high[^1], low[0]), (0, uint.MaxValue), (uint.MaxValue, 5),
        ];
        foreach (var (begin, end) in ranges)
        {
            var read = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order().ToList();
            var expected = begin < end ? hashes.Where(h => h > begin && h <= end) : hashes.Where(h => h > begin || h <= end);
            Assert.True(expected.SequenceEqual(read), $"range ({begin}, {end}]");
        }

        Assert.Equal(60, (await table.ReadRows(0, 0)).Reminders.Count);
        Assert.Equal(60, (await table.ReadRows(hashes[5], hashes[5])).Reminders.Count);
    }

    [Fact]
    public async Task A_failing_change_fails_its_batch_and_later_changes_still_apply()
    {
        await using var table = await OpenAsync();
        var grain = GrainId.Create("order", "o1");
        var ok = await table.UpsertRow(Entry(grain, "expiry", DateTime.UtcNow, TimeSpan.FromMinutes(1)));

        // PostgreSQL refuses a NUL character in text: the change fails inside the transaction and nothing of it is stored.
        await Assert.ThrowsAsync<PostgresException>(() => table.UpsertRow(Entry(grain, "bro\0ken", DateTime.UtcNow, TimeSpan.FromMinutes(1))));
        Assert.Single((await table.ReadRows(grain)).Reminders);

        Assert.True(await table.RemoveRow(grain, "expiry", ok!));
        Assert.Empty((await table.ReadRows(grain)).Reminders);
    }

    /// <summary>
    /// The measurement behind replacing Reminders.AdoNet: 4,000 concurrent registrations through Orleans' ADO.NET
    /// table and through ours, on the same server. Only the batching is asserted; the rates are written to the output.
    /// </summary>
    [Fact]
    public async Task Concurrent_registrations_through_our_table_commit_in_batches_where_adonet_commits_each()
    {
        const int count = 4_000;
        var options = _schema.Options();
        var clusterId = $"r{Guid.NewGuid():N}";
        await (await PostgresStateStore.CreateAsync(options, None)).DisposeAsync();

        double adoNetRate;
        await using (var silo = await TestSilo.StartAsync(
            s => s.UseAdoNetReminderService(o =>
            {
                o.Invariant = PostgresSiloBuilderExtensions.Invariant;
                o.ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { SearchPath = options.Schema, MaxPoolSize = 24 }.ConnectionString;
            }),
            clusterId: clusterId))
        {
            adoNetRate = await MeasureAsync(silo.Services.GetRequiredService<IReminderTable>(), "adonet");
        }

        await using var ours = await OpenAsync(clusterId);
        var ourRate = await MeasureAsync(ours, "ours");
        output.WriteLine($"{count} concurrent UpsertRow: Reminders.AdoNet {adoNetRate:F0}/s, PostgresReminderTable {ourRate:F0}/s in {ours.ChangeBatches} transactions");

        Assert.True(ours.ChangeBatches < count / 4, $"{count} upserts took {ours.ChangeBatches} transactions");
        Assert.Equal(2 * count, (await ours.ReadRows(0, 0)).Reminders.Count);

        static async Task<double> MeasureAsync(IReminderTable table, string prefix)
        {
            var start = DateTime.UtcNow.AddHours(1);
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
                Task.Run(() => table.UpsertRow(Entry(GrainId.Create("order", $"{prefix}-{i}"), "expiry", start, TimeSpan.FromMinutes(1))))));
            return count / stopwatch.Elapsed.TotalSeconds;
        }
    }

    [Fact]
    public async Task A_reminder_registered_before_a_restart_fires_after_it()
    {
        var options = _schema.Options();
        var clusterId = $"r{Guid.NewGuid():N}";
        var grain = $"restart-{Guid.NewGuid():N}";
        await using (var first = await StartAsync(options, clusterId))
        {
            await first.GrainFactory.GetGrain<IReminderProbeGrain>(grain).RegisterAsync("expire", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));
            Assert.IsType<PostgresReminderTable>(first.Services.GetRequiredService<IReminderTable>());
        }

        Assert.False(ReminderProbeGrain.Ticks.ContainsKey($"{grain}:expire"));

        await using var second = await StartAsync(options, clusterId);
        await TestSilo.WaitUntilAsync(() => ReminderProbeGrain.Ticks.ContainsKey($"{grain}:expire"), TimeSpan.FromSeconds(60), "the reminder fired after the restart");
        await second.GrainFactory.GetGrain<IReminderProbeGrain>(grain).UnregisterAsync("expire");
        await using var table = await OpenAsync(clusterId);
        Assert.Empty((await table.ReadRows(GrainId.Create("reminder-probe", grain))).Reminders);
    }

    private static async Task<TestSilo> StartAsync(PostgresStorageOptions options, string clusterId)
    {
        var store = await PostgresStateStore.CreateAsync(options, None);
        return await TestSilo.StartAsync(
            silo =>
            {
                silo.UseOrderGrainsStorage(store);
                silo.UseOrderGrainsPostgresReminders(options);
                silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            },
            clusterId: clusterId,
            owned: store);
    }

    protected override Task<BatchedReminderTable> OpenAsync() => OpenAsync("reminder-tests");

    private async Task<BatchedReminderTable> OpenAsync(string serviceId)
    {
        var table = new PostgresReminderTable(_schema.Options(), serviceId);
        await table.StartAsync(None);
        return table;
    }
}
