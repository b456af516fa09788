using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.LoadTests.Scenarios;

namespace OrderGrains.LoadTests.Targets;

/// <summary>
/// OrderGrains over its public gRPC contract, through several typed clients (one GrpcChannel each, each opening more
/// HTTP/2 connections as its calls outgrow one connection's stream limit).
/// </summary>
public sealed class OrderGrainsTarget : IOrderTarget
{
    /// <summary>The trailer a throttled call carries: how long to wait before retrying.</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    private const int MaxThrottleRetries = 4;
    private const int SetupParallelism = 256;
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(60);

    private readonly OrderGrainsClient[] _clients;
    private readonly TimeSpan _callTimeout;

    // What each acknowledged call told us, by order id: the state the order must still be readable in.
    private readonly ConcurrentDictionary<string, Acknowledged> _acknowledged = new(StringComparer.Ordinal);

    // Orders whose last call ended without a reply (timeout, transport error): any state is legitimate, but it counts.
    private readonly ConcurrentDictionary<string, byte> _uncertain = new(StringComparer.Ordinal);
    private long _next;
    private long _throttleRetries;

    public OrderGrainsTarget(Uri address, int clients, TimeSpan callTimeout, OrderGrainsClientOptions? clientOptions = null)
    {
        _clients = Enumerable.Range(0, clients).Select(_ => new OrderGrainsClient(address, clientOptions)).ToArray();
        _callTimeout = callTimeout;
    }

    public string Name => "ordergrains";

    public string Description =>
        "OrderGrains over gRPC (HTTP/2, h2c): PlaceOrder on the order grain, which reserves the campaign quota, the stock " +
        "on the SKU grain (nearest warehouse that can fill each line) and checks the customer; the reply comes after the " +
        "grains' state is durable. Follow-ups are ConfirmPayment and CancelOrder on the same order.";

    /// <summary>Calls retried after RESOURCE_EXHAUSTED with a retry hint.</summary>
    public long ThrottleRetries => Interlocked.Read(ref _throttleRetries);

    public async Task SetupAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        var client = _clients[0];
        foreach (var warehouse in plan.Warehouses)
        {
            await client.UpsertWarehouseAsync(
                new Warehouse { WarehouseId = warehouse.WarehouseId, Name = warehouse.WarehouseId, Latitude = warehouse.Latitude, Longitude = warehouse.Longitude, Active = true },
                Options(cancellationToken));
        }

