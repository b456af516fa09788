using BenchmarkDotNet.Attributes;
using OrderGrains.Benchmarks.Grains;
using OrderGrains.Testing;

namespace OrderGrains.Benchmarks;

/// <summary>
/// Durable decisions per second of ONE hot grain on PostgreSQL (the flash-sale shape): <see cref="Buyers"/> concurrent
/// callers, <see cref="TakesPerBuyer"/> sequential takes each per invocation. Group commit inside the grain
/// (<see cref="HotStockGrain"/>) against one awaited write per request (<see cref="SerialStockGrain"/>, the baseline),
/// same run, same server, same state size.
/// </summary>
// BenchmarkDotNet rejects sealed benchmark classes (it derives from them), so this one stays unsealed.
[Config(typeof(StorageWriteConfig))]
[MemoryDiagnoser]
public class HotGrainBenchmarks
{
    public const int Buyers = 512;
    public const int TakesPerBuyer = 4;

    private TestStorage? _storage;
    private TestSilo? _silo;
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
        _storage = TestStorage.Postgres();
        _silo = await TestSilo.StartAsync(_storage, builder => builder.AddGrains(typeof(HotStockGrain), typeof(SerialStockGrain)));
        _batched = _silo.GrainFactory.GetGrain<IHotStockGrain>("hot");
        _serial = _silo.GrainFactory.GetGrain<ISerialStockGrain>("hot");
        await _batched.TakeAsync("warm-up");
        await _serial.TakeAsync("warm-up");
    }

    private async Task CleanupAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
            _silo = null;
        }

        if (_storage is not null)
        {
            await _storage.DisposeAsync();
            _storage = null;
        }
    }
}
