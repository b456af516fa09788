using Grpc.Core;
using OrderGrains.Grpc.Tests.Testing;
using Xunit;

namespace OrderGrains.Grpc.Tests;

/// <summary>Stopping the server lets running unary calls finish and ends streams with UNAVAILABLE.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Unary_call_in_flight_when_the_server_stops_completes_while_a_stream_is_cancelled_as_unavailable()
    {
        var server = new EchoServer();
        await server.InitializeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var sleeping = server.Client.SleepAsync(new SleepRequest { Milliseconds = 1_000, ProbeId = "shutdown-unary" }, deadline: deadline).ResponseAsync;
        var streamed = new List<EchoReply>();
        var firstReply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streaming = Task.Run(async () =>
        {
            using var call = server.Client.Stream(new StreamRequest { Count = 1_000, DelayMs = 50, ProbeId = "shutdown-stream" }, deadline: deadline);
            await foreach (var reply in call.ResponseStream.ReadAllAsync())
            {
                streamed.Add(reply);
                firstReply.TrySetResult();
            }
        });
        await Task.WhenAll(server.Probes.WhenStarted("shutdown-unary"), firstReply.Task).WaitAsync(TimeSpan.FromSeconds(20));

        await server.StopAsync();

        Assert.Equal("slept", (await sleeping).Text);
        Assert.False(server.Probes.WhenCancelled("shutdown-unary").IsCompleted);
        var error = await Assert.ThrowsAsync<RpcException>(() => streaming);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(CancellationReason.ServerShuttingDown, await server.Probes.WhenCancelled("shutdown-stream"));
        Assert.NotEmpty(streamed);
        await server.DisposeAsync();
    }
}
