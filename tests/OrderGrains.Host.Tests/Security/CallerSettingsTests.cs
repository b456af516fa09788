using OrderGrains.Host.Security;

namespace OrderGrains.Host.Tests.Security;

/// <summary>Caller settings are checked before anything starts, and the loopback default generates one owner-only token.</summary>
public sealed class CallerSettingsTests
{
    [Theory]
    [InlineData("--OrderGrains:Callers:0:Roles:0=shipping", "OrderGrains:Callers:0:Roles has 'shipping'")]
    [InlineData("--OrderGrains:Callers:0:Roles:0=approver", "roles are orders, inventory, fulfillment, catalog, reviewer, supervisor and finance")]
    [InlineData("--OrderGrains:Callers:0:Token=", "OrderGrains:Callers:0:Token must be at least 16 characters")]
    public async Task A_bad_caller_setting_exits_2_naming_the_key(string bad, string expected)
    {
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        int exit;
        try
        {
            exit = await OrderGrainsHost.RunAsync([
                "--OrderGrains:DataDir=" + Path.Combine(Path.GetTempPath(), "ordergrains-host-tests", Guid.NewGuid().ToString("N")),
                "--OrderGrains:Callers:0:Name=shop",
                "--OrderGrains:Callers:0:Token=0123456789abcdef0123",
                "--OrderGrains:Callers:0:Channels:0=web",
                "--OrderGrains:Callers:0:Roles:1=orders",
                bad,
            ]);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(OrderGrainsHost.ExitBadSettings, exit);
        Assert.Contains(expected, errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listening_beyond_loopback_without_callers_exits_2_saying_what_to_set()
    {
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        int exit;
        try
        {
            exit = await OrderGrainsHost.RunAsync([
                "--OrderGrains:ListenAddress=0.0.0.0",
                "--OrderGrains:DataDir=" + Path.Combine(Path.GetTempPath(), "ordergrains-host-tests", Guid.NewGuid().ToString("N")),
            ]);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(OrderGrainsHost.ExitBadSettings, exit);
        Assert.Contains("no gRPC callers are configured; set OrderGrains:Callers:0:Name, OrderGrains:Callers:0:Token", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_loopback_default_generates_an_owner_only_all_roles_token_that_the_client_uses()
    {
        await using var host = await TestHost.StartAsync();
        var path = Path.Combine(host.DataDirectory, CallerTokens.GeneratedTokenFileName);

        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(64, host.Token!.Length);
        var sku = "sku-" + Guid.NewGuid().ToString("N");
        await host.Client.UpsertWarehouseAsync(new Contracts.V1.Warehouse { WarehouseId = "w-" + sku, Name = "W", Active = true });
        await host.Client.SetStockAsync(new Contracts.V1.SetStockRequest { WarehouseId = "w-" + sku, Sku = sku, OnHand = 3, SyncId = "s" });
        await host.Client.UpsertCustomerAsync(new Contracts.V1.Customer { CustomerId = "c-" + sku });
        var missing = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => host.Client.GetOrderAsync("any-channel:missing"));
        Assert.Equal(global::Grpc.Core.StatusCode.NotFound, missing.StatusCode);
        // Every role includes the review roles: the generated token reads the review queue.
        Assert.Empty((await host.Client.ListReviewQueueAsync(new Contracts.V1.ListReviewQueueRequest { Channel = "c-" + sku })).Items);
    }
}
