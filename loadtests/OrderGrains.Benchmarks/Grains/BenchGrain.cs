namespace OrderGrains.Benchmarks.Grains;

/// <summary>Non-persistent; completes every call synchronously so only Orleans' call path is measured.</summary>
[GrainType("bench")]
public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _count;

    /// <summary>Adds one to the counter and returns it.</summary>
    public Task<int> IncrementAsync() => Task.FromResult(++_count);

    /// <summary>Returns <paramref name="x"/>.</summary>
    public ValueTask<int> PingAsync(int x) => new(x);
}