        await Parallel.ForEachAsync(
            plan.Stock,
            new ParallelOptions { MaxDegreeOfParallelism = SetupParallelism, CancellationToken = cancellationToken },
            async (stock, ct) => await Client().SetStockAsync(
                new SetStockRequest { WarehouseId = stock.WarehouseId, Sku = stock.Sku, OnHand = stock.OnHand, SyncId = plan.RunId + "-setup" },
                Options(ct)));
        foreach (var campaign in plan.Campaigns)
        {
            await client.UpsertCampaignAsync(
                new Campaign
                {
                    CampaignId = campaign.CampaignId,
                    Sku = campaign.Sku,
                    PriceMinor = campaign.PriceMinor,
                    Quota = campaign.Quota,
                    PerCustomerLimit = campaign.PerCustomerLimit,
                    StartsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-5)),
                    EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
                },
                Options(cancellationToken));
        }

        await Parallel.ForEachAsync(
            plan.Customers,
            new ParallelOptions { MaxDegreeOfParallelism = SetupParallelism, CancellationToken = cancellationToken },
            async (customer, ct) => await Client().UpsertCustomerAsync(new Customer { CustomerId = customer, Name = customer }, Options(ct)));
    }

    public async Task<CallOutcome> PlaceAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        var request = new PlaceOrderRequest
        {
            Channel = order.Channel,
            ExternalOrderId = order.ExternalOrderId,
            CustomerId = order.CustomerId,
            Currency = "EUR",
            CampaignId = order.CampaignId ?? string.Empty,
            ShipTo = new Address { Latitude = 50.1, Longitude = 8.7, Country = "DE" },
        };
        foreach (var line in order.Lines)
        {
            request.Lines.Add(new OrderLine { Sku = line.Sku, Quantity = line.Quantity, UnitPriceMinor = line.UnitPriceMinor });
        }

        var (reply, failure) = await CallAsync(order.OrderId, c => c.PlaceOrderAsync(request, Options(cancellationToken)));
        if (reply is null)
        {
            return failure;
        }

        var placed = reply.Order;
        _acknowledged[order.OrderId] = new Acknowledged(placed.Status, placed.Version);
        return placed.Status switch
        {
            OrderStatus.PendingPayment or OrderStatus.OnHold => CallOutcome.Accepted,
            OrderStatus.Rejected => new CallOutcome(OutcomeKind.Rejected, placed.RejectReason.ToString()),
            _ => new CallOutcome(OutcomeKind.Error, "unexpected status " + placed.Status),
        };
    }

    public async Task<CallOutcome> PayAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        var request = new ConfirmPaymentRequest { OrderId = order.OrderId, PaymentReference = "pay-" + order.ExternalOrderId, AmountMinor = order.TotalMinor };
        return await FollowUpAsync(order, c => c.ConfirmPaymentAsync(request, Options(cancellationToken)));
    }

    public async Task<CallOutcome> CancelAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        var request = new CancelOrderRequest { OrderId = order.OrderId, Reason = "load test: buyer changed their mind" };
        return await FollowUpAsync(order, c => c.CancelOrderAsync(request, Options(cancellationToken)));
    }

    /// <summary>
    /// Checks, and while any check fails re-reads every 5 s for up to <see cref="SettleLimit"/>: sagas cut short by a
    /// client timeout, and stock released by a cancellation, reach the SKU grain asynchronously. A real violation
    /// (an oversell) does not go away and is reported after the limit; the time to converge is reported either way.
    /// </summary>
    public async Task<IReadOnlyList<InvariantCheck>> VerifyAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        var settle = System.Diagnostics.Stopwatch.StartNew();
        var reads = 1;
        var checks = await VerifyOnceAsync(plan, cancellationToken);
        while (checks.Any(c => !c.Passed) && settle.Elapsed < SettleLimit)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            checks = await VerifyOnceAsync(plan, cancellationToken);
            reads++;
        }

        var converged = checks.All(c => c.Passed);
        checks.Add(new InvariantCheck(
            "state converged after the run",
            converged,
            $"{(converged ? "all checks held" : "checks still failing")} after {settle.Elapsed.TotalSeconds:F1} s ({reads} reads of every order{(reads > 1 ? "; earlier reads saw in-flight sagas" : string.Empty)})"));
        return checks;
    }

    private async Task<List<InvariantCheck>> VerifyOnceAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        var attempted = plan.AllOrders.Where(o => _acknowledged.ContainsKey(o.OrderId) || _uncertain.ContainsKey(o.OrderId)).ToList();
        var read = new ConcurrentDictionary<string, Order?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            attempted,
            new ParallelOptions { MaxDegreeOfParallelism = SetupParallelism, CancellationToken = cancellationToken },
            async (order, ct) =>
            {
                try
                {
                    read[order.OrderId] = await Client().GetOrderAsync(order.OrderId, Options(ct));
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    read[order.OrderId] = null;
                }
            });

        var checks = new List<InvariantCheck>();
        var missing = 0;
        var mismatched = new List<string>();
        foreach (var (orderId, ack) in _acknowledged)
        {
            var stored = read.GetValueOrDefault(orderId);
            if (stored is null)
            {
                // A rejected order holds nothing; if the grain chose not to keep it, nothing is lost.
                if (ack.Status != OrderStatus.Rejected)
                {
                    missing++;
                }

                continue;
            }

            var uncertain = _uncertain.ContainsKey(orderId);
            var sameState = stored.Version == ack.Version && stored.Status == ack.Status;

            // Moved on since the ack: only reservation expiry (or a follow-up whose reply we never saw) may do that.
            var movedOnLegitimately = stored.Version > ack.Version
                && (uncertain || (ack.Status is OrderStatus.PendingPayment && stored.Status == OrderStatus.Cancelled));
            if (!sameState && !movedOnLegitimately && mismatched.Count < 2_000)
            {
                mismatched.Add($"{orderId}: acknowledged {ack.Status} v{ack.Version}, read {stored.Status} v{stored.Version}");
            }
        }

        checks.Add(new InvariantCheck(
            "every acknowledged order is readable",
            missing == 0,
            $"{_acknowledged.Count.ToString(CultureInfo.InvariantCulture)} acknowledged, {missing.ToString(CultureInfo.InvariantCulture)} not found"));
        checks.Add(new InvariantCheck(
            "every acknowledged order is in the state it was acknowledged in (or expired since)",
            mismatched.Count == 0,
            mismatched.Count == 0 ? "all match" : string.Join("; ", mismatched.Take(5)) + (mismatched.Count > 5 ? $" and {mismatched.Count - 5} more" : string.Empty)));

        var live = read.Values.Where(o => o is not null && IsLive(o.Status)).Select(o => o!).ToList();
        var liveBySku = live.SelectMany(o => o.Allocations).GroupBy(a => a.Sku).ToDictionary(g => g.Key, g => g.Sum(a => (long)a.Quantity), StringComparer.Ordinal);
        var onHand = plan.OnHandBySku;
        var oversold = new List<string>();
        var reservedMismatch = new List<string>();
        foreach (var (sku, units) in onHand)
        {
            var availability = await Client().GetAvailabilityAsync(sku, Options(cancellationToken));
            var liveUnits = liveBySku.GetValueOrDefault(sku);
            if (liveUnits > units || availability.Reserved > availability.OnHand || availability.Available < 0)
            {
                oversold.Add($"{sku}: on hand {units}, live allocations {liveUnits}, reserved {availability.Reserved}");
            }

            if (availability.Reserved != liveUnits)
            {
                reservedMismatch.Add($"{sku}: reserved {availability.Reserved}, live allocations {liveUnits}");
            }
        }

        // An order whose PlaceOrder timed out mid-saga is still placing (status unspecified): its units may be held by the
        // SKU already, and the saga finishes on the next call or its reminder. Counted, so a mismatch below can be read.
        var placing = read.Values.Count(o => o is not null && o.Status == OrderStatus.Unspecified);
        checks.Add(new InvariantCheck(
            "no order left mid-placement",
            placing == 0,
            placing == 0 ? "none" : $"{placing} orders still placing (their PlaceOrder timed out; the saga resumes on the next call or reminder)"));
        checks.Add(new InvariantCheck("accepted units <= stock, per SKU", oversold.Count == 0, oversold.Count == 0 ? $"{onHand.Count} SKUs, none oversold" : string.Join("; ", oversold.Take(5))));
        checks.Add(new InvariantCheck("reserved stock = sum of live orders' allocations, per SKU", reservedMismatch.Count == 0, reservedMismatch.Count == 0 ? $"{onHand.Count} SKUs match" : string.Join("; ", reservedMismatch.Take(5))));
        checks.AddRange(CampaignChecks(plan, live));
        if (plan.Scenario == "flash-sale")
        {
            var measured = plan.MeasuredSkus;
            var units = onHand.Where(s => measured.Contains(s.Key)).Sum(s => s.Value);
            var acceptedUnits = liveBySku.Where(s => measured.Contains(s.Key)).Sum(s => s.Value);
            var perCustomer = plan.Campaigns.Count > 0 ? plan.Campaigns[0].PerCustomerLimit : int.MaxValue;
            var sent = plan.Phases.SelectMany(p => p.Orders).Where(o => _acknowledged.ContainsKey(o.OrderId) || _uncertain.ContainsKey(o.OrderId)).ToList();
            var demand = Math.Min(sent.Count, (long)sent.Select(o => o.CustomerId).Distinct(StringComparer.Ordinal).Count() * perCustomer);
            var expected = Math.Min(units, demand);
            checks.Add(new InvariantCheck("flash sale sold exactly the stock (no oversell, no unsold units while buyers remained)", acceptedUnits == expected, $"expected {expected}, accepted {acceptedUnits}"));
        }

        if (plan.Scenario == "expiry")
        {
            var pending = read.Values.Count(o => o is not null && o.Status == OrderStatus.PendingPayment);
            checks.Add(new InvariantCheck("every unpaid reservation expired", pending == 0, $"{pending} orders still pending payment after the reservation timeout"));
        }

        return checks;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    internal static IEnumerable<InvariantCheck> CampaignChecks(ScenarioPlan plan, IReadOnlyList<Order> live)
    {
        foreach (var campaign in plan.Campaigns)
        {
            var orders = live.Where(o => o.CampaignId == campaign.CampaignId).ToList();
            var perCustomer = orders.GroupBy(o => o.CustomerId).Select(g => (Customer: g.Key, Units: g.Sum(o => o.Lines.Sum(l => l.Quantity)))).ToList();
            var over = perCustomer.Where(c => c.Units > campaign.PerCustomerLimit).ToList();
            yield return new InvariantCheck(
                $"per-customer limit {campaign.PerCustomerLimit} held in campaign {campaign.CampaignId}",
                over.Count == 0,
                over.Count == 0 ? $"{perCustomer.Count} customers bought, none over the limit" : string.Join("; ", over.Take(5).Select(c => $"{c.Customer} bought {c.Units}")));
            var total = perCustomer.Sum(c => c.Units);
            yield return new InvariantCheck($"campaign quota {campaign.Quota} held", total <= campaign.Quota, $"{total} units sold under the campaign");
        }
    }

    private static bool IsLive(OrderStatus status) => status is OrderStatus.PendingPayment or OrderStatus.OnHold or OrderStatus.Paid;

    private async Task<CallOutcome> FollowUpAsync(PlannedOrder order, Func<OrderGrainsClient, Task<Order>> call)
    {
        var (reply, failure) = await CallAsync(order.OrderId, call);
        if (reply is null)
        {
            return failure;
        }

        _acknowledged[order.OrderId] = new Acknowledged(reply.Status, reply.Version);
        return CallOutcome.Accepted;
    }

    private async Task<(T? Reply, CallOutcome Failure)> CallAsync<T>(string orderId, Func<OrderGrainsClient, Task<T>> call)
        where T : class
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await call(Client()), default);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                if (attempt >= MaxThrottleRetries)
                {
                    return (null, new CallOutcome(OutcomeKind.Throttled, "RESOURCE_EXHAUSTED"));
                }

                Interlocked.Increment(ref _throttleRetries);
                var pushback = int.TryParse(ex.Trailers.GetValue(RetryPushbackTrailer), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : 50;
                if (pushback < 0)
                {
                    return (null, new CallOutcome(OutcomeKind.Throttled, "RESOURCE_EXHAUSTED (no retry)"));
                }

                await Task.Delay(pushback);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists)
            {
                // A definite answer: the call changed nothing.
                return (null, new CallOutcome(OutcomeKind.Error, ex.StatusCode.ToString()));
            }
            catch (RpcException ex)
            {
                // DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE (transport): the call may or may not have taken effect.
                _uncertain[orderId] = 0;
                return (null, new CallOutcome(OutcomeKind.Error, ex.StatusCode.ToString()));
            }
        }
    }

    private OrderGrainsClient Client() => _clients[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_clients.Length)];

    private CallOptions Options(CancellationToken cancellationToken) => OrderGrainsClient.Timeout(_callTimeout, cancellationToken);

    private readonly record struct Acknowledged(OrderStatus Status, long Version);
}
