namespace OrderGrains.Benchmarks.Grains;

/// <summary>Holds its target's reference from activation, so a relay measures the call, not reference creation.</summary>
[GrainType("bench-relay")]
public sealed class BenchRelayGrain : Grain, IBenchRelayGrain
{
    private IBenchGrain? _target;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _target = GrainFactory.GetGrain<IBenchGrain>(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <summary>Pings the paired bench grain and returns its answer plus one.</summary>
    public async ValueTask<int> RelayAsync(int x) => await _target!.PingAsync(x) + 1;
}
