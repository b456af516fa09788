using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Configuration;
using OrderGrains.Host.Grpc;

namespace OrderGrains.Host.Tests;

public sealed class GrpcSettingsTests
{
    [Fact]
    public void Defaults_are_the_4_MiB_receive_limit_and_gzip_responses_for_clients_that_accept_them()
    {
        var options = new GrpcServiceOptions();

        GrpcSettings.Read(Config()).ApplyTo(options);

        Assert.Equal(4 * 1024 * 1024, options.MaxReceiveMessageSize);
        Assert.Null(options.MaxSendMessageSize);
        Assert.Equal("gzip", options.ResponseCompressionAlgorithm);
        Assert.False(options.EnableDetailedErrors);
    }

    [Fact]
    public void Configured_values_reach_Grpc_AspNetCore()
    {
        var options = new GrpcServiceOptions();

        GrpcSettings.Read(Config(
            ("OrderGrains:Grpc:MaxReceiveMessageSize", "unlimited"),
            ("OrderGrains:Grpc:MaxSendMessageSize", "1048576"),
            ("OrderGrains:Grpc:CompressResponses", "false"))).ApplyTo(options);

        Assert.Null(options.MaxReceiveMessageSize);
        Assert.Equal(1_048_576, options.MaxSendMessageSize);
        Assert.Null(options.ResponseCompressionAlgorithm);
    }

    [Fact]
    public void Every_wrong_grpc_setting_is_reported_at_once_naming_its_key()
    {
        var error = Assert.Throws<HostSettingsException>(() => GrpcSettings.Read(Config(
            ("OrderGrains:Grpc:MaxReceiveMessageSize", "-5"),
            ("OrderGrains:Grpc:CompressResponses", "sometimes"))));

        Assert.Contains("OrderGrains:Grpc:MaxReceiveMessageSize is '-5'; set a size in bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Grpc:CompressResponses is 'sometimes'; set true or false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_with_a_bad_grpc_setting_exits_with_code_two()
    {
        var exit = await OrderGrainsHost.RunAsync(["--OrderGrains:Grpc:MaxReceiveMessageSize=4MB"]);

        Assert.Equal(OrderGrainsHost.ExitBadSettings, exit);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
