using OrderGrains.Client;

namespace OrderGrains.Host.Tests;

/// <summary>
/// One real host shared by all tests of a contract test class: starting a silo per test would dominate the run time,
/// and every test uses its own uuid-named ids, so tests cannot see each other's orders, SKUs or customers.
/// </summary>
public abstract class GrpcContractHost : IAsyncLifetime
{
    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public OrderGrainsClient Client => Host.Client;

    /// <summary>Null for SQLite; a fresh schema name for PostgreSQL.</summary>
    protected abstract string? PostgresSchema { get; }

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(PostgresSchema);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>The embedded default store.</summary>
public sealed class SqliteGrpcContractHost : GrpcContractHost
{
    protected override string? PostgresSchema => null;
}

/// <summary>PostgreSQL from ORDERGRAINS_TEST_POSTGRES, in a schema of its own.</summary>
public sealed class PostgresGrpcContractHost : GrpcContractHost
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");

    protected override string? PostgresSchema => _schema;
}
