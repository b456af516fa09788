using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.LoadTests.Metrics;
using OrderGrains.LoadTests.Scenarios;

namespace OrderGrains.LoadTests.Targets;

/// <summary>
/// OrderGrains over its public gRPC contract, through several typed clients per endpoint (one GrpcChannel each, each
/// opening more HTTP/2 connections as its calls outgrow one connection's stream limit). With several endpoints, order
/// i goes to endpoint <c>i % count</c> (per key, so an order's calls meet the same node while it lives) and each
/// re-send of a PlaceOrder that got no definite answer goes to the next endpoint, skipping one that just refused
/// connections, as a channel adapter configured with several nodes would.
/// </summary>
public sealed class OrderGrainsTarget : IOrderTarget
{
    /// <summary>The trailer a throttled call carries: how long to wait before retrying.</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    private const int MaxThrottleRetries = 4;
    private const int SetupParallelism = 256;
    private const int ResendSample = 500;
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(60);

    // How long an endpoint that refused a connection is skipped before it is tried again.
    private static readonly TimeSpan EndpointDownFor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Endpoint[] _endpoints;
    private readonly TimeSpan _callTimeout;
    private readonly int _retries;

    // What each acknowledged call told us, by order id: the state the order must still be readable in.
    private readonly ConcurrentDictionary<string, Acknowledged> _acknowledged = new(StringComparer.Ordinal);

    // Orders whose last call ended without a reply (timeout, transport error): any state is legitimate, but it counts.
    private readonly ConcurrentDictionary<string, byte> _uncertain = new(StringComparer.Ordinal);
    private long _next;
    private long _throttleRetries;
    private long _resends;

    public OrderGrainsTarget(Uri address, int clients, TimeSpan callTimeout, OrderGrainsClientOptions? clientOptions = null)
        : this([address], clients, callTimeout, clientOptions, retries: 0)
    {
    }

