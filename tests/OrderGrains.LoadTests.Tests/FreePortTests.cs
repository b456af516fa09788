namespace OrderGrains.LoadTests.Tests;

public sealed class FreePortTests
{
    /// <summary>
    /// A run starts hosts with several ports each; the OS offers a closed probe's port again, and a host given one port
    /// twice refuses to start (seen once in a load-test run: AdminPort and Cluster:SiloPort both 45583).
    /// </summary>
    [Fact]
    public void No_port_is_handed_out_twice_in_one_process()
    {
        var ports = Enumerable.Range(0, 3_000).Select(_ => InProcessHost.FreePort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
