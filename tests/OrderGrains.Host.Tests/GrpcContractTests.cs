using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using Grpc.Core;

namespace OrderGrains.Host.Tests;

/// <summary>The public contract (protos/ordergrains/v1) through our own client, on SQLite.</summary>
public sealed class GrpcContractTestsOnSqlite(SqliteGrpcContractHost host)
    : GrpcContractTests(host), IClassFixture<SqliteGrpcContractHost>;

/// <summary>The public contract (protos/ordergrains/v1) through our own client, on PostgreSQL.</summary>
public sealed class GrpcContractTestsOnPostgres(PostgresGrpcContractHost host)
    : GrpcContractTests(host), IClassFixture<PostgresGrpcContractHost>;

/// <summary>
/// Every RPC of the public contract through <see cref="OrderGrainsClient"/> against a real host: exact status codes,
/// and for every refused request a check that it changed nothing. Runs once per storage provider.
/// </summary>
public abstract class GrpcContractTests(GrpcContractHost fixture)
{
    // Comfortably above any healthy call; a call that needs longer is itself a finding.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    // A method the OrderIntake service does not have, called by name as a client built from another contract version would.
    private static readonly Method<Empty, Empty> ShipOrder = new(
        MethodType.Unary, "ordergrains.v1.OrderIntake", "ShipOrder", Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom));

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private OrderGrainsClient Client => fixture.Client;

    [Fact]
    public async Task Upsert_warehouse_returns_the_stored_warehouse()
    {
        var warehouse = new Warehouse { WarehouseId = NewId("wh"), Name = "Hamburg", Latitude = 53.55, Longitude = 9.99, Active = true };

        var stored = await Client.UpsertWarehouseAsync(warehouse, Deadline());

        Assert.Equal(warehouse, stored);
    }

    [Fact]
    public async Task Upsert_warehouse_without_id_is_invalid_argument_naming_the_field()
    {
        await AssertInvalidArgumentAsync("warehouse_id", () => Client.UpsertWarehouseAsync(new Warehouse { Name = "nameless" }, Deadline()));
    }

    [Fact]
    public async Task Set_stock_returns_the_availability_that_get_availability_reports()
    {
        var warehouseId = await WarehouseAsync();
        var sku = NewId("sku");

        var set = await Client.SetStockAsync(new SetStockRequest { WarehouseId = warehouseId, Sku = sku, OnHand = 7, SyncId = NewId("sync") }, Deadline());

        Assert.Equal((sku, 7, 0, 7), (set.Sku, set.OnHand, set.Reserved, set.Available));
        var split = Assert.Single(set.Warehouses);
        Assert.Equal((warehouseId, 7, 0, 7), (split.WarehouseId, split.OnHand, split.Reserved, split.Available));
        Assert.Equal(set, await Client.GetAvailabilityAsync(sku, Deadline()));
    }

    [Fact]
    public async Task Set_stock_replayed_with_the_same_sync_id_keeps_the_count()
    {
        var warehouseId = await WarehouseAsync();
        var sku = NewId("sku");
        var syncId = NewId("sync");
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = warehouseId, Sku = sku, OnHand = 7, SyncId = syncId }, Deadline());

        var replay = await Client.SetStockAsync(new SetStockRequest { WarehouseId = warehouseId, Sku = sku, OnHand = 99, SyncId = syncId }, Deadline());

        Assert.Equal(7, replay.OnHand);
        Assert.Equal(7, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Set_stock_for_an_unknown_warehouse_is_not_found_and_creates_no_stock()
    {
        var sku = NewId("sku");
        await AssertStatusAsync(
            StatusCode.NotFound,
            () => Client.SetStockAsync(new SetStockRequest { WarehouseId = NewId("no-such-wh"), Sku = sku, OnHand = 5, SyncId = NewId("sync") }, Deadline()));

        await AssertStatusAsync(StatusCode.NotFound, () => Client.GetAvailabilityAsync(sku, Deadline()));
    }

    [Fact]
    public async Task Set_stock_with_negative_on_hand_is_invalid_argument_naming_the_field()
    {
        var (sku, warehouseId) = await StockedSkuAsync(4);

        await AssertInvalidArgumentAsync(
            "on_hand",
            () => Client.SetStockAsync(new SetStockRequest { WarehouseId = warehouseId, Sku = sku, OnHand = -1, SyncId = NewId("sync") }, Deadline()));

        Assert.Equal(4, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Get_availability_of_a_sku_never_stocked_is_not_found()
    {
        await AssertStatusAsync(StatusCode.NotFound, () => Client.GetAvailabilityAsync(NewId("sku"), Deadline()));
    }

    [Fact]
    public async Task Get_availability_of_a_sku_never_stocked_stays_not_found_when_asked_again()
    {
        var sku = NewId("sku");
        await AssertStatusAsync(StatusCode.NotFound, () => Client.GetAvailabilityAsync(sku, Deadline()));

        // The second call reaches an activation that is already running, which takes another path in the runtime.
        await AssertStatusAsync(StatusCode.NotFound, () => Client.GetAvailabilityAsync(sku, Deadline()));
    }

    [Fact]
    public async Task Get_availability_without_sku_is_invalid_argument_naming_the_field()
    {
        await AssertInvalidArgumentAsync("sku", () => Client.GetAvailabilityAsync(string.Empty, Deadline()));
    }

    [Fact]
    public async Task Upsert_customer_returns_the_stored_customer()
    {
        var customer = new Customer { CustomerId = NewId("cust"), Name = "Grace", Tier = "b2b", CreditLimitMinor = 100_000 };

        Assert.Equal(customer, await Client.UpsertCustomerAsync(customer, Deadline()));
    }

    [Fact]
    public async Task Upsert_customer_with_negative_credit_limit_is_invalid_argument_naming_the_field()
    {
        await AssertInvalidArgumentAsync(
            "credit_limit_minor",
            () => Client.UpsertCustomerAsync(new Customer { CustomerId = NewId("cust"), CreditLimitMinor = -1 }, Deadline()));
    }

    [Fact]
    public async Task Upsert_campaign_returns_the_stored_campaign()
    {
        var (sku, _) = await StockedSkuAsync(5);
        var campaign = NewCampaign(sku, startsIn: TimeSpan.FromMinutes(-1), endsIn: TimeSpan.FromHours(1));

        Assert.Equal(campaign, await Client.UpsertCampaignAsync(campaign, Deadline()));
    }

    [Fact]
    public async Task Upsert_campaign_ending_before_it_starts_is_invalid_argument_naming_the_field()
    {
        var (sku, _) = await StockedSkuAsync(5);

        await AssertInvalidArgumentAsync(
            "ends_at",
            () => Client.UpsertCampaignAsync(NewCampaign(sku, startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromMinutes(1)), Deadline()));
    }

    [Fact]
    public async Task Place_order_with_stock_is_pending_payment_with_allocations_and_reservation_expiry()
    {
        var (sku, warehouseId) = await StockedSkuAsync(10);
        var customerId = await CustomerAsync();
        var request = OrderRequest(customerId, (sku, 3, 1250));
        var before = DateTimeOffset.UtcNow;

        var reply = await Client.PlaceOrderAsync(request, Deadline());

        var order = reply.Order;
        Assert.False(reply.Duplicate);
        Assert.Equal($"webshop:{request.ExternalOrderId}", order.OrderId);
        Assert.Equal((OrderStatus.PendingPayment, RejectReason.Unspecified, HoldReason.Unspecified), (order.Status, order.RejectReason, order.HoldReason));
        Assert.Equal(("webshop", request.ExternalOrderId, customerId, "EUR", 3750L), (order.Channel, order.ExternalOrderId, order.CustomerId, order.Currency, order.TotalMinor));
        // The order's lines also say what each costs (paid_minor, issue 13 §1); nothing was discounted.
        Assert.Equal(request.Lines.Select(l => new OrderLine(l) { PaidMinor = l.UnitPriceMinor * l.Quantity }), order.Lines);
        var allocation = Assert.Single(order.Allocations);
        Assert.Equal((sku, warehouseId, 3), (allocation.Sku, allocation.WarehouseId, allocation.Quantity));
        Assert.NotNull(order.ReservationExpiresAt);
        Assert.True(order.ReservationExpiresAt.ToDateTimeOffset() > order.CreatedAt.ToDateTimeOffset(), "The reservation must expire after placement.");
        Assert.True(order.ReservationExpiresAt.ToDateTimeOffset() > before, "The reservation must expire in the future.");
        Assert.True(order.Version >= 1, $"version {order.Version}");
        var availability = await Client.GetAvailabilityAsync(sku, Deadline());
        Assert.Equal((10, 3, 7), (availability.OnHand, availability.Reserved, availability.Available));
    }

    [Fact]
    public async Task Place_order_replayed_with_the_same_payload_returns_the_same_order_as_duplicate()
    {
        var (sku, _) = await StockedSkuAsync(10);
        var request = OrderRequest(await CustomerAsync(), (sku, 2, 100));
        var first = await Client.PlaceOrderAsync(request, Deadline());

        var replay = await Client.PlaceOrderAsync(request, Deadline());

        Assert.True(replay.Duplicate);
        Assert.Equal(first.Order, replay.Order);
        Assert.Equal(8, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_replayed_with_a_different_payload_is_already_exists_and_changes_nothing()
    {
        var (sku, _) = await StockedSkuAsync(10);
        var request = OrderRequest(await CustomerAsync(), (sku, 2, 100));
        var first = (await Client.PlaceOrderAsync(request, Deadline())).Order;
        var conflicting = request.Clone();
        conflicting.Lines[0].Quantity = 3;

        await AssertStatusAsync(StatusCode.AlreadyExists, () => Client.PlaceOrderAsync(conflicting, Deadline()));

        Assert.Equal(first, await Client.GetOrderAsync(first.OrderId, Deadline()));
        Assert.Equal(8, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_beyond_stock_is_rejected_out_of_stock_and_reserves_nothing()
    {
        var (sku, _) = await StockedSkuAsync(2);

        var order = (await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(), (sku, 3, 100)), Deadline())).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (order.Status, order.RejectReason));
        Assert.Empty(order.Allocations);
        Assert.Null(order.ReservationExpiresAt);
        Assert.Equal(2, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_with_an_unknown_sku_is_rejected_and_releases_the_known_lines()
    {
        var (sku, _) = await StockedSkuAsync(5);

        var order = (await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(), (sku, 1, 100), (NewId("no-such-sku"), 1, 100)), Deadline())).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.UnknownSku), (order.Status, order.RejectReason));
        Assert.Empty(order.Allocations);
        Assert.Equal(5, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_for_a_blocked_customer_is_rejected_and_reserves_nothing()
    {
        var (sku, _) = await StockedSkuAsync(5);

        var order = (await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(blocked: true), (sku, 1, 100)), Deadline())).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.CustomerBlocked), (order.Status, order.RejectReason));
        Assert.Equal(5, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_over_the_credit_limit_is_on_hold_and_keeps_its_stock()
    {
        var (sku, _) = await StockedSkuAsync(10);

        var order = (await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(creditLimitMinor: 500), (sku, 2, 300)), Deadline())).Order;

        Assert.Equal((OrderStatus.OnHold, HoldReason.CreditLimit), (order.Status, order.HoldReason));
        Assert.Single(order.Allocations);
        Assert.Equal(8, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_for_an_unknown_customer_is_not_found_and_reserves_nothing()
    {
        var (sku, _) = await StockedSkuAsync(5);

        await AssertStatusAsync(StatusCode.NotFound, () => Client.PlaceOrderAsync(OrderRequest(NewId("no-such-customer"), (sku, 1, 100)), Deadline()));

        Assert.Equal(5, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_in_an_active_campaign_is_priced_at_the_campaign_price()
    {
        var (sku, _) = await StockedSkuAsync(10);
        var campaign = await Client.UpsertCampaignAsync(NewCampaign(sku, startsIn: TimeSpan.FromMinutes(-1), endsIn: TimeSpan.FromHours(1)), Deadline());

        var order = (await Client.PlaceOrderAsync(WithCampaign(OrderRequest(await CustomerAsync(), (sku, 2, 1000)), campaign.CampaignId), Deadline())).Order;

        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal((500L, 1000L, campaign.CampaignId), (order.Lines[0].UnitPriceMinor, order.TotalMinor, order.CampaignId));
    }

    [Fact]
    public async Task Place_order_beyond_the_campaign_per_customer_limit_is_rejected_and_reserves_nothing()
    {
        var (sku, _) = await StockedSkuAsync(10);
        var campaign = await Client.UpsertCampaignAsync(NewCampaign(sku, startsIn: TimeSpan.FromMinutes(-1), endsIn: TimeSpan.FromHours(1)), Deadline());
        var customerId = await CustomerAsync();
        await Client.PlaceOrderAsync(WithCampaign(OrderRequest(customerId, (sku, 2, 1000)), campaign.CampaignId), Deadline());

        var order = (await Client.PlaceOrderAsync(WithCampaign(OrderRequest(customerId, (sku, 1, 1000)), campaign.CampaignId), Deadline())).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.CampaignLimitExceeded), (order.Status, order.RejectReason));
        Assert.Equal(8, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Place_order_before_the_campaign_starts_is_rejected_campaign_not_active()
    {
        var (sku, _) = await StockedSkuAsync(10);
        var campaign = await Client.UpsertCampaignAsync(NewCampaign(sku, startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2)), Deadline());

        var order = (await Client.PlaceOrderAsync(WithCampaign(OrderRequest(await CustomerAsync(), (sku, 1, 1000)), campaign.CampaignId), Deadline())).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.CampaignNotActive), (order.Status, order.RejectReason));
        Assert.Equal(10, await AvailableAsync(sku));
    }

    [Fact]
    public Task Place_order_without_channel_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("channel", r => r.Channel = string.Empty);

    [Fact]
    public Task Place_order_with_a_colon_in_the_channel_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("channel", r => r.Channel = "web:shop");

    [Fact]
    public Task Place_order_without_external_order_id_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("external_order_id", r => r.ExternalOrderId = string.Empty);

    [Fact]
    public Task Place_order_without_customer_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("customer_id", r => r.CustomerId = string.Empty);

    [Fact]
    public Task Place_order_without_lines_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("lines", r => r.Lines.Clear());

    [Fact]
    public Task Place_order_with_quantity_zero_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("lines[0].quantity", r => r.Lines[0].Quantity = 0);

    [Fact]
    public Task Place_order_with_negative_quantity_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("lines[0].quantity", r => r.Lines[0].Quantity = -5);

    [Fact]
    public Task Place_order_with_negative_unit_price_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("lines[0].unit_price_minor", r => r.Lines[0].UnitPriceMinor = -1);

    [Fact]
    public Task Place_order_with_the_same_sku_on_two_lines_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("lines[1].sku", r => r.Lines.Add(r.Lines[0].Clone()));

    [Fact]
    public Task Place_order_with_a_lower_case_currency_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("currency", r => r.Currency = "eur");

    [Fact]
    public Task Place_order_without_currency_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("currency", r => r.Currency = string.Empty);

    [Fact]
    public Task Place_order_without_ship_to_is_invalid_argument_naming_the_field() =>
        AssertMalformedPlaceOrderAsync("ship_to", r => r.ShipTo = null);

    [Fact]
    public async Task Get_order_after_a_malformed_place_order_is_not_found()
    {
        var (sku, _) = await StockedSkuAsync(5);
        var request = OrderRequest(await CustomerAsync(), (sku, 0, 100));
        await AssertInvalidArgumentAsync("lines[0].quantity", () => Client.PlaceOrderAsync(request, Deadline()));

        await AssertStatusAsync(StatusCode.NotFound, () => Client.GetOrderAsync($"webshop:{request.ExternalOrderId}", Deadline()));
    }

    [Fact]
    public async Task Get_order_returns_the_placed_order()
    {
        var (order, _) = await PlacedOrderAsync();

        Assert.Equal(order, await Client.GetOrderAsync(order.OrderId, Deadline()));
    }

    [Fact]
    public async Task Get_order_of_an_unknown_id_is_not_found()
    {
        await AssertStatusAsync(StatusCode.NotFound, () => Client.GetOrderAsync("webshop:" + NewId("never-placed"), Deadline()));
    }

    [Fact]
    public async Task Get_order_without_id_is_invalid_argument_naming_the_field()
    {
        await AssertInvalidArgumentAsync("order_id", () => Client.GetOrderAsync(string.Empty, Deadline()));
    }

    [Fact]
    public async Task Confirm_payment_with_a_wrong_amount_is_invalid_argument_and_leaves_the_order_unpaid()
    {
        var (order, _) = await PlacedOrderAsync();

        await AssertInvalidArgumentAsync("amount_minor", () => Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor - 1), Deadline()));

        Assert.Equal(order, await Client.GetOrderAsync(order.OrderId, Deadline()));
    }

    [Fact]
    public async Task Confirm_payment_of_the_total_marks_the_order_paid_and_clears_the_expiry()
    {
        var (order, sku) = await PlacedOrderAsync(onHand: 10, quantity: 2);

        var paid = await Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor), Deadline());

        Assert.Equal(OrderStatus.Paid, paid.Status);
        Assert.Equal(order.Version + 1, paid.Version);
        Assert.Null(paid.ReservationExpiresAt);
        Assert.Equal(order.Allocations, paid.Allocations);
        Assert.Equal(paid, await Client.GetOrderAsync(order.OrderId, Deadline()));
        Assert.Equal(8, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Confirm_payment_replayed_with_the_same_reference_returns_the_order_unchanged()
    {
        var (order, _) = await PlacedOrderAsync();
        var payment = Payment(order, NewId("pay"), order.TotalMinor);
        var paid = await Client.ConfirmPaymentAsync(payment, Deadline());

        Assert.Equal(paid, await Client.ConfirmPaymentAsync(payment, Deadline()));
    }

    [Fact]
    public async Task Confirm_payment_replayed_with_the_same_reference_and_another_amount_is_already_exists()
    {
        var (order, _) = await PlacedOrderAsync();
        var reference = NewId("pay");
        var paid = await Client.ConfirmPaymentAsync(Payment(order, reference, order.TotalMinor), Deadline());

        await AssertStatusAsync(StatusCode.AlreadyExists, () => Client.ConfirmPaymentAsync(Payment(order, reference, order.TotalMinor + 1), Deadline()));

        Assert.Equal(paid, await Client.GetOrderAsync(order.OrderId, Deadline()));
    }

    [Fact]
    public async Task Confirm_payment_of_a_paid_order_with_another_reference_is_failed_precondition()
    {
        var (order, _) = await PlacedOrderAsync();
        var paid = await Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor), Deadline());

        var error = await AssertStatusAsync(StatusCode.FailedPrecondition, () => Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor), Deadline()));

        Assert.Contains("from PAID to PAID", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(paid, await Client.GetOrderAsync(order.OrderId, Deadline()));
    }

    [Fact]
    public async Task Confirm_payment_of_a_cancelled_order_is_failed_precondition_naming_both_states()
    {
        var (order, sku) = await PlacedOrderAsync(onHand: 10, quantity: 2);
        var cancelled = await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = order.OrderId, Reason = "test" }, Deadline());

        var error = await AssertStatusAsync(StatusCode.FailedPrecondition, () => Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor), Deadline()));

        Assert.Contains("from CANCELLED to PAID", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(cancelled, await Client.GetOrderAsync(order.OrderId, Deadline()));
        Assert.Equal(10, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Confirm_payment_of_an_order_on_hold_is_failed_precondition()
    {
        var (sku, _) = await StockedSkuAsync(10);
        var held = (await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(creditLimitMinor: 100), (sku, 1, 300)), Deadline())).Order;
        Assert.Equal(OrderStatus.OnHold, held.Status);

        await AssertStatusAsync(StatusCode.FailedPrecondition, () => Client.ConfirmPaymentAsync(Payment(held, NewId("pay"), held.TotalMinor), Deadline()));

        Assert.Equal(held, await Client.GetOrderAsync(held.OrderId, Deadline()));
    }

    [Fact]
    public async Task Confirm_payment_of_an_unknown_order_is_not_found()
    {
        var request = new ConfirmPaymentRequest { OrderId = "webshop:" + NewId("never-placed"), PaymentReference = NewId("pay"), AmountMinor = 100 };

        await AssertStatusAsync(StatusCode.NotFound, () => Client.ConfirmPaymentAsync(request, Deadline()));
    }

    [Fact]
    public async Task Confirm_payment_without_payment_reference_is_invalid_argument_naming_the_field()
    {
        var (order, _) = await PlacedOrderAsync();

        await AssertInvalidArgumentAsync("payment_reference", () => Client.ConfirmPaymentAsync(Payment(order, string.Empty, order.TotalMinor), Deadline()));

        Assert.Equal(order, await Client.GetOrderAsync(order.OrderId, Deadline()));
    }

    [Fact]
    public async Task Cancel_order_releases_reserved_stock()
    {
        var (order, sku) = await PlacedOrderAsync(onHand: 10, quantity: 4);
        Assert.Equal(6, await AvailableAsync(sku));

        var cancelled = await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = order.OrderId, Reason = "customer asked" }, Deadline());

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal(order.Version + 1, cancelled.Version);
        Assert.Empty(cancelled.Allocations);
        Assert.Null(cancelled.ReservationExpiresAt);
        Assert.Equal(10, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Cancel_order_twice_returns_the_cancelled_order_unchanged()
    {
        var (order, sku) = await PlacedOrderAsync(onHand: 10, quantity: 4);
        var cancelled = await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = order.OrderId }, Deadline());

        Assert.Equal(cancelled, await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = order.OrderId, Reason = "again" }, Deadline()));
        Assert.Equal(10, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Cancel_paid_order_releases_its_stock()
    {
        var (order, sku) = await PlacedOrderAsync(onHand: 10, quantity: 4);
        await Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor), Deadline());

        var cancelled = await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = order.OrderId }, Deadline());

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal(10, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Cancel_rejected_order_is_failed_precondition_and_changes_nothing()
    {
        var (sku, _) = await StockedSkuAsync(1);
        var rejected = (await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(), (sku, 2, 100)), Deadline())).Order;

        await AssertStatusAsync(StatusCode.FailedPrecondition, () => Client.CancelOrderAsync(new CancelOrderRequest { OrderId = rejected.OrderId }, Deadline()));

        Assert.Equal(rejected, await Client.GetOrderAsync(rejected.OrderId, Deadline()));
    }

    [Fact]
    public async Task Cancel_unknown_order_is_not_found()
    {
        await AssertStatusAsync(StatusCode.NotFound, () => Client.CancelOrderAsync(new CancelOrderRequest { OrderId = "webshop:" + NewId("never-placed") }, Deadline()));
    }

    [Fact]
    public async Task Cancel_order_without_id_is_invalid_argument_naming_the_field()
    {
        await AssertInvalidArgumentAsync("order_id", () => Client.CancelOrderAsync(new CancelOrderRequest(), Deadline()));
    }

    [Fact]
    public async Task Watch_order_sends_the_current_order_then_each_change_and_ends_when_cancelled()
    {
        var (order, _) = await PlacedOrderAsync();
        await using var watch = Client.WatchOrderAsync(order.OrderId, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(90))).GetAsyncEnumerator();

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(order, watch.Current);

        // Generous deadlines: this test is about what the stream carries; how promptly writes get through is the next test's.
        await Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor), OrderGrainsClient.Timeout(TimeSpan.FromSeconds(40)));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((OrderStatus.Paid, order.Version + 1), (watch.Current.Status, watch.Current.Version));

        await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = order.OrderId }, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(40)));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((OrderStatus.Cancelled, order.Version + 2), (watch.Current.Status, watch.Current.Version));

        Assert.False(await watch.MoveNextAsync());
    }

    [Fact]
    public async Task Confirm_payment_is_not_held_up_by_an_open_watch_of_the_order()
    {
        var (order, _) = await PlacedOrderAsync();
        await using var watch = Client.WatchOrderAsync(order.OrderId, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(60))).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());

        var paid = await Client.ConfirmPaymentAsync(Payment(order, NewId("pay"), order.TotalMinor), OrderGrainsClient.Timeout(TimeSpan.FromSeconds(5)));

        Assert.Equal(OrderStatus.Paid, paid.Status);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(paid, watch.Current);
    }

    [Fact]
    public async Task Watch_order_of_a_rejected_order_sends_it_once_and_ends()
    {
        var (sku, _) = await StockedSkuAsync(1);
        var rejected = (await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(), (sku, 2, 100)), Deadline())).Order;

        var messages = await ToListAsync(Client.WatchOrderAsync(rejected.OrderId, Deadline()));

        Assert.Equal([rejected], messages);
    }

    [Fact]
    public async Task Watch_order_of_an_unknown_order_is_not_found()
    {
        await AssertStatusAsync(StatusCode.NotFound, () => ToListAsync(Client.WatchOrderAsync("webshop:" + NewId("never-placed"), Deadline())));
    }

    [Fact]
    public async Task Watch_order_without_id_is_invalid_argument_naming_the_field()
    {
        await AssertInvalidArgumentAsync("order_id", () => ToListAsync(Client.WatchOrderAsync(string.Empty, Deadline())));
    }

    [Fact]
    public async Task Watch_order_past_its_deadline_ends_with_deadline_exceeded_after_the_current_order()
    {
        var (order, _) = await PlacedOrderAsync();
        var received = new List<Order>();

        await AssertStatusAsync(StatusCode.DeadlineExceeded, async () =>
        {
            await foreach (var message in Client.WatchOrderAsync(order.OrderId, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(1))))
            {
                received.Add(message);
            }
        });

        Assert.Equal([order], received);
    }

    [Fact]
    public async Task Call_with_a_tiny_deadline_is_deadline_exceeded()
    {
        await AssertStatusAsync(
            StatusCode.DeadlineExceeded,
            () => Client.GetOrderAsync("webshop:" + NewId("x"), OrderGrainsClient.Timeout(TimeSpan.FromTicks(10))));
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_served()
    {
        var (sku, _) = await StockedSkuAsync(10);
        using var gzip = fixture.Host.ClientWith(fixture.Host.Token, compressRequests: true);
        var request = OrderRequest(await CustomerAsync(), (sku, 1, 100));
        request.ShipTo.Recipient = string.Concat(Enumerable.Repeat("Ada ", 20_000));

        var placed = (await gzip.PlaceOrderAsync(request, Deadline())).Order;

        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        Assert.Equal(placed, await gzip.GetOrderAsync(placed.OrderId, Deadline()));
        await using var watch = gzip.WatchOrderAsync(placed.OrderId, Deadline()).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(placed, watch.Current);
        Assert.Equal(9, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Unknown_method_of_a_real_service_is_unimplemented()
    {
        await AssertStatusAsync(
            StatusCode.Unimplemented,
            () => Client.Channel.CreateCallInvoker().AsyncUnaryCall(ShipOrder, null, Deadline(), new Empty()).ResponseAsync);
    }

    [Fact]
    public async Task Place_order_over_the_4_MiB_receive_limit_is_resource_exhausted_and_creates_nothing()
    {
        var (sku, _) = await StockedSkuAsync(10);
        var request = OrderRequest(await CustomerAsync(), (sku, 1, 100));
        request.ShipTo.Recipient = new string('x', OrderGrainsClientOptions.DefaultMaxMessageSize + 1);

        await AssertStatusAsync(StatusCode.ResourceExhausted, () => Client.PlaceOrderAsync(request, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30))));

        Assert.Equal(10, await AvailableAsync(sku));
    }

    [Fact]
    public async Task Healthz_on_the_admin_port_returns_200()
    {
        using var http = new HttpClient { Timeout = CallTimeout };

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{fixture.Host.AdminPort}/healthz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static CallOptions Deadline() => OrderGrainsClient.Timeout(CallTimeout);

    private static async Task<RpcException> AssertStatusAsync(StatusCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == error.StatusCode, $"Expected {expected}, got {error.StatusCode}: {error.Status.Detail}");
        return error;
    }

    /// <summary>INVALID_ARGUMENT whose detail starts with the wire name of the field (DomainExceptionMapper: "field: reason").</summary>
    private static async Task AssertInvalidArgumentAsync(string field, Func<Task> call)
    {
        var error = await AssertStatusAsync(StatusCode.InvalidArgument, call);
        Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<List<Order>> ToListAsync(IAsyncEnumerable<Order> stream)
    {
        var list = new List<Order>();
        await foreach (var order in stream)
        {
            list.Add(order);
        }

        return list;
    }

    private static ConfirmPaymentRequest Payment(Order order, string reference, long amountMinor) =>
        new() { OrderId = order.OrderId, PaymentReference = reference, AmountMinor = amountMinor };

    /// <summary>Spoils an otherwise valid order and checks it is refused naming <paramref name="field"/>, with stock untouched.</summary>
    private async Task AssertMalformedPlaceOrderAsync(string field, Action<PlaceOrderRequest> spoil)
    {
        var (sku, _) = await StockedSkuAsync(10);
        var request = OrderRequest(await CustomerAsync(), (sku, 1, 100));
        spoil(request);

        await AssertInvalidArgumentAsync(field, () => Client.PlaceOrderAsync(request, Deadline()));

        Assert.Equal(10, await AvailableAsync(sku));
    }

    private string NewId(string prefix) => $"{prefix}-{_run}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<int> AvailableAsync(string sku) => (await Client.GetAvailabilityAsync(sku, Deadline())).Available;

    private async Task<string> WarehouseAsync()
    {
        var warehouse = new Warehouse { WarehouseId = NewId("wh"), Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true };
        return (await Client.UpsertWarehouseAsync(warehouse, Deadline())).WarehouseId;
    }

    private async Task<(string Sku, string WarehouseId)> StockedSkuAsync(int onHand)
    {
        var warehouseId = await WarehouseAsync();
        var sku = NewId("sku");
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = warehouseId, Sku = sku, OnHand = onHand, SyncId = NewId("sync") }, Deadline());
        return (sku, warehouseId);
    }

    private async Task<string> CustomerAsync(long creditLimitMinor = 0, bool blocked = false)
    {
        var customer = new Customer { CustomerId = NewId("cust"), Name = "Ada", Tier = "gold", CreditLimitMinor = creditLimitMinor, Blocked = blocked };
        return (await Client.UpsertCustomerAsync(customer, Deadline())).CustomerId;
    }

    private Campaign NewCampaign(string sku, TimeSpan startsIn, TimeSpan endsIn)
    {
        var now = DateTimeOffset.UtcNow;

        // Whole seconds: the stored campaign must compare equal to the request after a round trip through the domain.
        var startsAt = DateTimeOffset.FromUnixTimeSeconds((now + startsIn).ToUnixTimeSeconds());
        var endsAt = DateTimeOffset.FromUnixTimeSeconds((now + endsIn).ToUnixTimeSeconds());
        return new Campaign
        {
            CampaignId = NewId("camp"),
            Sku = sku,
            PriceMinor = 500,
            Quota = 5,
            PerCustomerLimit = 2,
            StartsAt = Timestamp.FromDateTimeOffset(startsAt),
            EndsAt = Timestamp.FromDateTimeOffset(endsAt),
        };
    }

    private PlaceOrderRequest OrderRequest(string customerId, params (string Sku, int Quantity, long UnitPriceMinor)[] lines)
    {
        var request = new PlaceOrderRequest
        {
            Channel = "webshop",
            ExternalOrderId = NewId("ext"),
            CustomerId = customerId,
            Currency = "EUR",
            ShipTo = new Address
            {
                Recipient = "Ada Lovelace",
                Line1 = "Unter den Linden 1",
                City = "Berlin",
                Region = "BE",
                Country = "DE",
                PostalCode = "10117",
                Latitude = 52.5,
                Longitude = 13.4,
            },
        };
        foreach (var (sku, quantity, price) in lines)
        {
            request.Lines.Add(new OrderLine { Sku = sku, Quantity = quantity, UnitPriceMinor = price });
        }

        return request;
    }

    private async Task<(Order Order, string Sku)> PlacedOrderAsync(int onHand = 10, int quantity = 2)
    {
        var (sku, _) = await StockedSkuAsync(onHand);
        var reply = await Client.PlaceOrderAsync(OrderRequest(await CustomerAsync(), (sku, quantity, 1999)), Deadline());
        Assert.Equal(OrderStatus.PendingPayment, reply.Order.Status);
        return (reply.Order, sku);
    }

    private static PlaceOrderRequest WithCampaign(PlaceOrderRequest request, string campaignId)
    {
        request.CampaignId = campaignId;
        return request;
    }
}
