using Microsoft.Data.Sqlite;
using OrderGrains.ReadModel;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>
/// A search running while the projection recreates a dropped SQLite table sees either no table (an empty page) or the
/// whole table with every column, never a half-created one (a search once failed with "no such column" in that window).
/// </summary>
public sealed class ReadStoreRecreateTests
{
    [Fact]
    public async Task Searches_beside_a_recreation_see_no_table_or_the_whole_table()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ordergrains-read-recreate", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "read.db");
        try
        {
            var store = new SqliteOrderReadStore(path);
            Assert.True(await store.EnsureCreatedAsync(default));
            var query = new OrderQuery(null, null, "nobody", null, null, null, null, 10, null);
            for (var round = 0; round < 150; round++)
            {
                await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
                {
                    await connection.OpenAsync();
                    await using var drop = connection.CreateCommand();
                    drop.CommandText = "DROP TABLE order_read; DROP TABLE order_read_skus;";
                    await drop.ExecuteNonQueryAsync();
                }

                using var done = new CancellationTokenSource();
                var reader = Task.Run(async () =>
                {
                    do
                    {
                        Assert.Empty((await store.SearchAsync(query, default)).Orders);
                        Assert.Empty((await store.ReviewQueueAsync(new ReviewQueueQuery(null, null, null, null, null, null, 10, null), default)).Orders);
                    }
                    while (!done.IsCancellationRequested);
                });
                Assert.True(await store.EnsureCreatedAsync(default));
                await done.CancelAsync();
                await reader;
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
