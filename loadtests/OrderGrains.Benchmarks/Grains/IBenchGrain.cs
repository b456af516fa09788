namespace OrderGrains.Benchmarks.Grains;

/// <summary>A grain that does almost nothing, so a call's cost is Orleans'.</summary>
[Alias("OrderGrains.Benchmarks.Grains.IBenchGrain")]
public interface IBenchGrain : IGrainWithStringKey
{
    /// <summary>Adds one to an in-memory counter and returns it (a Task-returning method).</summary>
    [Alias("IncrementAsync")]
    Task<int> IncrementAsync();

    /// <summary>Returns its argument (a ValueTask-returning method with one argument).</summary>
    [Alias("PingAsync")]
    ValueTask<int> PingAsync(int x);
}