    public OrderGrainsTarget(IReadOnlyList<Uri> addresses, int clients, TimeSpan callTimeout, OrderGrainsClientOptions? clientOptions, int retries)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentOutOfRangeException.ThrowIfZero(addresses.Count);
        _endpoints = addresses.Select(a => new Endpoint(a, Enumerable.Range(0, clients).Select(_ => new OrderGrainsClient(a, clientOptions)).ToArray())).ToArray();
        _callTimeout = callTimeout;
        _retries = retries;
    }

    /// <summary>Every failed attempt's status, and the keys that failed, for outage figures.</summary>
    public KeyOutages Outages { get; } = new();

    /// <summary>PlaceOrder calls sent again after a failure without a definite answer.</summary>
    public long Resends => Interlocked.Read(ref _resends);

    /// <summary>
    /// Takes an endpoint out for good (its silo was killed): setup and verification reads use the others, and orders
    /// homed on it start at the next one. Until this is called, a dead endpoint is found the way a client finds it.
    /// </summary>
    public void Retire(int endpoint) => _endpoints[endpoint].Retired = true;

    /// <summary>After verifying, re-send up to 500 acknowledged PlaceOrders (those that failed first, then a sample) and check each returns its original outcome.</summary>
    public bool ResendOnVerify { get; set; }

    public string Name => "ordergrains";

    public string Description =>
        "OrderGrains over gRPC (HTTP/2, h2c): PlaceOrder on the order grain, which reserves the campaign quota, the stock " +
        "on the SKU grain (nearest warehouse that can fill each line) and checks the customer; the reply comes after the " +
        "grains' state is durable. Follow-ups are ConfirmPayment and CancelOrder on the same order.";

    /// <summary>Calls retried after RESOURCE_EXHAUSTED with a retry hint.</summary>
    public long ThrottleRetries => Interlocked.Read(ref _throttleRetries);

    public async Task SetupAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        var client = Client();
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
        var request = PlaceRequest(order);
        var (reply, failure) = await CallAsync(order.OrderId, order.Index, _retries, c => c.PlaceOrderAsync(request, Options(cancellationToken)), trackKey: true);
        if (reply is null)
        {
            return failure;
        }

        var placed = reply.Order;
        _acknowledged[order.OrderId] = new Acknowledged(placed.Status, placed.Version, placed.RejectReason);
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
        if (ResendOnVerify)
        {
            checks.Add(await ResendCheckAsync(plan, cancellationToken));
        }

        return checks;
    }

    private async Task<List<InvariantCheck>> VerifyOnceAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        var attempted = plan.AllOrders.Where(o => _acknowledged.ContainsKey(o.OrderId) || _uncertain.ContainsKey(o.OrderId)).ToList();
        var endpoints = Enumerable.Range(0, _endpoints.Length).Where(i => !_endpoints[i].Retired).ToList();
        var read = await ReadAllAsync(attempted, endpoints[0], cancellationToken);
        var checks = new List<InvariantCheck>();
        if (endpoints.Count > 1)
        {
            // Every survivor must route to the one activation of each order: the same state through every node.
            var differing = new List<string>();
            foreach (var endpoint in endpoints.Skip(1))
            {
                var other = await ReadAllAsync(attempted, endpoint, cancellationToken);
                differing.AddRange(read
                    .Where(r => _acknowledged.ContainsKey(r.Key) && !SameState(r.Value, other.GetValueOrDefault(r.Key)))
                    .Select(r => $"{r.Key} via {_endpoints[endpoint].Address}: {Describe(other.GetValueOrDefault(r.Key))}, via {_endpoints[endpoints[0]].Address}: {Describe(r.Value)}"));
            }

            checks.Add(new InvariantCheck(
                $"every acknowledged order reads the same through each of the {endpoints.Count} live endpoints",
                differing.Count == 0,
                differing.Count == 0 ? $"{_acknowledged.Count} orders read through {string.Join(", ", endpoints.Select(e => _endpoints[e].Address.ToString()))}" : string.Join("; ", differing.Take(5)) + (differing.Count > 5 ? $" and {differing.Count - 5} more" : string.Empty)));
        }

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
            var availability = await ReadAsync(Client(), c => c.GetAvailabilityAsync(sku, Options(cancellationToken)), cancellationToken);
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
        foreach (var client in _endpoints.SelectMany(e => e.Clients))
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

    private async Task<CallOutcome> FollowUpAsync(PlannedOrder order, Func<OrderGrainsClient, Task<Order>> call)
    {
        // Pay and cancel are not re-sent: their outcome after an unanswered attempt is the verification's to find.
        var (reply, failure) = await CallAsync(order.OrderId, order.Index, retries: 0, call, trackKey: false);
        if (reply is null)
        {
            return failure;
        }

        _acknowledged[order.OrderId] = new Acknowledged(reply.Status, reply.Version, reply.RejectReason);
        return CallOutcome.Accepted;
    }

    internal static PlaceOrderRequest PlaceRequest(PlannedOrder order)
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

        return request;
    }

    /// <summary>
    /// One call, re-sent after RESOURCE_EXHAUSTED (up to 4 times, after the server's pushback) and, up to
    /// <paramref name="retries"/> times, after a failure that is no definite answer, each time to the next endpoint.
    /// </summary>
    private async Task<(T? Reply, CallOutcome Failure)> CallAsync<T>(string orderId, int home, int retries, Func<OrderGrainsClient, Task<T>> call, bool trackKey)
        where T : class
    {
        var firstAttempt = Stopwatch.GetTimestamp();
        var throttled = 0;
        for (var attempt = 0; ; attempt++)
        {
            var endpoint = Pick(home, attempt);
            try
            {
                var reply = await call(_endpoints[endpoint].Client(ref _next));
                if (attempt > 0)
                {
                    _uncertain.TryRemove(orderId, out _);
                    Outages.Succeeded(orderId, Stopwatch.GetTimestamp());
                }

                return (reply, default);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                Outages.Seen(ex.StatusCode);
                if (throttled++ >= MaxThrottleRetries)
                {
                    return (null, new CallOutcome(OutcomeKind.Throttled, "RESOURCE_EXHAUSTED"));
                }

                Interlocked.Increment(ref _throttleRetries);
                var pushback = Pushback(ex) ?? 50;
                if (pushback < 0)
                {
                    return (null, new CallOutcome(OutcomeKind.Throttled, "RESOURCE_EXHAUSTED (no retry)"));
                }

                attempt--;
                await Task.Delay(pushback);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists
                or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.OutOfRange or StatusCode.Unimplemented)
            {
                // A definite answer: the call changed nothing.
                Outages.Seen(ex.StatusCode);
                return (null, new CallOutcome(OutcomeKind.Error, ex.StatusCode.ToString()));
            }
            catch (RpcException ex)
            {
                // DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE, INTERNAL, ABORTED: the call may or may not have taken effect.
                var now = Stopwatch.GetTimestamp();
                Outages.Seen(ex.StatusCode);
                if (trackKey)
                {
                    Outages.Failed(orderId, firstAttempt, now);
                }

                _uncertain[orderId] = 0;
                if (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is HttpRequestException)
                {
                    // The connection was refused or broke: skip the node for a moment, as a client-side balancer would.
                    _endpoints[endpoint].DownUntil = now + (long)(EndpointDownFor.TotalSeconds * Stopwatch.Frequency);
                }

                if (attempt >= retries || ex.StatusCode == StatusCode.Cancelled && ex.Status.DebugException is OperationCanceledException)
                {
                    return (null, new CallOutcome(OutcomeKind.Error, ex.StatusCode.ToString()));
                }

                Interlocked.Increment(ref _resends);
                var backoff = Math.Min(MaxRetryDelay.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(attempt, 10)));
                await Task.Delay(TimeSpan.FromMilliseconds(Pushback(ex) ?? backoff));
            }
        }
    }

    private static int? Pushback(RpcException ex) =>
        int.TryParse(ex.Trailers.GetValue(RetryPushbackTrailer), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms) ? ms : null;

    /// <summary>The endpoint for an order's attempt: its home, then the next ones, skipping retired and recently refusing ones.</summary>
    private int Pick(int home, int attempt)
    {
        var count = _endpoints.Length;
        var first = (int)(((long)home + attempt) % count);
        var now = Stopwatch.GetTimestamp();
        var fallback = -1;
        for (var step = 0; step < count; step++)
        {
            var i = (first + step) % count;
            if (_endpoints[i].Retired)
            {
                continue;
            }

            if (_endpoints[i].DownUntil <= now)
            {
                return i;
            }

            fallback = fallback < 0 ? i : fallback;
        }

        return fallback < 0 ? first : fallback;
    }

    /// <summary>Reads every order in <paramref name="orders"/> through <paramref name="endpoint"/>; null for one not found.</summary>
    private async Task<ConcurrentDictionary<string, Order?>> ReadAllAsync(IReadOnlyList<PlannedOrder> orders, int endpoint, CancellationToken cancellationToken)
    {
        var read = new ConcurrentDictionary<string, Order?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            orders,
            new ParallelOptions { MaxDegreeOfParallelism = SetupParallelism, CancellationToken = cancellationToken },
            async (order, ct) =>
            {
                try
                {
                    read[order.OrderId] = await ReadAsync(_endpoints[endpoint].Client(ref _next), c => c.GetOrderAsync(order.OrderId, Options(ct)), ct);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    read[order.OrderId] = null;
                }
            });
        return read;
    }

    /// <summary>A read, repeated for up to ~10 s while the cluster answers UNAVAILABLE or times out (a silo just died).</summary>
    private static async Task<T> ReadAsync<T>(OrderGrainsClient client, Func<OrderGrainsClient, Task<T>> read, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read(client);
            }
            catch (RpcException ex) when (attempt < 20 && ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.Internal or StatusCode.Unknown)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Sends up to <see cref="ResendSample"/> acknowledged PlaceOrders again, same (channel, external_order_id), each to
    /// another live endpoint than its home: first every order that failed on the way, then a spread of the others.
    /// Each must come back as the duplicate it is, in the state it was acknowledged in.
    /// </summary>
    private async Task<InvariantCheck> ResendCheckAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        var acknowledged = plan.Phases.SelectMany(p => p.Orders).Where(o => _acknowledged.ContainsKey(o.OrderId)).ToList();
        var failedFirst = acknowledged.Where(o => Outages.HadFailures(o.OrderId)).ToList();
        var others = acknowledged.Where(o => !Outages.HadFailures(o.OrderId)).ToList();
        var stride = Math.Max(1, others.Count / Math.Max(1, ResendSample - failedFirst.Count));
        var sample = failedFirst.Take(ResendSample).Concat(others.Where((_, i) => i % stride == 0)).Take(ResendSample).ToList();
        var wrong = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            sample,
            new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
            async (order, ct) =>
            {
                var ack = _acknowledged[order.OrderId];
                var request = PlaceRequest(order);
                var (reply, failure) = await CallAsync(order.OrderId, order.Index + 1, Math.Max(_retries, 5), c => c.PlaceOrderAsync(request, Options(ct)), trackKey: false);
                if (reply is null)
                {
                    wrong.Add($"{order.OrderId}: re-send failed with {failure.Reason}");
                }
                else if (!reply.Duplicate || reply.Order.Status != ack.Status || reply.Order.RejectReason != ack.RejectReason
                    || (reply.Order.Version != ack.Version && !MovedOnLegitimately(order.OrderId, ack, reply.Order)))
                {
                    wrong.Add($"{order.OrderId}: acknowledged {ack.Status} {ack.RejectReason} v{ack.Version}, re-send answered {(reply.Duplicate ? "duplicate" : "NEW")} {reply.Order.Status} {reply.Order.RejectReason} v{reply.Order.Version}");
                }
            });
        return new InvariantCheck(
            "a re-sent (channel, external_order_id) returns the original outcome",
            wrong.IsEmpty,
            wrong.IsEmpty
                ? $"{sample.Count} re-sent through another endpoint ({Math.Min(failedFirst.Count, sample.Count)} of them had failed on the way): each a duplicate with its acknowledged outcome"
                : string.Join("; ", wrong.Take(5)) + (wrong.Count > 5 ? $" and {wrong.Count - 5} more" : string.Empty));
    }

    private bool MovedOnLegitimately(string orderId, Acknowledged ack, Order stored) =>
        stored.Version > ack.Version && (_uncertain.ContainsKey(orderId) || (ack.Status is OrderStatus.PendingPayment && stored.Status == OrderStatus.Cancelled));

    private static bool SameState(Order? a, Order? b) => a is null ? b is null : b is not null && a.Status == b.Status && a.Version == b.Version;

    private static string Describe(Order? order) => order is null ? "not found" : $"{order.Status} v{order.Version}";

    private static bool IsLive(OrderStatus status) => status is OrderStatus.PendingPayment or OrderStatus.OnHold or OrderStatus.Paid;

    /// <summary>A setup or verification client: round-robin over the live endpoints and their clients.</summary>
    private OrderGrainsClient Client()
    {
        var live = _endpoints.Where(e => !e.Retired).ToArray();
        var endpoint = live.Length == 0 ? _endpoints[0] : live[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)live.Length)];
        return endpoint.Client(ref _next);
    }

    private CallOptions Options(CancellationToken cancellationToken) => OrderGrainsClient.Timeout(_callTimeout, cancellationToken);

    private readonly record struct Acknowledged(OrderStatus Status, long Version, RejectReason RejectReason);

    /// <summary>One node's clients; <see cref="DownUntil"/> (a Stopwatch timestamp) is set when it refuses connections.</summary>
    private sealed class Endpoint(Uri address, OrderGrainsClient[] clients)
    {
        private long _downUntil;
        private volatile bool _retired;

        public Uri Address { get; } = address;

        public OrderGrainsClient[] Clients { get; } = clients;

        public bool Retired
        {
            get => _retired;
            set => _retired = value;
        }

        public long DownUntil
        {
            get => Interlocked.Read(ref _downUntil);
            set => Interlocked.Exchange(ref _downUntil, value);
        }

        public OrderGrainsClient Client(ref long next) => Clients[(int)((ulong)Interlocked.Increment(ref next) % (ulong)Clients.Length)];
    }
}
