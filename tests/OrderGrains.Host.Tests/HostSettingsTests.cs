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
    public async Task Host_with_an_unreachable_postgres_exits_with_code_three()
    {
        var exit = await OrderGrainsHost.RunAsync(["--OrderGrains:Storage=postgres", "--ConnectionStrings:Postgres=Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2"]);

        Assert.Equal(OrderGrainsHost.ExitStorageUnavailable, exit);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
