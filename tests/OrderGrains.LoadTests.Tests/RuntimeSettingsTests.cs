using System.Text.Json.Nodes;

namespace OrderGrains.LoadTests.Tests;

/// <summary>
/// The load tool hosts the silo in its own process, so the garbage collector it measures is the one its own
/// runtime config chooses. These tests keep that config the host's.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_load_tool_runs_the_garbage_collector_the_host_is_deployed_with()
    {
        var host = GcSettings("OrderGrains.Host.runtimeconfig.json");
        var tool = GcSettings("OrderGrains.LoadTests.runtimeconfig.json");

        Assert.NotEmpty(host);
        foreach (var (key, value) in host)
        {
            Assert.True(tool.TryGetValue(key, out var toolValue), $"the load tool's runtime config lacks {key}");
            Assert.Equal(value, toolValue);
        }
    }

    [Fact]
    public void The_host_runs_server_gc_without_dynamic_adaptation()
    {
        var host = GcSettings("OrderGrains.Host.runtimeconfig.json");

        Assert.Equal("true", host["System.GC.Server"]);
        Assert.Equal("0", host["System.GC.DynamicAdaptationMode"]);
    }

    private static Dictionary<string, string> GcSettings(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, fileName);
        var properties = JsonNode.Parse(File.ReadAllText(path))!["runtimeOptions"]!["configProperties"]!.AsObject();
        return properties
            .Where(p => p.Key.StartsWith("System.GC.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value!.ToJsonString());
    }
}
