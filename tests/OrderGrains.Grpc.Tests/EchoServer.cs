using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderGrains.Grpc.Tests.Testing;
using OrderGrains.Host.Grpc;
using Xunit;

namespace OrderGrains.Grpc.Tests;

/// <summary>
/// A real Kestrel, HTTP/2 cleartext only, on a free loopback port, serving the test Echo service through the host's
/// own gRPC stack (<see cref="GrpcServerWiring.AddOrderGrainsGrpc"/>: Grpc.AspNetCore, our settings and interceptor).
/// </summary>
public sealed class EchoServer : IAsyncLifetime
{
    public const int MaxReceiveMessageSize = 1024 * 1024;

    private WebApplication? _app;

    public CancellationProbes Probes { get; } = new();

    public Uri Address { get; private set; } = new("http://127.0.0.1");

    public GrpcChannel Channel { get; private set; } = null!;

    public Echo.EchoClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOrderGrainsGrpc(GrpcSettings.Default with { MaxReceiveMessageSize = MaxReceiveMessageSize });
        builder.Services.AddSingleton(Probes);
        builder.Services.AddSingleton<EchoService>();
        _app = builder.Build();
        _app.MapGrpcService<EchoService>();
        _app.MapGrpcReflectionService();
        await _app.StartAsync();

        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Channel = CreateChannel();
        Client = new Echo.EchoClient(Channel);
    }

    /// <summary>A channel of its own, e.g. with other limits; the caller disposes it.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        options.HttpHandler ??= new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true };
        return GrpcChannel.ForAddress(Address, options);
    }

    /// <summary>Stops Kestrel gracefully while clients stay open (shutdown tests).</summary>
    public Task StopAsync() => _app!.StopAsync();

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EchoServerCollection : ICollectionFixture<EchoServer>
{
    public const string Name = "Echo server";
}
