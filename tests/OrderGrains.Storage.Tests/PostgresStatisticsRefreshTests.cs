using Npgsql;

namespace OrderGrains.Storage.Tests;

/// <summary>
/// A fresh store analyzes its tables once it has written 500 rows, so a plan cached while the table was about empty (a
/// sequential scan hashed against the batch's keys) is replaced by an index probe in every session that cached it.
/// </summary>
public sealed class PostgresStatisticsRefreshTests : PostgresStoreTest
{
    [Fact]
    public async Task After_500_writes_the_tables_are_analyzed_and_a_cached_scan_plan_is_replanned_as_an_index_probe()
    {
        // The read batcher's statement, with a generic plan cached in a session of its own while scanning was cheapest.
        // How a PostgreSQL version estimates an empty table differs, so the scan is forced while the plan is made.
        await using var connection = new NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync();

        // Autovacuum would analyze the table too, on its own one-minute cycle: keep it out of the way.
        await ExecuteAsync(connection, $"ALTER TABLE \"{Schema.Schema}\".grain_state SET (autovacuum_enabled = false)");
        await ExecuteAsync(connection, "SET plan_cache_mode = force_generic_plan; SET enable_indexscan = off; SET enable_bitmapscan = off");
        await ExecuteAsync(connection, $"""
            PREPARE probe(text[], text[], text[]) AS
            SELECT i.o, g.version FROM unnest($1, $2, $3) WITH ORDINALITY AS i (t, k, n, o)
            JOIN "{Schema.Schema}".grain_state AS g ON g.grain_type = i.t AND g.grain_key = i.k AND g.state_name = i.n
            """);
        Assert.Contains("Seq Scan on grain_state", await PlanAsync(connection), StringComparison.Ordinal);

        // Rows about the size of an order's state: at 500 of them ten index probes cost less than reading the table.
        await Task.WhenAll(Enumerable.Range(0, 499).Select(i => Storage.WriteAsync(Key(i), new byte[1_500], null, CancellationToken.None)));
        Assert.Equal(0, Storage.StatisticsRefreshes);
        Assert.InRange(await EstimatedRowsAsync(connection), -1, 0);

        // From here the session may plan index scans; the cached plan stays cached until something invalidates it.
        await ExecuteAsync(connection, "RESET enable_indexscan; RESET enable_bitmapscan");
        await Task.WhenAll(Enumerable.Range(499, 101).Select(i => Storage.WriteAsync(Key(i), new byte[1_500], null, CancellationToken.None)));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Storage.StatisticsRefreshes == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, Storage.StatisticsRefreshes);
        Assert.Equal(0, Storage.StatisticsRefreshFailures);
        Assert.InRange(await EstimatedRowsAsync(connection), 500, 600);
        var plan = await PlanAsync(connection);
        Assert.Contains("Index Scan using grain_state_pkey", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    // pg_class.reltuples: -1 (or 0) until the table is first analyzed or vacuumed.
    private async Task<double> EstimatedRowsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT reltuples FROM pg_class WHERE oid = $1::regclass", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"\"{Schema.Schema}\".grain_state" });
        return Convert.ToDouble(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> PlanAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("EXPLAIN EXECUTE probe('{a}', '{b}', '{c}')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    private static GrainStateKey Key(int i) => new("order", "o-" + i, "order");
}
