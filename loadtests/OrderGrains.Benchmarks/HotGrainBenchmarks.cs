using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrderGrains.Benchmarks.Grains;
using OrderGrains.Storage;
using OrderGrains.Storage.Postgres;

namespace OrderGrains.Benchmarks;

/// <summary>
/// Durable decisions per second of ONE hot grain on PostgreSQL (the flash-sale shape): <see cref="Buyers"/> concurrent
/// callers, <see cref="TakesPerBuyer"/> sequential takes each per invocation. Group commit inside the grain
/// (<see cref="HotStockGrain"/>) against one awaited write per request (<see cref="SerialStockGrain"/>, the baseline),
/// same run, same server, same state size, on an Orleans silo with OrderGrains' group-commit storage on a fresh schema.
/// </summary>
// BenchmarkDotNet rejects sealed benchmark classes (it derives from them), so this one stays unsealed.
[Config(typeof(StorageWriteConfig))]
[MemoryDiagnoser]
public class HotGrainBenchmarks
{
    public const int Buyers = 512;
    public const int TakesPerBuyer = 4;

    private PostgresStateStore? _store;
    private IHost? _silo;
    private string? _schema;
    private IHotStockGrain _batched = null!;
    private ISerialStockGrain _serial = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>One write per request: the hot grain's rate is one commit round trip per decision.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Buyers * TakesPerBuyer)]
    public Task SerialWrites() => RunAsync(buyer => _serial.TakeAsync(buyer));

    /// <summary>Group commit inside the grain: decisions made while a write is in flight share the next write.</summary>
    [Benchmark(OperationsPerInvoke = Buyers * TakesPerBuyer)]
    public Task BatchedWrites() => RunAsync(buyer => _batched.TakeAsync(buyer));

    private static Task RunAsync(Func<string, Task<bool>> take)
    {
        var buyers = new Task[Buyers];
        for (var b = 0; b < Buyers; b++)
        {
            buyers[b] = BuyAsync(take, "buyer-" + b);
        }

        return Task.WhenAll(buyers);
    }

    private static async Task BuyAsync(Func<string, Task<bool>> take, string buyer)
    {
        for (var i = 0; i < TakesPerBuyer; i++)
        {
            await take(buyer);
        }
    }

    private async Task SetupAsync()
    {
        _schema = "bench_" + Guid.NewGuid().ToString("N");
        _store = await PostgresStateStore.CreateAsync(
            new PostgresStorageOptions { ConnectionString = BenchmarkDatabase.PostgresConnectionString, Schema = _schema }, CancellationToken.None);
        var store = _store;
        _silo = new HostBuilder()
            .UseOrleans(silo => silo.UseLocalhostClustering(FreePort(), FreePort()).UseOrderGrainsStorage(store))
            .Build();
        await _silo.StartAsync();
        var grains = _silo.Services.GetRequiredService<IGrainFactory>();
        _batched = grains.GetGrain<IHotStockGrain>("hot");
        _serial = grains.GetGrain<ISerialStockGrain>("hot");
        await _batched.TakeAsync("warm-up");
        await _serial.TakeAsync("warm-up");
    }

    private async Task CleanupAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            _silo.Dispose();
            _silo = null;
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
            await using var dataSource = NpgsqlDataSource.Create(BenchmarkDatabase.PostgresConnectionString);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
