using Npgsql;
using OrderGrains.Runtime.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Testing;

/// <summary>
/// Where a test silo keeps grain state and reminders. Each <see cref="OpenAsync"/> opens fresh provider instances on
/// the same location (same file, same schema), as a restarted process would; the in-memory kind shares one instance.
/// Disposing removes the location (temporary directory, schema).
/// </summary>
public abstract class TestStorage : IAsyncDisposable
{
    /// <summary>Environment variable holding the PostgreSQL connection string for tests (set by test.sh).</summary>
    public const string PostgresVariable = "ORDERGRAINS_TEST_POSTGRES";

    /// <summary>A name for test output: "memory", "sqlite", "postgres".</summary>
    public abstract string Name { get; }

    /// <summary>In-memory providers; state survives silo restarts within the test because the instance is shared.</summary>
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

    /// <summary>Opens providers on this storage's location; dispose the result to close them.</summary>
    public abstract Task<OpenedStorage> OpenAsync();

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class MemoryTestStorage : TestStorage
    {
        private readonly MemoryGrainStorage _storage = new();
        private readonly MemoryReminderTable _reminders = new();

        public override string Name => "memory";

        public override Task<OpenedStorage> OpenAsync() => Task.FromResult(new OpenedStorage(_storage, _reminders, () => ValueTask.CompletedTask));
    }

    private sealed class SqliteTestStorage : TestStorage
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "ordergrains-tests", Guid.NewGuid().ToString("N"));

        public override string Name => "sqlite";

        public override async Task<OpenedStorage> OpenAsync()
        {
            var options = new SqliteStorageOptions { DatabasePath = Path.Combine(_directory, "ordergrains.db") };
            var storage = await SqliteGrainStorage.CreateAsync(options, CancellationToken.None);
            var reminders = await SqliteReminderTable.CreateAsync(options, CancellationToken.None);
            return new OpenedStorage(storage, reminders, async () =>
            {
                await storage.DisposeAsync();
                await reminders.DisposeAsync();
            });
        }

        public override ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class PostgresTestStorage : TestStorage
    {
        private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");

        public override string Name => "postgres";

        public override async Task<OpenedStorage> OpenAsync()
        {
            var options = new PostgresStorageOptions { ConnectionString = PostgresConnectionString, Schema = _schema };
            var storage = await PostgresGrainStorage.CreateAsync(options, CancellationToken.None);
            var reminders = await PostgresReminderTable.CreateAsync(options, CancellationToken.None);
            return new OpenedStorage(storage, reminders, async () =>
            {
                await storage.DisposeAsync();
                await reminders.DisposeAsync();
            });
        }

        public override async ValueTask DisposeAsync()
        {
            await using var connection = new NpgsqlConnection(PostgresConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>Providers opened on a test storage location.</summary>
public sealed class OpenedStorage(IGrainStorage storage, IReminderTable reminders, Func<ValueTask> close) : IAsyncDisposable
{
    public IGrainStorage Storage { get; } = storage;

    public IReminderTable Reminders { get; } = reminders;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => close();
}
