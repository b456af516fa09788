using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrderGrains.Benchmarks.Grains;

namespace OrderGrains.Benchmarks;

/// <summary>
/// In-memory grain calls on one Orleans silo, made as the host's gRPC handlers make them (through the silo's
/// <see cref="IGrainFactory"/>, from the thread pool). Each invocation runs 2 × ProcessorCount caller loops, each
/// making sequential awaited calls, <see cref="Calls"/> in all.
/// </summary>
// BenchmarkDotNet rejects sealed benchmark classes (it derives from them), so this one stays unsealed.
[Config(typeof(GrainCallConfig))]
[MemoryDiagnoser]
public class GrainCallBenchmarks
{
    /// <summary>Calls per invocation, shared out among the callers.</summary>
    public const int Calls = 200_000;

    /// <summary>Grains the spread benchmarks cycle through, all activated in setup.</summary>
    public const int GrainCount = 10_000;

    private readonly int _callers = 2 * Environment.ProcessorCount;
    private IHost? _silo;
    private IBenchGrain _single = null!;
    private IBenchGrain[] _grains = [];
    private IBenchRelayGrain[] _relays = [];

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_silo is not null)
        {
            _silo.StopAsync().GetAwaiter().GetResult();
            _silo.Dispose();
            _silo = null;
        }
    }

    /// <summary>Every caller calls the same grain: calls queue behind each other (turn-based).</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task OneGrainIncrement() => RunCallersAsync(OneGrainIncrementAsync);

    /// <summary>As <see cref="OneGrainIncrement"/>, through a ValueTask method with an argument.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task OneGrainPing() => RunCallersAsync(OneGrainPingAsync);

    /// <summary>Callers cycle through 10,000 activated grains, each caller its own stride.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task ManyGrainsIncrement() => RunCallersAsync(ManyGrainsIncrementAsync);

    /// <summary>As <see cref="ManyGrainsIncrement"/>, through a ValueTask method with an argument.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task ManyGrainsPing() => RunCallersAsync(ManyGrainsPingAsync);

    /// <summary>Callers call 10,000 relay grains; each relay call makes one grain-to-grain call (two grain calls per operation).</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task ManyGrainsRelay() => RunCallersAsync(ManyGrainsRelayAsync);

    private async Task SetupAsync()
    {
        _silo = new HostBuilder()
            .UseOrleans(silo => silo.UseLocalhostClustering(FreePort(), FreePort()))
            .Build();
        await _silo.StartAsync();
        var factory = _silo.Services.GetRequiredService<IGrainFactory>();
        _single = factory.GetGrain<IBenchGrain>("single");
        _grains = new IBenchGrain[GrainCount];
        _relays = new IBenchRelayGrain[GrainCount];
        for (var i = 0; i < GrainCount; i++)
        {
            _grains[i] = factory.GetGrain<IBenchGrain>("g" + i);
            _relays[i] = factory.GetGrain<IBenchRelayGrain>("g" + i);
        }

        // Activate everything now, so the measured calls find live activations (and cached ones in each reference).
        await _single.IncrementAsync();
        for (var i = 0; i < GrainCount; i++)
        {
            await _grains[i].IncrementAsync();
            await _relays[i].RelayAsync(i);
        }

        var statistics = await factory.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        // Orleans names the class, possibly followed by its assembly.
        string[] benchClasses = [typeof(BenchGrain).FullName!, typeof(BenchRelayGrain).FullName!];
        var activations = statistics.Where(s => benchClasses.Contains(s.GrainType.Split(',', 2)[0].Trim())).Sum(s => s.ActivationCount);
        if (activations != 2 * GrainCount + 1)
        {
            throw new InvalidOperationException($"Expected {2 * GrainCount + 1} activations after setup, found {activations}.");
        }
    }

    private Task RunCallersAsync(Func<int, int, Task> loop)
    {
        var callers = new Task[_callers];
        for (var c = 0; c < callers.Length; c++)
        {
            var caller = c;
            var count = (Calls / _callers) + (c < Calls % _callers ? 1 : 0);
            callers[c] = Task.Run(() => loop(caller, count));
        }

        return Task.WhenAll(callers);
    }

    private async Task OneGrainIncrementAsync(int caller, int count)
    {
        var grain = _single;
        for (var i = 0; i < count; i++)
        {
            await grain.IncrementAsync();
        }
    }

    private async Task OneGrainPingAsync(int caller, int count)
    {
        var grain = _single;
        for (var i = 0; i < count; i++)
        {
            await grain.PingAsync(i);
        }
    }

    private async Task ManyGrainsIncrementAsync(int caller, int count)
    {
        var grains = _grains;
        var index = caller;
        for (var i = 0; i < count; i++)
        {
            await grains[index].IncrementAsync();
            index = Next(index);
        }
    }

    private async Task ManyGrainsPingAsync(int caller, int count)
    {
        var grains = _grains;
        var index = caller;
        for (var i = 0; i < count; i++)
        {
            await grains[index].PingAsync(i);
            index = Next(index);
        }
    }

    private async Task ManyGrainsRelayAsync(int caller, int count)
    {
        var relays = _relays;
        var index = caller;
        for (var i = 0; i < count; i++)
        {
            await relays[index].RelayAsync(i);
            index = Next(index);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Callers stride by their number, so (with GrainCount a multiple of the caller count) no two share a grain.
    private int Next(int index)
    {
        index += _callers;
        return index >= GrainCount ? index - GrainCount : index;
    }
}
