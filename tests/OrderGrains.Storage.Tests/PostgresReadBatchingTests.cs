namespace OrderGrains.Storage.Tests;

/// <summary>Concurrent reads on PostgreSQL share statements and each still gets exactly its own record.</summary>
public sealed class PostgresReadBatchingTests : PostgresStoreTest
{
    [Fact]
    public async Task Thousands_of_concurrent_reads_share_statements_and_each_gets_its_own_record_or_missing()
    {
        var etags = new Dictionary<int, string>();
        await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            var etag = await Storage.WriteAsync(Key(i), Payload(i), null, CancellationToken.None);
            lock (etags)
            {
                etags[i] = etag;
            }
        }));
        await Storage.ClearAsync(Key(7), etags[7], CancellationToken.None);
        var readsBefore = Storage.Reads;
        var batchesBefore = Storage.ReadBatches;

        // Keys 0..299 exist (7 cleared), 300..599 were never written; every key is read several times at once.
        var reads = Enumerable.Range(0, 3_000).Select(n => n % 600).ToList();
        var records = await Task.WhenAll(reads.Select(i => Storage.ReadAsync(Key(i), CancellationToken.None)));

        for (var n = 0; n < reads.Count; n++)
        {
            var i = reads[n];
            var record = records[n];
            if (i >= 300)
            {
                Assert.Equal(GrainStateRecord.Missing, record);
            }
            else if (i == 7)
            {
                Assert.False(record.RecordExists);
                Assert.NotNull(record.Etag);
                Assert.NotEqual(etags[7], record.Etag);
            }
            else
            {
                Assert.True(record.RecordExists);
                Assert.Equal(etags[i], record.Etag);
                Assert.Equal(Payload(i), record.Payload.ToArray());
            }
        }

        Assert.Equal(3_000, Storage.Reads - readsBefore);
        Assert.InRange(Storage.ReadBatches - batchesBefore, 1, 1_500);
    }

    [Fact]
    public async Task A_read_cancelled_before_its_statement_runs_is_cancelled_and_the_others_still_answer()
    {
        await Storage.WriteAsync(Key(1), Payload(1), null, CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var doomed = Storage.ReadAsync(Key(1), cancelled.Token);
        var fine = Storage.ReadAsync(Key(1), CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => doomed);
        Assert.Equal(Payload(1), (await fine).Payload.ToArray());
    }

    private static GrainStateKey Key(int i) => new("reader", "key-" + i, "state");

    private static byte[] Payload(int i) => System.Text.Encoding.UTF8.GetBytes("{\"n\":" + i + "}");
}
