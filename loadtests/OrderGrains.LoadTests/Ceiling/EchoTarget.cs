using Grpc.Core;
using Grpc.Net.Client;
using OrderGrains.LoadTests.Scenarios;
using OrderGrains.LoadTests.Targets;

namespace OrderGrains.LoadTests.Ceiling;

/// <summary>
/// Sends each planned order's PlaceOrderRequest, as <see cref="OrderGrainsTarget"/> builds it, to the
/// <see cref="EchoServer"/> over as many channels as the OrderGrains target uses, with the same channel settings.
/// </summary>
public sealed class EchoTarget(Uri address, int clients) : IOrderTarget
{
    private readonly GrpcChannel[] _channels = [.. Enumerable.Range(0, Math.Max(1, clients)).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan, UseProxy = false },
        DisposeHttpClient = true,
    }))];

    private CallInvoker[]? _invokers;

    public string Name => "echo";

    public string Description => "A trivial RPC (PlaceOrderRequest in, a PlaceOrderReply naming the order out) on a bare Grpc.AspNetCore server in the load tool's process: no grain, no storage, no caller check. Its calls/s are the ceiling PlaceOrder's rate is compared with.";

    public Task SetupAsync(ScenarioPlan plan, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<CallOutcome> PlaceAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        _invokers ??= [.. _channels.Select(c => c.CreateCallInvoker())];
        var reply = await _invokers[order.Index % _invokers.Length]
            .AsyncUnaryCall(EchoServer.EchoMethod, null, new CallOptions(cancellationToken: cancellationToken), OrderGrainsTarget.PlaceRequest(order));
        return reply.Order.ExternalOrderId == order.ExternalOrderId
            ? CallOutcome.Accepted
            : new CallOutcome(OutcomeKind.Error, "echo answered another order");
    }

    public Task<CallOutcome> PayAsync(PlannedOrder order, CancellationToken cancellationToken) => Task.FromResult(CallOutcome.Accepted);

    public Task<CallOutcome> CancelAsync(PlannedOrder order, CancellationToken cancellationToken) => Task.FromResult(CallOutcome.Accepted);

    public Task<IReadOnlyList<InvariantCheck>> VerifyAsync(ScenarioPlan plan, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<InvariantCheck>>([]);

    public ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
