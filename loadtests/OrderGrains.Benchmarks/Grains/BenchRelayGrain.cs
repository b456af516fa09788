using OrderGrains.Runtime;

namespace OrderGrains.Benchmarks.Grains;

/// <summary>Holds its target's reference from construction, so a relay measures the call, not reference creation.</summary>
public sealed class BenchRelayGrain : Grain, IBenchRelayGrain
{
    private readonly IBenchGrain _target;

    public BenchRelayGrain()
    {
        _target = GrainFactory.GetGrain<IBenchGrain>(GetPrimaryKeyString());
    }

    /// <summary>Pings the paired bench grain and returns its answer plus one.</summary>
    public async ValueTask<int> RelayAsync(int x) => await _target.PingAsync(x) + 1;
}
