using System.Net;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderGrains.Grpc.Client;
using OrderGrains.Grpc.Server;
using OrderGrains.Grpc.Tests.Testing;
using Xunit;

namespace OrderGrains.Grpc.Tests;

/// <summary>A real Kestrel, HTTP/2 cleartext only, on a free loopback port, serving the Echo service.</summary>
public sealed class EchoServer : IAsyncLifetime
{
    public const int MaxReceiveMessageSize = 1024 * 1024;

    private WebApplication? _app;

    public static ServiceDescriptor EchoService { get; } = TestingReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Echo");

    public CancellationProbes Probes { get; } = new();

    public Uri Address { get; private set; } = new("http://127.0.0.1");

    public GrpcClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGrpcServer(options => options.MaxReceiveMessageSize = MaxReceiveMessageSize);
        builder.Services.AddGrpcExceptionMapper<TestExceptionMapper>();
        _app = builder.Build();
        _app.MapGrpcService(EchoService, new EchoHandler(Probes));
        await _app.StartAsync();

        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Client = new GrpcClient(Address);
    }

    /// <summary>Stops Kestrel gracefully while clients stay open (shutdown tests).</summary>
    public Task StopAsync() => _app!.StopAsync();

    public async Task DisposeAsync()
    {
        Client?.Dispose();
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
