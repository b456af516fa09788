using Npgsql;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>The stores a test opened, closed together: at its end, or in the middle to model a restart.</summary>
public sealed class OpenedStores
{
    private readonly List<object> _opened = [];

    public async Task<T> TrackAsync<T>(Task<T> opening)
        where T : notnull
    {
        var store = await opening;
        _opened.Add(store);
        return store;
    }

    public async Task CloseAllAsync()
    {
        foreach (var store in _opened)
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        _opened.Clear();
    }
}

/// <summary>A database file in a fresh temporary directory, deleted at the end.</summary>
public sealed class TemporarySqliteDatabase : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ordergrains-storage-").FullName;

    public string Path => System.IO.Path.Combine(_directory, "data", "ordergrains.db");

    public SqliteStorageOptions Options(GroupCommitOptions? groupCommit = null, Func<CancellationToken, ValueTask>? beforeCommit = null) => new()
    {
        DatabasePath = Path,
        GroupCommit = groupCommit ?? new GroupCommitOptions(),
        BeforeCommit = beforeCommit,
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>A fresh schema on the test server named by ORDERGRAINS_TEST_POSTGRES, dropped at the end.</summary>
public sealed class TemporaryPostgresSchema : IAsyncDisposable
{
    public const string EnvironmentVariable = "ORDERGRAINS_TEST_POSTGRES";

    public TemporaryPostgresSchema()
    {
        ConnectionString = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. The PostgreSQL storage tests need a real server: set it to an Npgsql connection string, " +
                "e.g. Host=127.0.0.1;Username=postgres;Password=postgres;Database=ordergrains_test");
    }

    public string ConnectionString { get; }

    public string Schema { get; } = "t_" + Guid.NewGuid().ToString("N");

    public PostgresStorageOptions Options(GroupCommitOptions? groupCommit = null, Func<CancellationToken, ValueTask>? beforeCommit = null) => new()
    {
        ConnectionString = ConnectionString,
        Schema = Schema,
        GroupCommit = groupCommit ?? new GroupCommitOptions { MaxConcurrentBatches = 3 },
        BeforeCommit = beforeCommit,
    };

    public async ValueTask DisposeAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class MemoryStorageContractTests : StorageContractTests
{
    // One instance for the whole test, as a database outlives restarts.
    private readonly MemoryStateStore _storage = new();

    protected override Task<IStateStore> CreateStorageAsync() => Task.FromResult<IStateStore>(_storage);
}

public sealed class SqliteStorageContractTests : StorageContractTests
{
    private readonly TemporarySqliteDatabase _database = new();

    protected override async Task<IStateStore> CreateStorageAsync() => await SqliteStateStore.CreateAsync(_database.Options(), None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class PostgresStorageContractTests : StorageContractTests
{
    private readonly TemporaryPostgresSchema _schema = new();

    protected override async Task<IStateStore> CreateStorageAsync() => await PostgresStateStore.CreateAsync(_schema.Options(), None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

/// <summary>A test class with one PostgreSQL store of its own, on a schema created for it and dropped after.</summary>
public abstract class PostgresStoreTest : IAsyncLifetime
{
    private PostgresStateStore? _storage;

    protected TemporaryPostgresSchema Schema { get; } = new();

    protected PostgresStateStore Storage => _storage ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _storage = await PostgresStateStore.CreateAsync(Schema.Options(), CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }

        await Schema.DisposeAsync();
    }
}
