namespace OrderGrains.Benchmarks.Grains;

/// <summary>A grain that forwards each call to the <see cref="IBenchGrain"/> of the same key: one grain-to-grain call per call.</summary>
[Alias("OrderGrains.Benchmarks.Grains.IBenchRelayGrain")]
public interface IBenchRelayGrain : IGrainWithStringKey
{
    /// <summary>Pings the paired bench grain with <paramref name="x"/> and returns its answer plus one.</summary>
    [Alias("RelayAsync")]
    ValueTask<int> RelayAsync(int x);
}
