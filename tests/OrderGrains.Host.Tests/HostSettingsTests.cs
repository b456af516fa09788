using Microsoft.Extensions.Configuration;

namespace OrderGrains.Host.Tests;

public sealed class HostSettingsTests
{
    [Fact]
    public void Defaults_are_the_embedded_sqlite_store_and_the_documented_ports()
    {
        var settings = HostSettings.Read(Config());

        Assert.Equal(StorageKind.Sqlite, settings.Storage);
        Assert.Equal(7070, settings.GrpcPort);
        Assert.Equal(7071, settings.AdminPort);
        Assert.Equal("127.0.0.1", settings.ListenAddress);
        Assert.Equal(Path.GetFullPath("data"), settings.DataDirectory);
    }

    [Fact]
    public void Every_wrong_setting_is_reported_at_once_with_what_to_fix()
    {
        var error = Assert.Throws<HostSettingsException>(() => HostSettings.Read(Config(
            ("OrderGrains:Storage", "oracle"),
            ("OrderGrains:GrpcPort", "70000"),
            ("OrderGrains:ListenAddress", "localhost"))));

        Assert.Contains("OrderGrains:Storage is 'oracle'; set it to 'sqlite'", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:GrpcPort is '70000'; set a TCP port number", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:ListenAddress is 'localhost'; set an IP address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_without_a_connection_string_says_which_key_to_set()
    {
        var error = Assert.Throws<HostSettingsException>(() => HostSettings.Read(Config(("OrderGrains:Storage", "postgres"))));

        Assert.Contains("ConnectionStrings:Postgres is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_with_a_bad_setting_exits_with_code_two()
    {
        var exit = await OrderGrainsHost.RunAsync(["--OrderGrains:Storage=oracle"]);

        Assert.Equal(OrderGrainsHost.ExitBadSettings, exit);
    }

    [Fact]
    public async Task Host_with_a_negative_reservation_timeout_exits_with_code_two()
    {
        var exit = await OrderGrainsHost.RunAsync(ValidElseWhere("--OrderGrains:Orders:ReservationTimeout=-5"));

        Assert.Equal(OrderGrainsHost.ExitBadSettings, exit);
    }

    [Theory]
    [InlineData("--OrderGrains:Orders:ReservationTimeout=-5", "OrderGrains:Orders:ReservationTimeout")]
    [InlineData("--OrderGrains:Silo:Messaging:ResponseTimeout=-00:00:01", "OrderGrains:Silo:Messaging:ResponseTimeout")]
    [InlineData("--OrderGrains:Silo:GrainCollection:CollectionQuantum=00:00:00", "OrderGrains:Silo:GrainCollection:CollectionQuantum")]
    [InlineData("--OrderGrains:Silo:Messaging:MaxEnqueuedRequestsHardLimit=many", "OrderGrains:Silo:Messaging:MaxEnqueuedRequestsHardLimit")]
    [InlineData("--OrderGrains:Erp:Forwarder:MaxRetryDelay=00:00:00.010", "OrderGrains:Erp:Forwarder:MaxRetryDelay")]
    [InlineData("--OrderGrains:Erp:Forwarder:RetryDelay=00:00:00", "OrderGrains:Erp:Forwarder:RetryDelay")]
    [InlineData("--OrderGrains:Erp:Forwarder:LagAlertThreshold=-00:00:01", "OrderGrains:Erp:Forwarder:LagAlertThreshold")]
    [InlineData("--OrderGrains:Erp:Forwarder:MaxDeferral=00:05:00", "OrderGrains:Erp:Forwarder:MaxDeferral")]
    [InlineData("--OrderGrains:ReadModel:MaxDeferral=-00:00:01", "OrderGrains:ReadModel:MaxDeferral")]
    [InlineData("--OrderGrains:Admission:BusyInFlight=0", "OrderGrains:Admission:BusyInFlight")]
    [InlineData("--OrderGrains:Returns:WindowDays=0", "OrderGrains:Returns:WindowDays")]
    [InlineData("--OrderGrains:Returns:Channels:pos:WindowDays=5000", "OrderGrains:Returns:Channels:pos:WindowDays")]
    [InlineData("--OrderGrains:Returns:RequireApproval=sometimes", "OrderGrains:Returns:RequireApproval")]
    [InlineData("--OrderGrains:Returns:Channels:pos:RequireApproval=sometimes", "OrderGrains:Returns:Channels:pos:RequireApproval is 'sometimes'")]
    [InlineData("--OrderGrains:Customers:Channels:marketplace:UnknownCustomers=Maybe", "OrderGrains:Customers:Channels:marketplace:UnknownCustomers")]
    [InlineData("--OrderGrains:Customers:CreditLimitMinor=-100", "OrderGrains:Customers:CreditLimitMinor")]
    [InlineData("--OrderGrains:Backorders:Channels:b2b:AllowBackorders=sometimes", "OrderGrains:Backorders:Channels:b2b:AllowBackorders is 'sometimes'")]
    [InlineData("--OrderGrains:Backorders:AllowBackorders=maybe", "OrderGrains:Backorders:AllowBackorders")]
    [InlineData("--OrderGrains:Silo:Membership:ProbeTimeout=00:00:00", "OrderGrains:Silo:Membership:ProbeTimeout")]
    [InlineData("--OrderGrains:Silo:Membership:NumMissedProbesLimit=0", "OrderGrains:Silo:Membership:NumMissedProbesLimit")]
    [InlineData("--OrderGrains:Cluster:AdvertisedAddress=0.0.0.0", "OrderGrains:Cluster:AdvertisedAddress is '0.0.0.0'")]
    [InlineData("--OrderGrains:Cluster:AdvertisedAddress=silo-1", "OrderGrains:Cluster:AdvertisedAddress is 'silo-1'")]
    [InlineData("--OrderGrains:Alerts:Webhook:Url=ftp://wms.example/alerts", "OrderGrains:Alerts:Webhook:Url")]
    [InlineData("--OrderGrains:Alerts:Webhook:MaxRetryDelay=02:00:00", "OrderGrains:Alerts:Webhook:MaxRetryDelay")]
    [InlineData("--OrderGrains:Inventory:Alerts:SalesWindowDays=0", "OrderGrains:Inventory:Alerts:SalesWindowDays")]
    [InlineData("--OrderGrains:Inventory:Alerts:OutOfStockAlertInterval=00:00:00", "OrderGrains:Inventory:Alerts:OutOfStockAlertInterval")]
    public async Task An_options_value_that_fails_validation_stops_start_up_naming_its_key(string setting, string key)
    {
        var error = await Assert.ThrowsAsync<HostSettingsException>(() => OrderGrainsHost.StartAsync(ValidElseWhere(setting)));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_erp_forwarders_old_give_up_limits_are_refused_saying_why()
    {
        var error = Assert.Throws<HostSettingsException>(() => HostSettings.Read(Config(("OrderGrains:Erp:Forwarder:MaxAttempts", "20"), ("OrderGrains:Erp:Forwarder:MaxDeadLetters", "10000"))));

        Assert.Contains("OrderGrains:Erp:Forwarder:MaxAttempts is no longer an option", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Erp:Forwarder:MaxDeadLetters is no longer an option", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_of_the_runtime_before_orleans_is_refused_naming_where_it_moved()
    {
        var error = Assert.Throws<HostSettingsException>(() => HostSettings.Read(Config(("OrderGrains:Silo:MaxQueuedRequestsPerActivation", "100"))));

        Assert.Contains("set OrderGrains:Silo:Messaging:MaxEnqueuedRequestsHardLimit instead", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_with_an_unreachable_postgres_exits_with_code_three()
    {
        var exit = await OrderGrainsHost.RunAsync(["--OrderGrains:Storage=postgres", "--ConnectionStrings:Postgres=Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2"]);

        Assert.Equal(OrderGrainsHost.ExitStorageUnavailable, exit);
    }

    /// <summary>Free ports and a fresh data directory, so only <paramref name="setting"/> can be wrong.</summary>
    private static string[] ValidElseWhere(string setting) =>
    [
        $"--OrderGrains:GrpcPort={TestHost.FreePort()}",
        $"--OrderGrains:AdminPort={TestHost.FreePort()}",
        $"--OrderGrains:Cluster:SiloPort={TestHost.FreePort()}",
        $"--OrderGrains:Cluster:GatewayPort={TestHost.FreePort()}",
        $"--OrderGrains:DataDir={Path.Combine(Path.GetTempPath(), "ordergrains-host-tests", Guid.NewGuid().ToString("N"))}",
        "--Logging:LogLevel:Default=Warning",
        setting,
    ];

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
