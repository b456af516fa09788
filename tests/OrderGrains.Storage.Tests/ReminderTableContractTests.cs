namespace OrderGrains.Storage.Tests;

/// <summary>The behaviour every <see cref="BatchedReminderTable"/> must share; one subclass per store.</summary>
public abstract class ReminderTableContractTests
{
    protected static CancellationToken None => CancellationToken.None;

    /// <summary>A start time at the finest precision the store keeps, so a round trip must return it exactly.</summary>
    protected abstract DateTime ExactStartTime { get; }

    /// <summary>The ETag the store gives a reminder's first version.</summary>
    protected abstract string FirstEtag { get; }

    /// <summary>Opens and starts the table on the test's store; called again after disposing to model a restart.</summary>
    protected abstract Task<BatchedReminderTable> OpenAsync();

    [Fact]
    public async Task Reminders_are_upserted_read_and_removed_by_etag()
    {
        await using var table = await OpenAsync();
        var grain = GrainId.Create("order", Guid.NewGuid().ToString("N"));
        var daily = Entry(grain, "expire", ExactStartTime, TimeSpan.FromDays(1));
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
    public async Task Changes_to_one_reminder_apply_in_order()
    {
        await using var table = await OpenAsync();
        var grain = GrainId.Create("order", "o1");

        var first = table.UpsertRow(Entry(grain, "expiry", DateTime.UtcNow, TimeSpan.FromMinutes(1)));
        var removed = table.RemoveRow(grain, "expiry", FirstEtag);
        var removedAgain = table.RemoveRow(grain, "expiry", FirstEtag);
        var second = table.UpsertRow(Entry(grain, "expiry", DateTime.UtcNow, TimeSpan.FromMinutes(7)));
        await Task.WhenAll(first, removed, removedAgain, second);

        Assert.Equal(FirstEtag, await first);
        Assert.True(await removed);
        Assert.False(await removedAgain);
        var stored = Assert.Single((await table.ReadRows(grain)).Reminders);
        Assert.Equal(TimeSpan.FromMinutes(7), stored.Period);
    }

    [Fact]
    public async Task Concurrent_upserts_share_transactions_and_survive_reopening()
    {
        var start = ExactStartTime;
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

    protected static ReminderEntry Entry(GrainId grain, string name, DateTime startAt, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = name, StartAt = startAt, Period = period };
}
