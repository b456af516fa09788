using System.Net;
using Npgsql;
using Orleans.Configuration;
using OrderGrains.ReadModel;
using OrderGrains.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Host;

/// <summary>
/// The grain store the host opened before the silo starts (so a bad path or an unreachable server ends start-up with
/// exit code 3 before anything listens), and how the silo uses it: clustering, grain storage and reminders. Closed
/// after the silo has stopped, so the last deactivations' writes commit.
/// </summary>
public sealed class HostStorage : IAsyncDisposable
{
    private readonly Action<ISiloBuilder, ClusterSettings> _configureSilo;
    private readonly IAsyncDisposable _store;

    private HostStorage(IStateStore store, IAsyncDisposable owner, IOrderReadStore readStore, Action<ISiloBuilder, ClusterSettings> configureSilo)
    {
        Store = store;
        ReadStore = readStore;
        _store = owner;
        _configureSilo = configureSilo;
    }

    public IStateStore Store { get; }

    /// <summary>The order read model's table, in the same database as grain state.</summary>
    public IOrderReadStore ReadStore { get; }

    /// <summary>Opens (and creates, idempotently) the configured store; refuses data this version cannot read.</summary>
    public static async Task<HostStorage> OpenAsync(HostSettings settings, CancellationToken cancellationToken)
    {
        switch (settings.Storage)
        {
            case StorageKind.Sqlite:
                try
                {
                    Directory.CreateDirectory(settings.DataDirectory);
                    var sqliteOptions = new SqliteStorageOptions { DatabasePath = settings.SqlitePath };
                    var sqlite = await SqliteStateStore.CreateAsync(sqliteOptions, cancellationToken);
                    return new HostStorage(sqlite, sqlite, new SqliteOrderReadStore(settings.SqlitePath), (silo, cluster) => silo
                        // One silo on this machine: Orleans' development membership, on the ports the settings name.
                        .UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId)
                        .UseOrderGrainsStorage(sqlite)
                        .UseOrderGrainsSqliteReminders(sqliteOptions));
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
                {
                    throw new StorageUnavailableException(
                        $"OrderGrains cannot open its SQLite database at {settings.SqlitePath}: {exception.Message}. Set OrderGrains:DataDir to a writable directory.", exception);
                }

            case StorageKind.Postgres:
                try
                {
                    var postgresOptions = new PostgresStorageOptions { ConnectionString = settings.PostgresConnectionString!, Schema = settings.PostgresSchema };
                    var postgres = await PostgresStateStore.CreateAsync(postgresOptions, cancellationToken);
                    return new HostStorage(postgres, postgres, new PostgresOrderReadStore(postgresOptions.ConnectionString, postgresOptions.Schema), (silo, cluster) => silo
                        .Configure<ClusterOptions>(options =>
                        {
                            options.ClusterId = cluster.ClusterId;
                            options.ServiceId = cluster.ServiceId;
                        })
                        .ConfigureEndpoints(Advertised(settings, cluster), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: IsAny(settings))
                        .UseOrderGrainsPostgresClustering(postgresOptions)
                        .UseOrderGrainsStorage(postgres)
                        .UseOrderGrainsPostgresReminders(postgresOptions));
                }
                catch (Exception exception) when (exception is NpgsqlException or ArgumentException)
                {
                    throw new StorageUnavailableException(
                        $"OrderGrains cannot use PostgreSQL ({exception.Message}). Check ConnectionStrings:Postgres and that the server is running and reachable.", exception);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Storage, "Unknown storage kind.");
        }
    }

    /// <summary>
    /// The address other silos connect to: the configured one, else the listen address; "any address" cannot be it, so
    /// then loopback, which serves the silos of one machine.
    /// </summary>
    public static IPAddress Advertised(HostSettings settings, ClusterSettings cluster) =>
        cluster.AdvertisedAddress is { } configured ? IPAddress.Parse(configured)
        : IsAny(settings) ? IPAddress.Loopback
        : IPAddress.Parse(settings.ListenAddress);

    private static bool IsAny(HostSettings settings) => IPAddress.Parse(settings.ListenAddress).Equals(IPAddress.Any);

    /// <summary>Clustering, the <c>ordergrains</c> grain storage (with the outbox) and reminders on this store.</summary>
    public void ConfigureSilo(ISiloBuilder silo, ClusterSettings cluster) => _configureSilo(silo, cluster);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        if (ReadStore is IAsyncDisposable readStore)
        {
            await readStore.DisposeAsync();
        }
    }
}

/// <summary>The configured store cannot be opened; the message says what to fix.</summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }
}
