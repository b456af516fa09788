using System.Text.Json;
using OrderGrains.Cli;

namespace OrderGrains.Host.Tests;

/// <summary>The README's first-order walkthrough, run through the CLI against a real host.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Readme_walkthrough_creates_stock_places_watches_and_pays_an_order()
    {
        await using var host = await TestHost.StartAsync();
        // The CLI finds the caller token the host generated in the data directory, as after `dotnet run` in the README.
        await Cli(host, "warehouse", "upsert", "--id", "berlin", "--name", "Berlin", "--lat", "52.52", "--lon", "13.40");
        var stock = await Cli(host, "stock", "set", "--warehouse", "berlin", "--sku", "tee-red-m", "--on-hand", "10");
        Assert.Equal(10, stock.GetProperty("available").GetInt32());
        await Cli(host, "customer", "upsert", "--id", "ada", "--name", "Ada Lovelace");
        var placed = await Cli(host, "order", "place", "--channel", "web", "--external-id", "1001", "--customer", "ada",
            "--line", "tee-red-m:2:1999", "--lat", "52.5", "--lon", "13.4");
        var order = placed.GetProperty("order");
        Assert.Equal("web:1001", order.GetProperty("orderId").GetString());
        Assert.Equal("PENDING_PAYMENT", order.GetProperty("status").GetString());
        Assert.Equal("3998", order.GetProperty("totalMinor").GetString());

        var paid = await Cli(host, "order", "pay", "--id", "web:1001", "--amount", "3998");
        Assert.Equal("PAID", paid.GetProperty("status").GetString());
        var fetched = await Cli(host, "order", "get", "--id", "web:1001");
        Assert.Equal("PAID", fetched.GetProperty("status").GetString());
        var availability = await Cli(host, "stock", "get", "--sku", "tee-red-m");
        Assert.Equal(8, availability.GetProperty("available").GetInt32());
    }

    [Fact]
    public async Task Server_errors_exit_with_one_and_print_the_status()
    {
        await using var host = await TestHost.StartAsync();
        var output = new StringWriter();
        var errors = new StringWriter();

        var exit = await CliApp.RunAsync(["--target", $"http://127.0.0.1:{host.GrpcPort}", "--data-dir", host.DataDirectory, "order", "get", "--id", "web:missing"], output, errors);

        Assert.Equal(CliApp.ExitRpcError, exit);
        Assert.StartsWith("NotFound:", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Typo_in_an_option_is_a_usage_error()
    {
        var errors = new StringWriter();

        var exit = await CliApp.RunAsync(["stock", "get", "--skus", "x"], new StringWriter(), errors);

        Assert.Equal(CliApp.ExitUsage, exit);
        Assert.Contains("--sku is required", errors.ToString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> Cli(TestHost host, params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await CliApp.RunAsync(["--target", $"http://127.0.0.1:{host.GrpcPort}", "--data-dir", host.DataDirectory, .. args], output, errors);
        Assert.True(exit == CliApp.ExitOk, $"ordergrains {string.Join(' ', args)} exited {exit}: {errors}");
        return JsonDocument.Parse(output.ToString().Trim().Split('\n')[^1]).RootElement;
    }
}
