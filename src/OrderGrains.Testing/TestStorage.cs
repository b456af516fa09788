using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrderGrains.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Testing;

/// <summary>
/// Where a test silo keeps grain state, outbox and reminders. Each <see cref="OpenAsync"/> opens fresh provider
/// instances on the same location (same file, same schema), as a restarted process would; the in-memory kind shares
/// one <see cref="MemoryStateStore"/> and one reminder table across restarts. Disposing removes the location.
/// </summary>
public abstract class TestStorage : IAsyncDisposable
{
    /// <summary>Environment variable holding the PostgreSQL connection string for tests (set by test.sh).</summary>
    public const string PostgresVariable = "ORDERGRAINS_TEST_POSTGRES";

    /// <summary>A name for test output: "memory", "sqlite", "postgres".</summary>
    public abstract string Name { get; }

    /// <summary>The Orleans service id every silo on this storage uses: reminders are kept per service id, and a restart keeps them.</summary>
    public string ServiceId { get; } = "ordergrains-test-" + Guid.NewGuid().ToString("N");

    /// <summary>In-memory store and reminders; state survives silo restarts within the test because the instances are shared.</summary>
    public static TestStorage Memory() => new MemoryTestStorage();

    /// <summary>A SQLite database file in a fresh temporary directory.</summary>
    public static TestStorage Sqlite() => new SqliteTestStorage();

    /// <summary>A fresh schema in the test PostgreSQL database named by <see cref="PostgresVariable"/>.</summary>
    public static TestStorage Postgres() => new PostgresTestStorage();

    /// <summary>Creates a storage by name: "memory", "sqlite" or "postgres".</summary>
    public static TestStorage Create(string name) => name switch
    {
        "memory" => Memory(),
        "sqlite" => Sqlite(),
        "postgres" => Postgres(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Expected memory, sqlite or postgres."),
    };

    /// <summary>The PostgreSQL connection string for tests; fails loudly when test.sh did not provide one.</summary>
    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{PostgresVariable} is not set. Run the tests through ./test.sh, which starts PostgreSQL and sets it.");

    /// <summary>Opens the store on this storage's location, shared by every silo of one start; dispose the result after the silos stopped.</summary>
    public abstract Task<OpenedStorage> OpenAsync();

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Orleans reminders in a table that outlives the silos, for stores without durable reminders of their own.</summary>
    protected static void UseSharedReminders(ISiloBuilder silo, SharedMemoryReminderTable table)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable>(table);
    }

    private sealed class MemoryTestStorage : TestStorage
    {
        private readonly MemoryStateStore _store = new();
        private readonly SharedMemoryReminderTable _reminders = new();

        public override string Name => "memory";

        public override Task<OpenedStorage> OpenAsync() =>
            Task.FromResult(new OpenedStorage(_store, silo => UseSharedReminders(silo, _reminders), () => ValueTask.CompletedTask));
    }

    private sealed class SqliteTestStorage : TestStorage
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "ordergrains-tests", Guid.NewGuid().ToString("N"));

        public override string Name => "sqlite";

        public override async Task<OpenedStorage> OpenAsync()
        {
            var options = new SqliteStorageOptions { DatabasePath = Path.Combine(_directory, "ordergrains.db") };
            var store = await SqliteStateStore.CreateAsync(options, CancellationToken.None);
            return new OpenedStorage(store, silo => silo.UseOrderGrainsSqliteReminders(options), store.DisposeAsync);
        }

        public override async ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }

            await base.DisposeAsync();
        }
    }

    private sealed class PostgresTestStorage : TestStorage
    {
        private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");

        public override string Name => "postgres";

        public override async Task<OpenedStorage> OpenAsync()
        {
            var options = new PostgresStorageOptions { ConnectionString = PostgresConnectionString, Schema = _schema };
            var store = await PostgresStateStore.CreateAsync(options, CancellationToken.None);
            return new OpenedStorage(store, silo => silo.UseOrderGrainsPostgresReminders(options), store.DisposeAsync);
        }

        public override async ValueTask DisposeAsync()
        {
            await using (var connection = new NpgsqlConnection(PostgresConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
                await command.ExecuteNonQueryAsync();
            }

            await base.DisposeAsync();
        }
    }
}
