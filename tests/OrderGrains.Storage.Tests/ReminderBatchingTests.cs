using OrderGrains.Runtime.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>Concurrent reminder changes share transactions, keep their order, and each reports its own outcome.</summary>
public abstract class ReminderBatchingTests : IAsyncLifetime
{
    protected abstract Task<(IReminderTable Table, Func<long> Batches)> OpenAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Concurrent_upserts_share_transactions_and_are_all_durable()
    {
        var (table, batches) = await OpenAsync();
        var start = DateTimeOffset.UtcNow.AddHours(1);

        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i =>
            Task.Run(() => table.UpsertAsync(new ReminderEntry("order", $"o{i}", "expiry", start, TimeSpan.FromMinutes(1)), CancellationToken.None))));

        Assert.True(batches() <= 250, $"1000 upserts took {batches()} transactions");
        await ((IAsyncDisposable)table).DisposeAsync();
        var (reopened, _) = await OpenAsync();
        var all = await reopened.ReadAllAsync(CancellationToken.None);
        Assert.Equal(1_000, all.Count);
        Assert.All(all, r => Assert.Equal(start.UtcTicks, r.StartAt.UtcTicks));
        await ((IAsyncDisposable)reopened).DisposeAsync();
    }

    [Fact]
    public async Task Changes_to_one_reminder_apply_in_order_and_removals_report_whether_it_existed()
    {
        var (table, _) = await OpenAsync();
        var first = new ReminderEntry("order", "o1", "expiry", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        var second = first with { Period = TimeSpan.FromMinutes(7) };

        var changes = new Task[]
        {
            table.UpsertAsync(first, CancellationToken.None),
            table.RemoveAsync("order", "o1", "expiry", CancellationToken.None),
            table.RemoveAsync("order", "o1", "expiry", CancellationToken.None),
            table.UpsertAsync(second, CancellationToken.None),
        };
        await Task.WhenAll(changes);

        Assert.True(await (Task<bool>)changes[1]);
        Assert.False(await (Task<bool>)changes[2]);
        var stored = Assert.Single(await table.ReadAllAsync(CancellationToken.None));
        Assert.Equal(TimeSpan.FromMinutes(7), stored.Period);
        await ((IAsyncDisposable)table).DisposeAsync();
    }
}

public sealed class SqliteReminderBatchingTests : ReminderBatchingTests
{
    private readonly TemporarySqliteDatabase _database = new();

    protected override async Task<(IReminderTable Table, Func<long> Batches)> OpenAsync()
    {
        var table = await SqliteReminderTable.CreateAsync(_database.Options(), CancellationToken.None);
        return (table, () => table.ChangeBatches);
    }

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _database.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresReminderBatchingTests : ReminderBatchingTests
{
    private readonly TemporaryPostgresSchema _schema = new();

    protected override async Task<(IReminderTable Table, Func<long> Batches)> OpenAsync()
    {
        var table = await PostgresReminderTable.CreateAsync(_schema.Options(), CancellationToken.None);
        return (table, () => table.ChangeBatches);
    }

    public override async Task DisposeAsync() => await _schema.DisposeAsync();
}
