using OrderGrains.Grpc.Client;
using OrderGrains.Grpc.Server;
using OrderGrains.Grpc.Tests.Testing;
using Xunit;

namespace OrderGrains.Grpc.Tests;

/// <summary>Stopping the server lets running unary calls finish and ends streams with UNAVAILABLE.</summary>
public sealed class GracefulShutdownTests
{
    private static readonly GrpcMethod<SleepRequest, EchoReply> Sleep = GrpcMethod.Create<SleepRequest, EchoReply>(EchoServer.EchoService, "Sleep");
    private static readonly GrpcMethod<StreamRequest, EchoReply> Stream = GrpcMethod.Create<StreamRequest, EchoReply>(EchoServer.EchoService, "Stream");

    [Fact]
    public async Task Unary_call_in_flight_when_the_server_stops_completes_while_a_stream_is_cancelled_as_unavailable()
    {
        var server = new EchoServer();
        await server.InitializeAsync();
        var sleeping = server.Client.UnaryAsync(Sleep, new SleepRequest { Milliseconds = 1_000, ProbeId = "shutdown-unary" }, GrpcCallOptions.WithTimeout(TimeSpan.FromSeconds(30)));
        var streamed = new List<EchoReply>();
        var firstReply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streaming = Task.Run(async () =>
        {
            await foreach (var reply in server.Client.ServerStreamingAsync(Stream, new StreamRequest { Count = 1_000, DelayMs = 50, ProbeId = "shutdown-stream" }, GrpcCallOptions.WithTimeout(TimeSpan.FromSeconds(30))))
            {
                streamed.Add(reply);
                firstReply.TrySetResult();
            }
        });
        await Task.WhenAll(server.Probes.WhenStarted("shutdown-unary"), firstReply.Task).WaitAsync(TimeSpan.FromSeconds(20));

        await server.StopAsync();

        Assert.Equal("slept", (await sleeping).Text);
        Assert.False(server.Probes.WhenCancelled("shutdown-unary").IsCompleted);
        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => streaming);
        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Equal(CallCancellationReason.ServerShuttingDown, await server.Probes.WhenCancelled("shutdown-stream"));
        Assert.NotEmpty(streamed);
        await server.DisposeAsync();
    }
}
