using OrderGrains.Runtime;

namespace OrderGrains.Benchmarks.Grains;

/// <summary>A grain that does almost nothing, so a call's cost is the runtime's.</summary>
public interface IBenchGrain : IGrainWithStringKey
{
    /// <summary>Adds one to an in-memory counter and returns it (a Task-returning method).</summary>
    Task<int> IncrementAsync();

    /// <summary>Returns its argument (a ValueTask-returning method with one argument).</summary>
    ValueTask<int> PingAsync(int x);
}
