using Npgsql;
using OrderGrains.Runtime.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Host;

/// <summary>The storage providers the host opened, closed after the silo stops.</summary>
public sealed class HostStorage : IAsyncDisposable
{
    private readonly Func<ValueTask> _close;

    private HostStorage(IGrainStorage storage, IReminderTable reminders, Func<ValueTask> close)
    {
        Storage = storage;
        Reminders = reminders;
        _close = close;
    }

    public IGrainStorage Storage { get; }

    public IReminderTable Reminders { get; }

    /// <summary>Opens (and creates, idempotently) the configured store.</summary>
    public static async Task<HostStorage> OpenAsync(HostSettings settings, CancellationToken cancellationToken)
    {
        switch (settings.Storage)
        {
            case StorageKind.Sqlite:
                try
                {
                    Directory.CreateDirectory(settings.DataDirectory);
                    var sqliteOptions = new SqliteStorageOptions { DatabasePath = settings.SqlitePath };
                    var sqlite = await SqliteGrainStorage.CreateAsync(sqliteOptions, cancellationToken);
                    var sqliteReminders = await SqliteReminderTable.CreateAsync(sqliteOptions, cancellationToken);
                    return new HostStorage(sqlite, sqliteReminders, async () =>
                    {
                        await sqlite.DisposeAsync();
                        await sqliteReminders.DisposeAsync();
                    });
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
                    var postgres = await PostgresGrainStorage.CreateAsync(postgresOptions, cancellationToken);
                    var postgresReminders = await PostgresReminderTable.CreateAsync(postgresOptions, cancellationToken);
                    return new HostStorage(postgres, postgresReminders, async () =>
                    {
                        await postgres.DisposeAsync();
                        await postgresReminders.DisposeAsync();
                    });
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

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _close();
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
