using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests;

/// <summary>The standard services beside ours: grpc.health.v1 for load balancers and server reflection for grpcurl.</summary>
public sealed class HealthAndReflectionTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Health_service_is_SERVING_once_the_silo_is_up_and_storage_answers()
    {
        await using var host = await TestHost.StartAsync();
        var health = new Health.HealthClient(host.Client.Channel);

        var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + CallTimeout);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Health_service_is_NOT_SERVING_and_new_calls_are_UNAVAILABLE_once_the_host_begins_to_stop()
    {
        await using var host = await TestHost.StartAsync();
        var health = new Health.HealthClient(host.Client.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + CallTimeout)).Status);

        // Signals shutdown as SIGTERM does; Kestrel keeps serving until the host is disposed.
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + CallTimeout);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, reply.Status);
        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetAvailabilityAsync("sku-1", Client.OrderGrainsClient.Timeout(CallTimeout)));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact]
    public async Task Reflection_lists_every_public_service_and_describes_their_files()
    {
        await using var host = await TestHost.StartAsync();
        var reflection = new ServerReflection.ServerReflectionClient(host.Client.Channel);
        using var call = reflection.ServerReflectionInfo(deadline: DateTime.UtcNow + CallTimeout);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "ordergrains.v1.Fulfillment" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto;
        await call.RequestStream.CompleteAsync();

        Assert.Subset(
            services.ToHashSet(),
            new HashSet<string>
            {
                "ordergrains.v1.OrderIntake", "ordergrains.v1.Inventory", "ordergrains.v1.Customers", "ordergrains.v1.Campaigns",
                "ordergrains.v1.Fulfillment", "ordergrains.v1.Pricing", "ordergrains.v1.Review", "grpc.health.v1.Health",
            });
        Assert.Contains(files, f => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(f).Name == FulfillmentReflection.Descriptor.Name);
    }
}
