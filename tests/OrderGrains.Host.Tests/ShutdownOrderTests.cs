using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OrderGrains.Host.Tests;

public sealed class ShutdownOrderTests
{
    /// <summary>
    /// Hosted services stop in reverse order of registration: the web server must stop (draining in-flight calls)
    /// before the silo deactivates the grains those calls are using.
    /// </summary>
    [Fact]
    public async Task Web_server_stops_before_the_silo()
    {
        await using var host = await TestHost.StartAsync();

        var order = host.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ToList();

        // Orleans' hosted service is internal: its name is all a test outside Orleans can see.
        var silo = order.IndexOf("SiloHostedService");
        var server = order.IndexOf("GenericWebHostService");
        Assert.True(silo >= 0 && server >= 0, string.Join(", ", order));
        Assert.True(silo < server, "The silo must be registered before the web server so it stops after it: " + string.Join(", ", order));
    }
}
