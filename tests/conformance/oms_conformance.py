"""Drives every RPC of the public contract (protos/ordergrains/v1) with grpcio against a running host.

Run by OrderGrains.Host.Tests (OmsConformanceTests) against a real host; by hand, with a host on 7070:
  /usr/bin/python3 tests/conformance/oms_conformance.py --target 127.0.0.1:7070 --proto-root protos

Every id carries a per-run uuid, so the script can run again and again against the same database.
"""

import datetime
import time
import uuid

import grpc

from harness import CheckFailed, Suite, compile_protos, expect, expect_equal, expect_rpc_error, open_channel

PROTOS = [
    "ordergrains/v1/orders.proto",
    "ordergrains/v1/inventory.proto",
    "ordergrains/v1/customers.proto",
    "ordergrains/v1/campaigns.proto",
    "ordergrains/v1/fulfillment.proto",
    "ordergrains/v1/pricing.proto",
    "ordergrains/v1/review.proto",
]

# The host runs with OrderGrains:Review:Chains:0 = held orders above REVIEW_CHAIN_ABOVE_MINOR need a supervisor, then
# finance (one reviewer below); the --token caller holds every role, the --finance-token caller only finance.
REVIEW_CHAIN_ABOVE_MINOR = 1_000_000

# The host keeps the gRPC default receive limit (OrderGrains:Grpc:MaxReceiveMessageSize, 4 MiB).
SERVER_MAX_RECEIVE = 4 * 1024 * 1024
TIMEOUT = 15

suite = Suite("oms_conformance")


def _serialize(message):
    return message.SerializeToString()


class Context:
    def __init__(self, args):
        modules = compile_protos(args.proto_root, PROTOS)
        self.orders = modules["orders"]
        self.inventory = modules["inventory"]
        self.customers = modules["customers"]
        self.campaigns = modules["campaigns"]
        self.fulfillment = modules["fulfillment"]
        self.pricing = modules["pricing"]
        self.review = modules["review"]
        self.run = uuid.uuid4().hex[:12]
        self.target = args.target
        self.token = args.token
        self.ca = args.ca
        self.orders_only_token = args.orders_only_token
        self.finance_token = args.finance_token
        self.channel = open_channel(args.target, args.token, args.ca)
        grpc.channel_ready_future(self.channel).result(timeout=10)
        o, i, c, k = self.orders, self.inventory, self.customers, self.campaigns
        self.place_order = self._unary("OrderIntake", "PlaceOrder", o.PlaceOrderReply)
        self.get_order = self._unary("OrderIntake", "GetOrder", o.Order)
        self.confirm_payment = self._unary("OrderIntake", "ConfirmPayment", o.Order)
        self.cancel_order = self._unary("OrderIntake", "CancelOrder", o.Order)
        self.request_return = self._unary("OrderIntake", "RequestReturn", o.Order)
        self.get_order_history = self._unary("OrderIntake", "GetOrderHistory", o.OrderHistory)
        self.request_exchange = self._unary("OrderIntake", "RequestExchange", o.Order)
        self.watch_order = self.channel.unary_stream(
            "/ordergrains.v1.OrderIntake/WatchOrder", request_serializer=_serialize, response_deserializer=o.Order.FromString)
        self.upsert_warehouse = self._unary("Inventory", "UpsertWarehouse", i.Warehouse)
        self.set_stock = self._unary("Inventory", "SetStock", i.SkuAvailability)
        self.get_availability = self._unary("Inventory", "GetAvailability", i.SkuAvailability)
        self.set_low_stock_threshold = self._unary("Inventory", "SetLowStockThreshold", i.LowStockStatus)
        self.get_low_stock_status = self._unary("Inventory", "GetLowStockStatus", i.LowStockStatus)
        self.set_sku_sale_policy = self._unary("Inventory", "SetSkuSalePolicy", i.SkuAvailability)
        self.set_channel_stock = self._unary("Inventory", "SetChannelStock", i.SkuAvailability)
        self.upsert_customer = self._unary("Customers", "UpsertCustomer", c.Customer)
        self.upsert_campaign = self._unary("Campaigns", "UpsertCampaign", k.Campaign)
        f = self.fulfillment
        self.release_order = self._unary("Fulfillment", "ReleaseOrder", o.Order)
        self.report_shipment = self._unary("Fulfillment", "ReportShipment", o.Order)
        self.confirm_delivery = self._unary("Fulfillment", "ConfirmDelivery", o.Order)
        self.receive_return = self._unary("Fulfillment", "ReceiveReturn", o.Order)
        self.get_warehouse_queue = self._unary("Fulfillment", "GetWarehouseQueue", f.WarehouseQueue)
        self.report_tracking_event = self._unary("Fulfillment", "ReportTrackingEvent", o.Order)
        p = self.pricing
        self.set_list_price = self._unary("Pricing", "SetListPrice", p.SkuPrices)
        self.get_list_prices = self._unary("Pricing", "GetListPrices", p.SkuPrices)
        self.import_price_list = self._unary("Pricing", "ImportPriceList", p.PriceListImportSummary)
        self.upsert_promotion = self._unary("Pricing", "UpsertPromotion", p.Promotion)
        self.list_promotions = self._unary("Pricing", "ListPromotions", p.PromotionSet)
        self.upsert_stacking_rule = self._unary("Pricing", "UpsertStackingRule", p.StackingRule)
        self.upsert_coupon = self._unary("Pricing", "UpsertCoupon", p.CouponStatus)
        self.get_coupon = self._unary("Pricing", "GetCoupon", p.CouponStatus)
        self.list_review_queue = self._unary("Review", "ListReviewQueue", self.review.ReviewQueue)
        self.approve_hold = self._unary("Review", "ApproveHold", o.Order)
        self.reject_hold = self._unary("Review", "RejectHold", o.Order)

    def _unary(self, service, method, response):
        return self.channel.unary_unary(
            f"/ordergrains.v1.{service}/{method}", request_serializer=_serialize, response_deserializer=response.FromString)

    def new_id(self, prefix):
        return f"{prefix}-{self.run}-{uuid.uuid4().hex[:8]}"

    def warehouse(self, latitude=52.52, longitude=13.40):
        warehouse_id = self.new_id("wh")
        self.upsert_warehouse(self.inventory.Warehouse(
            warehouse_id=warehouse_id, name="Berlin", latitude=latitude, longitude=longitude, active=True), timeout=TIMEOUT)
        return warehouse_id

    def stocked_sku(self, on_hand, warehouse_id=None):
        """A new SKU with on_hand units in a new (or the given) warehouse; returns (sku, warehouse_id)."""
        warehouse_id = warehouse_id or self.warehouse()
        sku = self.new_id("sku")
        self.set_stock(self.inventory.SetStockRequest(
            warehouse_id=warehouse_id, sku=sku, on_hand=on_hand, sync_id=self.new_id("sync")), timeout=TIMEOUT)
        return sku, warehouse_id

    def customer(self, credit_limit_minor=0, blocked=False):
        customer_id = self.new_id("cust")
        self.upsert_customer(self.customers.Customer(
            customer_id=customer_id, name="Ada", tier="gold", credit_limit_minor=credit_limit_minor, blocked=blocked),
            timeout=TIMEOUT)
        return customer_id

    def order_request(self, customer_id, lines, **fields):
        """A valid PlaceOrderRequest; lines are (sku, quantity, unit_price_minor) tuples."""
        request = self.orders.PlaceOrderRequest(
            channel="webshop",
            external_order_id=self.new_id("ext"),
            customer_id=customer_id,
            currency="EUR",
            ship_to=self.orders.Address(
                recipient="Ada Lovelace", line1="Unter den Linden 1", city="Berlin", region="BE", country="DE",
                postal_code="10117", latitude=52.5, longitude=13.4),
        )
        for sku, quantity, price in lines:
            request.lines.add(sku=sku, quantity=quantity, unit_price_minor=price)
        for name, value in fields.items():
            setattr(request, name, value)
        return request

    def placed(self, on_hand=10, quantity=2, price=1999):
        """An accepted PENDING_PAYMENT order; returns (order, sku)."""
        sku, _ = self.stocked_sku(on_hand)
        reply = self.place_order(self.order_request(self.customer(), [(sku, quantity, price)]), timeout=TIMEOUT)
        expect_equal(self.orders.PENDING_PAYMENT, reply.order.status, "status of the placed order")
        return reply.order, sku

    def paid(self, on_hand=10, quantity=3, price=500):
        """A PAID order of quantity units of a new SKU stocked only in a new warehouse; returns (order, sku, warehouse_id)."""
        sku, warehouse_id = self.stocked_sku(on_hand)
        reply = self.place_order(self.order_request(self.customer(), [(sku, quantity, price)]), timeout=TIMEOUT)
        expect_equal(self.orders.PENDING_PAYMENT, reply.order.status, "status of the placed order")
        paid = self.confirm_payment(self.orders.ConfirmPaymentRequest(
            order_id=reply.order.order_id, payment_reference=self.new_id("pay"), amount_minor=reply.order.total_minor), timeout=TIMEOUT)
        expect_equal(self.orders.PAID, paid.status, "status of the paid order")
        return paid, sku, warehouse_id

    def shipment(self, order, warehouse_id, shipment_id, sku, quantity):
        report = self.fulfillment.ShipmentReport(
            order_id=order.order_id, warehouse_id=warehouse_id, shipment_id=shipment_id, carrier="DHL",
            tracking_number="TRK-" + shipment_id)
        report.lines.add(sku=sku, quantity=quantity)
        return report

    def shipped(self, quantity=2):
        """A SHIPPED order in one shipment "s1" (tracking number TRK-s1); returns the order."""
        order, sku, warehouse_id = self.paid(quantity=quantity)
        self.release_order(self.fulfillment.ReleaseOrderRequest(order_id=order.order_id), timeout=TIMEOUT)
        shipped = self.report_shipment(self.shipment(order, warehouse_id, "s1", sku, quantity), timeout=TIMEOUT)
        expect_equal(self.orders.SHIPPED, shipped.status, "status of the shipped order")
        return shipped

    def scan(self, order, event_id, code, at, **fields):
        """A TrackingEventReport for shipment s1 of order; at is an aware datetime."""
        report = self.fulfillment.TrackingEventReport(
            order_id=order.order_id, shipment_id="s1", event_id=event_id, carrier="DHL", tracking_number="TRK-s1",
            code=code, **fields)
        report.event_time.FromDatetime(at)
        return report

    def queued_units(self, warehouse_id, order_id):
        queue = self.get_warehouse_queue(self.fulfillment.GetWarehouseQueueRequest(warehouse_id=warehouse_id), timeout=TIMEOUT)
        return sum(task.quantity for package in queue.packages for task in package.tasks if task.order_id == order_id)

    def available(self, sku):
        return self.get_availability(self.inventory.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT).available

    def status_name(self, status):
        return self.orders.OrderStatus.Name(status)

    def held(self, channel, quantity, price, sku=None):
        """An order ON_HOLD for CREDIT_LIMIT (its customer has a credit limit of 1 minor unit) on channel; returns (order, sku)."""
        sku = sku or self.stocked_sku(100)[0]
        request = self.order_request(self.customer(credit_limit_minor=1), [(sku, quantity, price)], channel=channel)
        order = self.place_order(request, timeout=TIMEOUT).order
        expect_equal((self.orders.ON_HOLD, self.orders.CREDIT_LIMIT), (order.status, order.hold_reason), "the order is held")
        return order, sku

    def review_queue(self, condition, **fields):
        """ListReviewQueue until condition(reply) holds: the queue follows the order stream (20 s at most)."""
        deadline = time.monotonic() + 20
        while True:
            reply = self.list_review_queue(self.review.ListReviewQueueRequest(**fields), timeout=TIMEOUT)
            if condition(reply):
                return reply
            if time.monotonic() > deadline:
                raise CheckFailed(f"the review queue for {fields} did not get there: {[i.order_id for i in reply.items]}")
            time.sleep(0.1)

    def finance_channel(self):
        """A channel to a caller with only the finance role (--finance-token)."""
        if self.finance_token is None:
            raise CheckFailed("run with --finance-token: a caller with only the finance review role")
        return open_channel(self.target, self.finance_token, self.ca)

    def as_caller(self, channel, method, response):
        return channel.unary_unary(f"/ordergrains.v1.Review/{method}", request_serializer=_serialize, response_deserializer=response.FromString)


def expect_invalid_argument(field, call, *args, **kwargs):
    """INVALID_ARGUMENT whose details name the field first ("field: reason", ErrorClassifier)."""
    error = expect_rpc_error(grpc.StatusCode.INVALID_ARGUMENT, call, *args, **kwargs)
    expect(error.details().startswith(field + ":"), f"details should name {field!r}: {error.details()!r}")
    return error


@suite.case
def inventory_upsert_warehouse_set_stock_and_get_availability(ctx):
    inv = ctx.inventory
    warehouse_id = ctx.new_id("wh")
    warehouse = ctx.upsert_warehouse(
        inv.Warehouse(warehouse_id=warehouse_id, name="Hamburg", latitude=53.55, longitude=9.99, active=True), timeout=TIMEOUT)
    expect_equal((warehouse_id, "Hamburg", 53.55, 9.99, True),
                 (warehouse.warehouse_id, warehouse.name, warehouse.latitude, warehouse.longitude, warehouse.active),
                 "stored warehouse")

    sku = ctx.new_id("sku")
    sync_id = ctx.new_id("sync")
    availability = ctx.set_stock(inv.SetStockRequest(warehouse_id=warehouse_id, sku=sku, on_hand=7, sync_id=sync_id), timeout=TIMEOUT)
    expect_equal((sku, 7, 0, 7), (availability.sku, availability.on_hand, availability.reserved, availability.available), "SetStock reply")
    expect_equal([(warehouse_id, 7, 0, 7)],
                 [(w.warehouse_id, w.on_hand, w.reserved, w.available) for w in availability.warehouses], "per-warehouse split")
    expect_equal(availability, ctx.get_availability(inv.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT), "GetAvailability")

    # A replayed sync message must not overwrite the count it already applied.
    replay = ctx.set_stock(inv.SetStockRequest(warehouse_id=warehouse_id, sku=sku, on_hand=99, sync_id=sync_id), timeout=TIMEOUT)
    expect_equal(7, replay.on_hand, "on_hand after a replayed sync_id")
    recount = ctx.set_stock(inv.SetStockRequest(warehouse_id=warehouse_id, sku=sku, on_hand=5, sync_id=ctx.new_id("sync")), timeout=TIMEOUT)
    expect_equal((5, 5), (recount.on_hand, recount.available), "absolute recount")


@suite.case
def inventory_errors(ctx):
    inv = ctx.inventory
    sku = ctx.new_id("sku")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.set_stock,
                     inv.SetStockRequest(warehouse_id=ctx.new_id("no-such-wh"), sku=sku, on_hand=1, sync_id=ctx.new_id("sync")),
                     timeout=TIMEOUT)
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.get_availability, inv.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT)
    warehouse_id = ctx.warehouse()
    expect_invalid_argument("on_hand", ctx.set_stock,
                            inv.SetStockRequest(warehouse_id=warehouse_id, sku=sku, on_hand=-1, sync_id=ctx.new_id("sync")),
                            timeout=TIMEOUT)
    expect_invalid_argument("sku", ctx.get_availability, inv.GetAvailabilityRequest(sku=""), timeout=TIMEOUT)
    expect_invalid_argument("warehouse_id", ctx.upsert_warehouse, inv.Warehouse(name="nameless"), timeout=TIMEOUT)
    expect_invalid_argument("latitude", ctx.upsert_warehouse,
                            inv.Warehouse(warehouse_id=ctx.new_id("wh"), latitude=91), timeout=TIMEOUT)
    # None of the refused calls created stock.
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.get_availability, inv.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT)


@suite.case
def customer_upsert(ctx):
    customer_id = ctx.new_id("cust")
    request = ctx.customers.Customer(customer_id=customer_id, name="Grace", tier="b2b", credit_limit_minor=100_000, blocked=False)
    expect_equal(request, ctx.upsert_customer(request, timeout=TIMEOUT), "stored customer")
    expect_invalid_argument("customer_id", ctx.upsert_customer, ctx.customers.Customer(name="anonymous"), timeout=TIMEOUT)
    expect_invalid_argument("credit_limit_minor", ctx.upsert_customer,
                            ctx.customers.Customer(customer_id=customer_id, credit_limit_minor=-1), timeout=TIMEOUT)


@suite.case
def campaign_upsert(ctx):
    sku, _ = ctx.stocked_sku(5)
    now = int(time.time())
    request = ctx.campaigns.Campaign(campaign_id=ctx.new_id("camp"), sku=sku, price_minor=500, quota=3, per_customer_limit=1)
    request.starts_at.seconds = now - 60
    request.ends_at.seconds = now + 3600
    expect_equal(request, ctx.upsert_campaign(request, timeout=TIMEOUT), "stored campaign")
    backwards = ctx.campaigns.Campaign(campaign_id=ctx.new_id("camp"), sku=sku, price_minor=500, quota=3)
    backwards.starts_at.seconds = now + 60
    backwards.ends_at.seconds = now
    expect_invalid_argument("ends_at", ctx.upsert_campaign, backwards, timeout=TIMEOUT)


@suite.case
def place_order_accepted_with_allocations_and_expiry(ctx):
    o = ctx.orders
    sku, warehouse_id = ctx.stocked_sku(10)
    customer_id = ctx.customer()
    request = ctx.order_request(customer_id, [(sku, 3, 1250)])
    before = time.time()
    reply = ctx.place_order(request, timeout=TIMEOUT)
    order = reply.order
    expect_equal(False, reply.duplicate, "duplicate")
    expect_equal(f"webshop:{request.external_order_id}", order.order_id, "order_id")
    expect_equal((o.PENDING_PAYMENT, o.REJECT_REASON_UNSPECIFIED, o.HOLD_REASON_UNSPECIFIED),
                 (order.status, order.reject_reason, order.hold_reason), "status and reasons")
    expect_equal(("webshop", request.external_order_id, customer_id, "EUR", 3750),
                 (order.channel, order.external_order_id, order.customer_id, order.currency, order.total_minor), "order fields")
    expect_equal([(sku, 3, 1250)], [(l.sku, l.quantity, l.unit_price_minor) for l in order.lines], "lines")
    expect_equal([(sku, warehouse_id, 3)], [(a.sku, a.warehouse_id, a.quantity) for a in order.allocations], "allocations")
    expect(order.HasField("created_at") and order.HasField("reservation_expires_at"), "created_at and reservation_expires_at are set")
    expect(order.reservation_expires_at.ToSeconds() > order.created_at.ToSeconds(), "the reservation expires after placement")
    expect(order.reservation_expires_at.ToSeconds() > before, "the reservation expires in the future")
    expect(order.version >= 1, f"version {order.version}")
    availability = ctx.get_availability(ctx.inventory.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT)
    expect_equal((10, 3, 7), (availability.on_hand, availability.reserved, availability.available), "availability after placement")
    expect_equal(order, ctx.get_order(o.GetOrderRequest(order_id=order.order_id), timeout=TIMEOUT), "GetOrder")


@suite.case
def place_order_replay_is_idempotent(ctx):
    sku, _ = ctx.stocked_sku(10)
    request = ctx.order_request(ctx.customer(), [(sku, 2, 100)])
    first = ctx.place_order(request, timeout=TIMEOUT)
    replay = ctx.place_order(request, timeout=TIMEOUT)
    expect_equal(True, replay.duplicate, "duplicate on replay")
    expect_equal(first.order, replay.order, "replayed order")
    expect_equal(8, ctx.available(sku), "available after a replay (reserved once)")


@suite.case
def place_order_conflicting_replay_is_already_exists(ctx):
    sku, _ = ctx.stocked_sku(10)
    request = ctx.order_request(ctx.customer(), [(sku, 2, 100)])
    first = ctx.place_order(request, timeout=TIMEOUT).order
    conflicting = ctx.orders.PlaceOrderRequest()
    conflicting.CopyFrom(request)
    conflicting.lines[0].quantity = 3
    expect_rpc_error(grpc.StatusCode.ALREADY_EXISTS, ctx.place_order, conflicting, timeout=TIMEOUT)
    expect_equal(first, ctx.get_order(ctx.orders.GetOrderRequest(order_id=first.order_id), timeout=TIMEOUT), "order after the conflict")
    expect_equal(8, ctx.available(sku), "available after the conflict")


@suite.case
def place_order_out_of_stock_is_rejected(ctx):
    o = ctx.orders
    sku, _ = ctx.stocked_sku(2)
    reply = ctx.place_order(ctx.order_request(ctx.customer(), [(sku, 3, 100)]), timeout=TIMEOUT)
    order = reply.order
    expect_equal((o.REJECTED, o.OUT_OF_STOCK), (order.status, order.reject_reason), "status and reject_reason")
    expect_equal(0, len(order.allocations), "allocations")
    expect(not order.HasField("reservation_expires_at"), "a rejected order has no reservation expiry")
    expect_equal(2, ctx.available(sku), "available after the rejection")


@suite.case
def place_order_unknown_sku_is_rejected_and_releases_the_other_lines(ctx):
    o = ctx.orders
    sku, _ = ctx.stocked_sku(5)
    unknown = ctx.new_id("no-such-sku")
    order = ctx.place_order(ctx.order_request(ctx.customer(), [(sku, 1, 100), (unknown, 1, 100)]), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.UNKNOWN_SKU), (order.status, order.reject_reason), "status and reject_reason")
    expect_equal(5, ctx.available(sku), "available of the known SKU after the rejection")


@suite.case
def place_order_customer_rules(ctx):
    o = ctx.orders
    sku, _ = ctx.stocked_sku(10)
    blocked = ctx.place_order(ctx.order_request(ctx.customer(blocked=True), [(sku, 1, 100)]), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.CUSTOMER_BLOCKED), (blocked.status, blocked.reject_reason), "blocked customer")
    held = ctx.place_order(ctx.order_request(ctx.customer(credit_limit_minor=500), [(sku, 2, 300)]), timeout=TIMEOUT).order
    expect_equal((o.ON_HOLD, o.CREDIT_LIMIT), (held.status, held.hold_reason), "over the credit limit")
    expect_equal(8, ctx.available(sku), "a held order keeps its stock")
    expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.confirm_payment,
                     o.ConfirmPaymentRequest(order_id=held.order_id, payment_reference=ctx.new_id("pay"), amount_minor=600),
                     timeout=TIMEOUT)
    unknown = ctx.order_request(ctx.new_id("no-such-customer"), [(sku, 1, 100)])
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.place_order, unknown, timeout=TIMEOUT)
    expect_equal(8, ctx.available(sku), "available after all three")


@suite.case
def place_order_campaign_rules(ctx):
    o = ctx.orders
    sku, _ = ctx.stocked_sku(10)
    now = int(time.time())
    active = ctx.campaigns.Campaign(campaign_id=ctx.new_id("camp"), sku=sku, price_minor=500, quota=5, per_customer_limit=2)
    active.starts_at.seconds = now - 60
    active.ends_at.seconds = now + 3600
    ctx.upsert_campaign(active, timeout=TIMEOUT)
    customer_id = ctx.customer()
    order = ctx.place_order(ctx.order_request(customer_id, [(sku, 2, 1000)], campaign_id=active.campaign_id), timeout=TIMEOUT).order
    expect_equal((o.PENDING_PAYMENT, 1000, 500, active.campaign_id),
                 (order.status, order.total_minor, order.lines[0].unit_price_minor, order.campaign_id), "campaign price applied")
    over = ctx.place_order(ctx.order_request(customer_id, [(sku, 1, 1000)], campaign_id=active.campaign_id), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.CAMPAIGN_LIMIT_EXCEEDED), (over.status, over.reject_reason), "per-customer limit")

    future = ctx.campaigns.Campaign(campaign_id=ctx.new_id("camp"), sku=sku, price_minor=500, quota=5)
    future.starts_at.seconds = now + 3600
    future.ends_at.seconds = now + 7200
    ctx.upsert_campaign(future, timeout=TIMEOUT)
    early = ctx.place_order(ctx.order_request(ctx.customer(), [(sku, 1, 1000)], campaign_id=future.campaign_id), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.CAMPAIGN_NOT_ACTIVE), (early.status, early.reject_reason), "campaign not started")
    expect_equal(8, ctx.available(sku), "only the accepted campaign order holds stock")


@suite.case
def get_order_unknown_is_not_found(ctx):
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.get_order,
                     ctx.orders.GetOrderRequest(order_id="webshop:" + ctx.new_id("never-placed")), timeout=TIMEOUT)


@suite.case
def confirm_payment(ctx):
    o = ctx.orders
    order, sku = ctx.placed(quantity=2, price=1999)
    reference = ctx.new_id("pay")
    expect_invalid_argument("amount_minor", ctx.confirm_payment,
                            o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=reference, amount_minor=order.total_minor - 1),
                            timeout=TIMEOUT)
    expect_equal(order, ctx.get_order(o.GetOrderRequest(order_id=order.order_id), timeout=TIMEOUT), "order after the wrong amount")

    paid = ctx.confirm_payment(
        o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=reference, amount_minor=order.total_minor), timeout=TIMEOUT)
    expect_equal(o.PAID, paid.status, "status")
    expect_equal(order.version + 1, paid.version, "version")
    expect(not paid.HasField("reservation_expires_at"), "a paid order has no reservation expiry")
    expect_equal(list(order.allocations), list(paid.allocations), "allocations kept")

    # Idempotent per payment_reference: the same confirmation again changes nothing ...
    expect_equal(paid, ctx.confirm_payment(
        o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=reference, amount_minor=order.total_minor), timeout=TIMEOUT),
        "replayed confirmation")
    # ... the same reference with another amount is a conflicting replay ...
    expect_rpc_error(grpc.StatusCode.ALREADY_EXISTS, ctx.confirm_payment,
                     o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=reference, amount_minor=order.total_minor + 1),
                     timeout=TIMEOUT)
    # ... and a second payment (another reference) is an illegal PAID -> PAID transition.
    error = expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.confirm_payment,
                             o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=ctx.new_id("pay"), amount_minor=order.total_minor),
                             timeout=TIMEOUT)
    expect("PAID" in error.details(), f"details name the state: {error.details()!r}")
    expect_equal(paid, ctx.get_order(o.GetOrderRequest(order_id=order.order_id), timeout=TIMEOUT), "order after the refused calls")
    expect_equal(8, ctx.available(sku), "a paid order keeps its stock")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.confirm_payment,
                     o.ConfirmPaymentRequest(order_id="webshop:" + ctx.new_id("never-placed"), payment_reference=reference, amount_minor=1),
                     timeout=TIMEOUT)


@suite.case
def cancel_order_releases_stock(ctx):
    o = ctx.orders
    order, sku = ctx.placed(on_hand=10, quantity=4)
    expect_equal(6, ctx.available(sku), "available before cancelling")
    cancelled = ctx.cancel_order(o.CancelOrderRequest(order_id=order.order_id, reason="customer asked"), timeout=TIMEOUT)
    expect_equal(o.CANCELLED, cancelled.status, "status")
    expect_equal(0, len(cancelled.allocations), "allocations after cancellation")
    expect_equal(10, ctx.available(sku), "available after cancelling")
    again = ctx.cancel_order(o.CancelOrderRequest(order_id=order.order_id, reason="again"), timeout=TIMEOUT)
    expect_equal(cancelled, again, "cancelling a cancelled order returns it unchanged")
    error = expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.confirm_payment,
                             o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=ctx.new_id("pay"), amount_minor=order.total_minor),
                             timeout=TIMEOUT)
    expect("CANCELLED" in error.details(), f"details name the state: {error.details()!r}")
    expect_equal(10, ctx.available(sku), "available after the refused payment")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.cancel_order,
                     o.CancelOrderRequest(order_id="webshop:" + ctx.new_id("never-placed")), timeout=TIMEOUT)


@suite.case
def watch_order_streams_current_state_then_changes_until_cancelled(ctx):
    o = ctx.orders
    order, _ = ctx.placed()
    call = ctx.watch_order(o.GetOrderRequest(order_id=order.order_id), timeout=60)
    first = next(call)
    expect_equal(order, first, "first message is the current order")
    # Short deadlines on purpose: an open watch (a long poll on the order grain) must not hold off writes to the order.
    ctx.confirm_payment(
        o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=ctx.new_id("pay"), amount_minor=order.total_minor), timeout=5)
    paid = next(call)
    expect_equal((o.PAID, order.version + 1), (paid.status, paid.version), "second message")
    ctx.cancel_order(o.CancelOrderRequest(order_id=order.order_id, reason="watch test"), timeout=5)
    cancelled = next(call)
    expect_equal((o.CANCELLED, order.version + 2), (cancelled.status, cancelled.version), "third message")
    rest = list(call)
    expect_equal([], rest, "messages after the final state")
    expect_equal(grpc.StatusCode.OK, call.code(), "stream status")


@suite.case
def watch_order_of_a_final_order_ends_after_one_message(ctx):
    o = ctx.orders
    sku, _ = ctx.stocked_sku(1)
    rejected = ctx.place_order(ctx.order_request(ctx.customer(), [(sku, 2, 100)]), timeout=TIMEOUT).order
    messages = list(ctx.watch_order(o.GetOrderRequest(order_id=rejected.order_id), timeout=TIMEOUT))
    expect_equal([rejected], messages, "messages")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.watch_order,
                     o.GetOrderRequest(order_id="webshop:" + ctx.new_id("never-placed")), timeout=TIMEOUT)


@suite.case
def watch_order_deadline_ends_an_open_stream(ctx):
    order, _ = ctx.placed()
    received = []
    try:
        # Long enough for the first message on a loaded machine, far below the watch's 15-second poll.
        for message in ctx.watch_order(ctx.orders.GetOrderRequest(order_id=order.order_id), timeout=3.0):
            received.append(message)
        raise AssertionError("the stream should have hit its deadline")
    except grpc.RpcError as error:
        expect_equal(grpc.StatusCode.DEADLINE_EXCEEDED, error.code(), "status")
    expect_equal([order], received, "messages before the deadline")


@suite.case
def malformed_place_order_requests_are_invalid_argument_naming_the_field(ctx):
    sku, _ = ctx.stocked_sku(10)
    customer_id = ctx.customer()
    cases = {
        "channel": lambda r: setattr(r, "channel", ""),
        "external_order_id": lambda r: setattr(r, "external_order_id", ""),
        "customer_id": lambda r: setattr(r, "customer_id", ""),
        "lines": lambda r: r.ClearField("lines"),
        "lines[0].quantity": lambda r: setattr(r.lines[0], "quantity", 0),
        "lines[0].unit_price_minor": lambda r: setattr(r.lines[0], "unit_price_minor", -1),
        "lines[1].sku": lambda r: r.lines.add(sku=sku, quantity=1, unit_price_minor=100),
        "currency": lambda r: setattr(r, "currency", "eur"),
        "ship_to": lambda r: r.ClearField("ship_to"),
    }
    for field, spoil in cases.items():
        request = ctx.order_request(customer_id, [(sku, 1, 100)])
        spoil(request)
        expect_invalid_argument(field, ctx.place_order, request, timeout=TIMEOUT)
        if request.channel and request.external_order_id:
            expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.get_order,
                             ctx.orders.GetOrderRequest(order_id=f"{request.channel}:{request.external_order_id}"), timeout=TIMEOUT)
    negative = ctx.order_request(customer_id, [(sku, -5, 100)])
    expect_invalid_argument("lines[0].quantity", ctx.place_order, negative, timeout=TIMEOUT)
    expect_equal(10, ctx.available(sku), "available after the malformed requests")


@suite.case
def malformed_order_calls_are_invalid_argument_naming_the_field(ctx):
    o = ctx.orders
    order, _ = ctx.placed()
    expect_invalid_argument("order_id", ctx.get_order, o.GetOrderRequest(), timeout=TIMEOUT)
    expect_invalid_argument("order_id", ctx.cancel_order, o.CancelOrderRequest(), timeout=TIMEOUT)
    expect_invalid_argument("order_id", ctx.watch_order, o.GetOrderRequest(), timeout=TIMEOUT)
    expect_invalid_argument("payment_reference", ctx.confirm_payment,
                            o.ConfirmPaymentRequest(order_id=order.order_id, amount_minor=order.total_minor), timeout=TIMEOUT)
    expect_equal(order, ctx.get_order(o.GetOrderRequest(order_id=order.order_id), timeout=TIMEOUT), "order after the malformed calls")


@suite.case
def deadline_expiring_before_the_request_arrives_is_deadline_exceeded(ctx):
    # The request message is held back past the deadline (a unary method driven through grpcio's stream_unary,
    # which is the same on the wire), so the deadline always expires first and no order may come of it.
    o = ctx.orders
    sku, _ = ctx.stocked_sku(10)
    request = ctx.order_request(ctx.customer(), [(sku, 1, 100)])
    place_late = ctx.channel.stream_unary(
        "/ordergrains.v1.OrderIntake/PlaceOrder", request_serializer=_serialize, response_deserializer=o.PlaceOrderReply.FromString)

    def late_request():
        time.sleep(0.5)
        yield request

    expect_rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, place_late, late_request(), timeout=0.2)
    expect_equal(10, ctx.available(sku), "available after the expired call")
    reply = ctx.place_order(request, timeout=TIMEOUT)
    expect_equal((o.PENDING_PAYMENT, False), (reply.order.status, reply.duplicate), "the same request with time to spare")


@suite.case
def tiny_deadlines_lose_and_double_nothing(ctx):
    # grpcio rounds a 1 µs deadline up to its next millisecond tick, so a fast call can still make it: each call ends
    # DEADLINE_EXCEEDED or OK. Either way the same request sent again must give one order, reserved once.
    o = ctx.orders
    sku, _ = ctx.stocked_sku(20)
    customer = ctx.customer()
    requests = [ctx.order_request(customer, [(sku, 1, 100)]) for _ in range(10)]
    outcomes = {}
    for request in requests:
        try:
            ctx.place_order(request, timeout=0.000001)
            outcomes["OK"] = outcomes.get("OK", 0) + 1
        except grpc.RpcError as error:
            expect_equal(grpc.StatusCode.DEADLINE_EXCEEDED, error.code(), f"status of a 1 µs call ({error.details()})")
            outcomes["DEADLINE_EXCEEDED"] = outcomes.get("DEADLINE_EXCEEDED", 0) + 1
    orders = {ctx.place_order(request, timeout=TIMEOUT).order.order_id for request in requests}
    expect_equal(10, len(orders), f"orders after sending each request again (first tries: {outcomes})")
    expect_equal(10, ctx.available(sku), "available: each order reserved its unit once")


@suite.case
def gzip_requests_work(ctx):
    o = ctx.orders
    sku, _ = ctx.stocked_sku(10)
    request = ctx.order_request(ctx.customer(), [(sku, 1, 100)])
    request.ship_to.recipient = "Ada " * 20_000  # large enough that gzip really shrinks the message
    reply, call = ctx.place_order.with_call(request, timeout=TIMEOUT, compression=grpc.Compression.Gzip)
    expect_equal(grpc.StatusCode.OK, call.code(), "status")
    expect_equal(o.PENDING_PAYMENT, reply.order.status, "status of the gzip-placed order")
    fetched = ctx.get_order(o.GetOrderRequest(order_id=reply.order.order_id), timeout=TIMEOUT, compression=grpc.Compression.Gzip)
    expect_equal(reply.order, fetched, "GetOrder over gzip")
    watched = next(ctx.watch_order(o.GetOrderRequest(order_id=reply.order.order_id), timeout=TIMEOUT, compression=grpc.Compression.Gzip))
    expect_equal(reply.order, watched, "WatchOrder over gzip")
    expect_equal(9, ctx.available(sku), "available")


@suite.case
def gzip_channel_compresses_every_call(ctx):
    with open_channel(ctx.target, ctx.token, ctx.ca, compression=grpc.Compression.Gzip) as channel:
        get = channel.unary_unary("/ordergrains.v1.Inventory/GetAvailability",
                                  request_serializer=_serialize, response_deserializer=ctx.inventory.SkuAvailability.FromString)
        sku, _ = ctx.stocked_sku(3)
        expect_equal(3, get(ctx.inventory.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT).available, "available over a gzip channel")


@suite.case
def unknown_method_of_a_real_service_is_unimplemented(ctx):
    ship = ctx.channel.unary_unary("/ordergrains.v1.OrderIntake/ShipOrder")
    expect_rpc_error(grpc.StatusCode.UNIMPLEMENTED, ship, b"", timeout=TIMEOUT)
    delete = ctx.channel.unary_unary("/ordergrains.v1.Inventory/DeleteWarehouse")
    expect_rpc_error(grpc.StatusCode.UNIMPLEMENTED, delete, b"", timeout=TIMEOUT)
    unknown_service = ctx.channel.unary_unary("/ordergrains.v1.Shipping/ShipOrder")
    expect_rpc_error(grpc.StatusCode.UNIMPLEMENTED, unknown_service, b"", timeout=TIMEOUT)


@suite.case
def oversized_request_is_resource_exhausted(ctx):
    sku, _ = ctx.stocked_sku(10)
    request = ctx.order_request(ctx.customer(), [(sku, 1, 100)])
    request.ship_to.recipient = "x" * (SERVER_MAX_RECEIVE + 1)
    expect_rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, ctx.place_order, request, timeout=30)
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.get_order,
                     ctx.orders.GetOrderRequest(order_id=f"webshop:{request.external_order_id}"), timeout=TIMEOUT)
    expect_equal(10, ctx.available(sku), "available after the refused request")


@suite.case
def release_order_queues_the_order_in_its_warehouse(ctx):
    f = ctx.fulfillment
    order, sku, warehouse_id = ctx.paid(quantity=3)
    expect_equal(0, ctx.queued_units(warehouse_id, order.order_id), "queued before the release")
    released = ctx.release_order(f.ReleaseOrderRequest(order_id=order.order_id, actor="ops"), timeout=TIMEOUT)
    expect_equal(ctx.orders.RELEASED, released.status, "status")
    expect_equal(order.version + 1, released.version, "version")
    expect_equal(released, ctx.release_order(f.ReleaseOrderRequest(order_id=order.order_id), timeout=TIMEOUT),
                 "releasing a released order returns it unchanged")
    expect_equal(3, ctx.queued_units(warehouse_id, order.order_id), "units in the warehouse queue")
    queue = ctx.get_warehouse_queue(f.GetWarehouseQueueRequest(warehouse_id=warehouse_id), timeout=TIMEOUT)
    expect(all(task.sku == sku for package in queue.packages for task in package.tasks), "every pick task is for the order's SKU")
    expect_equal(3, sum(package.units for package in queue.packages), "package units")


@suite.case
def release_order_of_an_unknown_or_unpaid_order_is_refused(ctx):
    f = ctx.fulfillment
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.release_order,
                     f.ReleaseOrderRequest(order_id="webshop:" + ctx.new_id("never-placed")), timeout=TIMEOUT)
    expect_invalid_argument("order_id", ctx.release_order, f.ReleaseOrderRequest(order_id=""), timeout=TIMEOUT)
    unpaid, _ = ctx.placed(quantity=1)
    error = expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.release_order,
                             f.ReleaseOrderRequest(order_id=unpaid.order_id), timeout=TIMEOUT)
    expect("PENDING_PAYMENT" in error.details() and "RELEASED" in error.details(),
           f"details name both states of the transition: {error.details()!r}")


@suite.case
def report_shipment_in_parts_replays_and_refuses_over_shipping(ctx):
    o = ctx.orders
    order, sku, warehouse_id = ctx.paid(on_hand=10, quantity=3)
    ctx.release_order(ctx.fulfillment.ReleaseOrderRequest(order_id=order.order_id), timeout=TIMEOUT)

    first = ctx.shipment(order, warehouse_id, "s1", sku, 1)
    partial = ctx.report_shipment(first, timeout=TIMEOUT)
    expect_equal(o.PARTIALLY_SHIPPED, partial.status, "status after the first shipment")
    expect_equal(partial, ctx.report_shipment(first, timeout=TIMEOUT), "the same shipment reported again changes nothing")
    expect_rpc_error(grpc.StatusCode.ALREADY_EXISTS, ctx.report_shipment,
                     ctx.shipment(order, warehouse_id, "s1", sku, 2), timeout=TIMEOUT)
    error = expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.report_shipment,
                             ctx.shipment(order, warehouse_id, "s2", sku, 3), timeout=TIMEOUT)
    expect("over-shipment" in error.details(), f"details say what is wrong: {error.details()!r}")
    expect_equal(partial, ctx.get_order(o.GetOrderRequest(order_id=order.order_id), timeout=TIMEOUT), "order after the refused reports")

    shipped = ctx.report_shipment(ctx.shipment(order, warehouse_id, "s2", sku, 2), timeout=TIMEOUT)
    expect_equal(o.SHIPPED, shipped.status, "status after the last shipment")
    expect_equal([("s1", 1), ("s2", 2)], [(s.shipment_id, sum(line.quantity for line in s.lines)) for s in shipped.shipments], "shipments")
    expect_equal(("DHL", "TRK-s2"), (shipped.shipments[1].carrier, shipped.shipments[1].tracking_number), "carrier and tracking")
    expect(shipped.shipments[1].HasField("shipped_at") and not shipped.shipments[1].HasField("delivered_at"), "shipped, not delivered")
    expect_equal(0, ctx.queued_units(warehouse_id, order.order_id), "queued after shipping everything")
    stock = ctx.get_availability(ctx.inventory.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT)
    expect_equal((7, 0), (stock.on_hand, stock.reserved), "on hand and reserved after shipping")


@suite.case
def confirm_delivery_completes_the_order(ctx):
    o, f = ctx.orders, ctx.fulfillment
    order, sku, warehouse_id = ctx.paid(quantity=2)
    ctx.release_order(f.ReleaseOrderRequest(order_id=order.order_id), timeout=TIMEOUT)
    ctx.report_shipment(ctx.shipment(order, warehouse_id, "s1", sku, 2), timeout=TIMEOUT)
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.confirm_delivery,
                     f.DeliveryConfirmation(order_id=order.order_id, shipment_id="no-such-shipment"), timeout=TIMEOUT)
    completed = ctx.confirm_delivery(f.DeliveryConfirmation(order_id=order.order_id, shipment_id="s1"), timeout=TIMEOUT)
    expect_equal(o.COMPLETED, completed.status, "status after the only shipment was delivered")
    expect(completed.shipments[0].HasField("delivered_at"), "delivery time recorded")
    expect_equal(completed, ctx.confirm_delivery(f.DeliveryConfirmation(order_id=order.order_id, shipment_id="s1"), timeout=TIMEOUT),
                 "a delivery confirmed again changes nothing")


@suite.case
def credit_sale_ships_before_payment_and_takes_partial_payments(ctx):
    o, f = ctx.orders, ctx.fulfillment
    sku, warehouse_id = ctx.stocked_sku(10)
    customer_id = ctx.new_id("dealer")
    saved = ctx.upsert_customer(ctx.customers.Customer(
        customer_id=customer_id, name="Dealer", tier="b2b", credit_limit_minor=10000, payment_terms="NET_30"), timeout=TIMEOUT)
    expect_equal("NET_30", saved.payment_terms, "payment terms stored")
    placed = ctx.place_order(ctx.order_request(customer_id, [(sku, 2, 1000)]), timeout=TIMEOUT).order
    expect_equal((o.PENDING_PAYMENT, "NET_30"), (placed.status, placed.payment_terms), "accepted on terms")
    expect(not placed.HasField("reservation_expires_at"), "an order on terms does not expire")
    ctx.release_order(f.ReleaseOrderRequest(order_id=placed.order_id, actor="ops"), timeout=TIMEOUT)
    ctx.report_shipment(ctx.shipment(placed, warehouse_id, "s1", sku, 2), timeout=TIMEOUT)
    completed = ctx.confirm_delivery(f.DeliveryConfirmation(order_id=placed.order_id, shipment_id="s1"), timeout=TIMEOUT)
    expect_equal((o.COMPLETED, 2000, 2000), (completed.status, completed.invoiced_minor, completed.balance_due_minor), "invoiced unpaid")
    expect(completed.HasField("payment_due_at"), "the invoice has a due date")

    first = o.ConfirmPaymentRequest(order_id=placed.order_id, payment_reference=ctx.new_id("wire"), amount_minor=500)
    paid = ctx.confirm_payment(first, timeout=TIMEOUT)
    expect_equal(1500, paid.balance_due_minor, "balance after the first part")
    expect_equal(paid, ctx.confirm_payment(first, timeout=TIMEOUT), "the same payment reference again changes nothing")
    error = expect_rpc_error(grpc.StatusCode.INVALID_ARGUMENT, ctx.confirm_payment,
                             o.ConfirmPaymentRequest(order_id=placed.order_id, payment_reference=ctx.new_id("wire"), amount_minor=1501),
                             timeout=TIMEOUT)
    expect("open balance of 1500 EUR" in error.details(), f"details name the open balance: {error.details()!r}")
    settled = ctx.confirm_payment(o.ConfirmPaymentRequest(order_id=placed.order_id, payment_reference=ctx.new_id("wire"), amount_minor=1500), timeout=TIMEOUT)
    expect_equal((0, 2), (settled.balance_due_minor, len(settled.payments)), "settled in two payments")


@suite.case
def report_tracking_event_sorts_by_event_time_replays_and_delivered_completes(ctx):
    o = ctx.orders
    order = ctx.shipped()
    now = datetime.datetime.now(datetime.timezone.utc)
    call = ctx.watch_order(o.GetOrderRequest(order_id=order.order_id), timeout=60)
    expect_equal(order, next(call), "first watched message is the current order")

    in_transit = ctx.report_tracking_event(ctx.scan(order, "e2", o.TRACKING_IN_TRANSIT, now - datetime.timedelta(hours=2),
                                                    details="hub Leipzig"), timeout=TIMEOUT)
    expect_equal(o.TRACKING_IN_TRANSIT, in_transit.shipments[0].tracking_status, "tracking status")
    picked_up = ctx.scan(order, "e1", o.TRACKING_PICKED_UP, now - datetime.timedelta(hours=3))
    late = ctx.report_tracking_event(picked_up, timeout=TIMEOUT)
    expect_equal(["e1", "e2"], [e.event_id for e in late.shipments[0].tracking_events], "events in event-time order")
    expect_equal(o.TRACKING_IN_TRANSIT, late.shipments[0].tracking_status, "a late earlier scan does not move the status")
    expect_equal(late, ctx.report_tracking_event(picked_up, timeout=TIMEOUT), "the same event again changes nothing")
    error = expect_rpc_error(grpc.StatusCode.ALREADY_EXISTS, ctx.report_tracking_event,
                             ctx.scan(order, "e1", o.TRACKING_OUT_FOR_DELIVERY, now - datetime.timedelta(hours=3)), timeout=TIMEOUT)
    expect("e1" in error.details(), f"details name the event id: {error.details()!r}")

    delivered = ctx.report_tracking_event(ctx.scan(order, "e3", o.TRACKING_DELIVERED, now - datetime.timedelta(hours=1)), timeout=TIMEOUT)
    expect_equal(o.COMPLETED, delivered.status, "a delivered scan confirms the delivery")
    expect_equal(int((now - datetime.timedelta(hours=1)).timestamp()), delivered.shipments[0].delivered_at.seconds,
                 "delivered at the scan's event time")
    stray = ctx.report_tracking_event(ctx.scan(order, "e4", o.TRACKING_IN_TRANSIT, now - datetime.timedelta(minutes=5)), timeout=TIMEOUT)
    expect_equal((o.COMPLETED, o.TRACKING_DELIVERED), (stray.status, stray.shipments[0].tracking_status),
                 "a later in-transit scan does not move a delivered shipment back")

    watched = []
    while not watched or watched[-1].version < stray.version:
        watched.append(next(call))
    call.cancel()
    expect(any(len(m.shipments[0].tracking_events) == 1 for m in watched), "watchers see the first scan")
    expect_equal(stray, watched[-1], "the last watched message is the order after the last scan")
    events = [e.event for e in ctx.get_order_history(o.GetOrderRequest(order_id=order.order_id), timeout=TIMEOUT).events]
    expect_equal(["tracking_in_transit", "tracking_picked_up", "delivered", "tracking_delivered", "completed", "tracking_in_transit"],
                 events[events.index("shipped") + 1:], "history after the shipment")


@suite.case
def report_tracking_event_refuses_unknown_shipments_and_malformed_reports(ctx):
    o = ctx.orders
    order = ctx.shipped()
    now = datetime.datetime.now(datetime.timezone.utc)
    good = ctx.scan(order, "e1", o.TRACKING_EXCEPTION, now, details="address unknown")
    unknown_order = ctx.scan(order, "e1", o.TRACKING_IN_TRANSIT, now)
    unknown_order.order_id = "webshop:" + ctx.new_id("never-placed")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.report_tracking_event, unknown_order, timeout=TIMEOUT)
    unknown_shipment = ctx.scan(order, "e1", o.TRACKING_IN_TRANSIT, now)
    unknown_shipment.shipment_id = "no-such-shipment"
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.report_tracking_event, unknown_shipment, timeout=TIMEOUT)
    expect_invalid_argument("code", ctx.report_tracking_event, ctx.scan(order, "e1", o.TRACKING_EVENT_CODE_UNSPECIFIED, now), timeout=TIMEOUT)
    no_time = ctx.fulfillment.TrackingEventReport()
    no_time.CopyFrom(good)
    no_time.ClearField("event_time")
    expect_invalid_argument("event_time", ctx.report_tracking_event, no_time, timeout=TIMEOUT)
    no_id = ctx.fulfillment.TrackingEventReport()
    no_id.CopyFrom(good)
    no_id.event_id = ""
    expect_invalid_argument("event_id", ctx.report_tracking_event, no_id, timeout=TIMEOUT)
    flagged = ctx.report_tracking_event(good, timeout=TIMEOUT)
    expect_equal((o.SHIPPED, o.TRACKING_EXCEPTION), (flagged.status, flagged.shipments[0].tracking_status), "an exception is recorded")
    expect_equal(["e1"], [e.event_id for e in flagged.shipments[0].tracking_events], "only the accepted scan is recorded")


@suite.case
def request_return_records_the_reason_code_and_refuses_after_the_window(ctx):
    o = ctx.orders
    late, recent = ctx.shipped(), ctx.shipped()
    now = datetime.datetime.now(datetime.timezone.utc)
    ctx.report_tracking_event(ctx.scan(late, "d", o.TRACKING_DELIVERED, now - datetime.timedelta(days=31)), timeout=TIMEOUT)
    ctx.report_tracking_event(ctx.scan(recent, "d", o.TRACKING_DELIVERED, now - datetime.timedelta(days=1)), timeout=TIMEOUT)

    def request(order):
        r = o.ReturnRequest(order_id=order.order_id, return_request_id=ctx.new_id("ret"), reason="broken",
                            reason_code=o.RETURN_REASON_DEFECTIVE)
        r.lines.add(sku=order.lines[0].sku, quantity=1)
        return r

    error = expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.request_return, request(late), timeout=TIMEOUT)
    expect("return window" in error.details() and "30 days after delivery" in error.details(),
           f"details name the window: {error.details()!r}")
    requested = ctx.request_return(request(recent), timeout=TIMEOUT)
    rma = requested.returns[0]
    expect_equal((o.RETURN_REQUESTED, o.RETURN_REASON_DEFECTIVE, o.RMA_APPROVED), (requested.status, rma.reason_code, rma.status),
                 "RMA with its reason code, approved by policy")


@suite.case
def exchange_for_a_dearer_size_ships_the_replacement_once_returned_and_paid(ctx):
    o, f = ctx.orders, ctx.fulfillment
    order, sku, warehouse_id = ctx.paid(quantity=2, price=1000)
    larger, _ = ctx.stocked_sku(5, warehouse_id)
    ctx.release_order(f.ReleaseOrderRequest(order_id=order.order_id), timeout=TIMEOUT)
    ctx.report_shipment(ctx.shipment(order, warehouse_id, "s1", sku, 2), timeout=TIMEOUT)
    ctx.confirm_delivery(f.DeliveryConfirmation(order_id=order.order_id, shipment_id="s1"), timeout=TIMEOUT)

    def exchange(exchange_id, returned=1, replacement_sku=larger, price=1500):
        return o.ExchangeRequest(
            order_id=order.order_id, exchange_id=exchange_id, reason="bigger",
            returned=o.LineQuantity(sku=sku, quantity=returned),
            replacement=o.OrderLine(sku=replacement_sku, quantity=1, unit_price_minor=price))

    # Refused before anything is reserved or an RMA opened (while one is open, another exchange waits for it).
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.request_exchange, exchange(ctx.new_id("ex"), replacement_sku=ctx.new_id("sku")), timeout=TIMEOUT)
    expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.request_exchange, exchange(ctx.new_id("ex"), returned=3), timeout=TIMEOUT)
    expect_invalid_argument("exchange_id", ctx.request_exchange, exchange(""), timeout=TIMEOUT)
    exchange_id = ctx.new_id("ex")
    requested = ctx.request_exchange(exchange(exchange_id), timeout=TIMEOUT)
    swap = requested.exchanges[0]
    expect_equal((o.RETURN_REQUESTED, o.EXCHANGE_RESERVED, 1000, 1500, 500), (requested.status, swap.status, swap.returned_value_minor,
                 swap.replacement_value_minor, swap.amount_due_minor), "status, returned value, replacement value and extra payment due")
    expect_equal(requested, ctx.request_exchange(exchange(exchange_id), timeout=TIMEOUT), "the same exchange again changes nothing")
    expect_rpc_error(grpc.StatusCode.ALREADY_EXISTS, ctx.request_exchange, exchange(exchange_id, price=1400), timeout=TIMEOUT)
    expect_equal(1, ctx.get_availability(ctx.inventory.GetAvailabilityRequest(sku=larger), timeout=TIMEOUT).reserved, "the replacement is reserved")

    receipt = f.ReturnReceipt(order_id=order.order_id, rma_id=swap.rma_id, warehouse_id=warehouse_id)
    receipt.lines.add(sku=sku, quantity=1, condition=o.ITEM_CONDITION_RESALABLE)
    received = ctx.receive_return(receipt, timeout=TIMEOUT)
    expect_equal((o.PARTIALLY_RETURNED, o.EXCHANGE_RESERVED), (received.status, received.exchanges[0].status), "returned, waiting for the extra payment")
    expect_equal(0, ctx.queued_units(warehouse_id, order.order_id), "nothing to pick before the extra payment")
    pay = o.ConfirmPaymentRequest(order_id=order.order_id, payment_reference=ctx.new_id("pay"), amount_minor=500, exchange_id=exchange_id)
    paid = ctx.confirm_payment(pay, timeout=TIMEOUT)
    expect_equal((o.EXCHANGE_RELEASED, pay.payment_reference), (paid.exchanges[0].status, paid.exchanges[0].payment_reference), "released once paid")
    expect_equal(paid, ctx.confirm_payment(pay, timeout=TIMEOUT), "the same payment again changes nothing")
    expect_equal(1, ctx.queued_units(warehouse_id, order.order_id), "the replacement waits to be picked")

    ctx.report_shipment(ctx.shipment(order, warehouse_id, "s-ex", larger, 1), timeout=TIMEOUT)
    delivered = ctx.confirm_delivery(f.DeliveryConfirmation(order_id=order.order_id, shipment_id="s-ex"), timeout=TIMEOUT)
    expect_equal((o.EXCHANGE_DELIVERED, ["s-ex"]), (delivered.exchanges[0].status, list(delivered.exchanges[0].shipment_ids)), "replacement delivered")
    stock = ctx.get_availability(ctx.inventory.GetAvailabilityRequest(sku=larger), timeout=TIMEOUT)
    expect_equal((4, 0), (stock.on_hand, stock.reserved), "replacement stock after shipping")


@suite.case
def warehouse_queue_needs_a_warehouse_id(ctx):
    f = ctx.fulfillment
    expect_invalid_argument("warehouse_id", ctx.get_warehouse_queue, f.GetWarehouseQueueRequest(warehouse_id=""), timeout=TIMEOUT)
    queue = ctx.get_warehouse_queue(f.GetWarehouseQueueRequest(warehouse_id=ctx.warehouse()), timeout=TIMEOUT)
    expect_equal(0, len(queue.packages), "a new warehouse has nothing to pick")


def _raw(data):
    return data


@suite.case
def low_stock_thresholds_are_one_of_two_kinds_and_a_crossing_opens_an_alert(ctx):
    i = ctx.inventory
    sku, _ = ctx.stocked_sku(on_hand=3)
    error = expect_rpc_error(grpc.StatusCode.INVALID_ARGUMENT, ctx.set_low_stock_threshold,
                             i.SetLowStockThresholdRequest(sku=sku, min_available=2, days_of_cover=1.5), timeout=TIMEOUT)
    expect(error.details().startswith("days_of_cover:"), f"the detail names days_of_cover: {error.details()}")
    expect_rpc_error(grpc.StatusCode.INVALID_ARGUMENT, ctx.set_low_stock_threshold,
                     i.SetLowStockThresholdRequest(sku=sku, min_available=-1), timeout=TIMEOUT)
    status = ctx.set_low_stock_threshold(i.SetLowStockThresholdRequest(sku=sku, min_available=5), timeout=TIMEOUT)
    expect_equal((True, 5, False, 3, True, f"{sku}#low-1"),
                 (status.HasField("min_available"), status.min_available, status.HasField("days_of_cover"),
                  status.available, status.low, status.open_alert_id), "status after setting the threshold")
    expect_equal(status, ctx.get_low_stock_status(i.GetLowStockStatusRequest(sku=sku), timeout=TIMEOUT), "GetLowStockStatus")
    cleared = ctx.set_low_stock_threshold(i.SetLowStockThresholdRequest(sku=sku, clear=True), timeout=TIMEOUT)
    expect_equal((False, False, ""), (cleared.HasField("min_available"), cleared.low, cleared.open_alert_id), "status after clearing")


@suite.case
def a_presale_sku_sells_before_stock_up_to_its_limit_and_orders_show_presold_units(ctx):
    i, o = ctx.inventory, ctx.orders
    sku = ctx.new_id("presale")
    expect_invalid_argument("presale_limit", ctx.set_sku_sale_policy, i.SetSkuSalePolicyRequest(sku=sku, presale_limit=-1), timeout=TIMEOUT)
    expect_invalid_argument("backorders_allowed", ctx.set_sku_sale_policy,
                            i.SetSkuSalePolicyRequest(sku=sku, presale_limit=2, backorders_allowed=True), timeout=TIMEOUT)
    opened = ctx.set_sku_sale_policy(i.SetSkuSalePolicyRequest(sku=sku, presale_limit=4), timeout=TIMEOUT)
    expect_equal((0, False, 4, 0, 4), (opened.on_hand, opened.backorders_allowed, opened.presale_limit, opened.presold,
                                       opened.presale_remaining), "availability of a new presale SKU")
    customer_id = ctx.customer()
    placed = ctx.place_order(ctx.order_request(customer_id, [(sku, 3, 1000)]), timeout=TIMEOUT).order
    expect_equal(o.PENDING_PAYMENT, placed.status, "a presale order is accepted without stock")
    expect_equal([(sku, 3)], [(l.sku, l.quantity) for l in placed.backordered], "its units are backordered")
    expect_equal([(sku, 3)], [(l.sku, l.quantity) for l in placed.presold], "and presold")
    over = ctx.place_order(ctx.order_request(customer_id, [(sku, 2, 1000)]), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.OUT_OF_STOCK), (over.status, over.reject_reason), "beyond the presale limit")
    stock = ctx.get_availability(i.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT)
    expect_equal((3, 1, 3), (stock.presold, stock.presale_remaining, stock.backordered), "availability after one presale")
    ctx.cancel_order(o.CancelOrderRequest(order_id=placed.order_id, reason="changed my mind"), timeout=TIMEOUT)
    stock = ctx.get_availability(i.GetAvailabilityRequest(sku=sku), timeout=TIMEOUT)
    expect_equal((0, 4, 0), (stock.presold, stock.presale_remaining, stock.backordered), "cancelling gives the room back")


@suite.case
def a_channel_share_is_set_aside_and_each_channel_sees_its_own_available_to_promise(ctx):
    i, o = ctx.inventory, ctx.orders
    sku, _ = ctx.stocked_sku(on_hand=10)
    expect_invalid_argument("shares[0].quantity", ctx.set_channel_stock, i.SetChannelStockRequest(
        sku=sku, shares=[i.ChannelStockShare(channel="marketplace", quantity=3, percent=30)]), timeout=TIMEOUT)
    expect_invalid_argument("shares", ctx.set_channel_stock, i.SetChannelStockRequest(
        sku=sku, shares=[i.ChannelStockShare(channel="a", percent=70), i.ChannelStockShare(channel="b", percent=31)]), timeout=TIMEOUT)
    split = ctx.set_channel_stock(i.SetChannelStockRequest(
        sku=sku, shares=[i.ChannelStockShare(channel="marketplace", percent=30)]), timeout=TIMEOUT)
    expect_equal([("marketplace", 0, 30, 3, 0, 3)],
                 [(c.channel, c.quantity, c.percent, c.ring_fenced, c.held, c.remaining) for c in split.channels], "the split")
    webshop = ctx.get_availability(i.GetAvailabilityRequest(sku=sku, channel="webshop"), timeout=TIMEOUT)
    expect_equal(("webshop", 7, 10), (webshop.channel, webshop.channel_available, webshop.available), "the webshop's view")
    marketplace = ctx.get_availability(i.GetAvailabilityRequest(sku=sku, channel="marketplace"), timeout=TIMEOUT)
    expect_equal(10, marketplace.channel_available, "the marketplace's view")
    customer_id = ctx.customer()
    placed = ctx.place_order(ctx.order_request(customer_id, [(sku, 7, 1000)]), timeout=TIMEOUT).order
    expect_equal(o.PENDING_PAYMENT, placed.status, "the webshop takes the shared units")
    over = ctx.place_order(ctx.order_request(customer_id, [(sku, 1, 1000)]), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.OUT_OF_STOCK), (over.status, over.reject_reason), "but not the marketplace's share")
    removed = ctx.set_channel_stock(i.SetChannelStockRequest(sku=sku), timeout=TIMEOUT)
    expect_equal(0, len(removed.channels), "an empty list removes the split")


@suite.case
def list_prices_sync_import_and_price_mismatch(ctx):
    p, o = ctx.pricing, ctx.orders
    sku, _ = ctx.stocked_sku(10)
    other, _ = ctx.stocked_sku(10)
    sync = ctx.new_id("price")
    stored = ctx.set_list_price(p.SetListPriceRequest(sku=sku, currency="EUR", list_price_minor=2000, sync_id=sync), timeout=TIMEOUT)
    expect_equal([("EUR", 2000)], [(x.currency, x.list_price_minor) for x in stored.prices], "prices after the sync")
    replay = ctx.set_list_price(p.SetListPriceRequest(sku=sku, currency="EUR", list_price_minor=1, sync_id=sync), timeout=TIMEOUT)
    expect_equal(2000, replay.prices[0].list_price_minor, "a replayed sync id changes nothing")
    summary = ctx.import_price_list(p.PriceListImport(
        import_id=ctx.new_id("import"), currency="EUR",
        items=[p.PriceListItem(sku=other, list_price_minor=700), p.PriceListItem(sku=sku, list_price_minor=2500)]), timeout=TIMEOUT)
    expect_equal(2, summary.skus, "SKUs imported")
    expect_equal(2500, ctx.get_list_prices(p.GetListPricesRequest(sku=sku), timeout=TIMEOUT).prices[0].list_price_minor, "imported price")
    expect_invalid_argument("list_price_minor", ctx.set_list_price,
                            p.SetListPriceRequest(sku=sku, currency="EUR", list_price_minor=-1, sync_id="x"), timeout=TIMEOUT)
    expect_invalid_argument("items[0].sku", ctx.import_price_list,
                            p.PriceListImport(import_id="x", currency="EUR", items=[p.PriceListItem(list_price_minor=1)]), timeout=TIMEOUT)
    customer = ctx.customer()
    cheap = ctx.place_order(ctx.order_request(customer, [(sku, 1, 2499)]), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.PRICE_MISMATCH), (cheap.status, cheap.reject_reason), "a line below its list price")
    fair = ctx.place_order(ctx.order_request(customer, [(sku, 2, 2500)]), timeout=TIMEOUT).order
    expect_equal((o.PENDING_PAYMENT, 5000), (fair.status, fair.total_minor), "a line at its list price")
    expect_equal((2500, 0, 5000), (fair.lines[0].list_price_minor, fair.lines[0].discount_minor, fair.lines[0].paid_minor),
                 "list, discount and paid of the line")


@suite.case
def promotions_stacking_rules_and_their_errors(ctx):
    p, o = ctx.pricing, ctx.orders
    sku, _ = ctx.stocked_sku(10)
    ten = ctx.new_id("promo")
    twenty = ctx.new_id("promo")
    stored = ctx.upsert_promotion(p.Promotion(promotion_id=ten, kind=p.PROMOTION_SKU_PERCENT, skus=[sku],
                                              percent_basis_points=1000, priority=1), timeout=TIMEOUT)
    expect_equal((ten, [sku], 1000), (stored.promotion_id, list(stored.skus), stored.percent_basis_points), "stored promotion")
    ctx.upsert_promotion(p.Promotion(promotion_id=twenty, kind=p.PROMOTION_SKU_AMOUNT, skus=[sku], amount_minor=200,
                                     currency="EUR", priority=5), timeout=TIMEOUT)
    listed = ctx.list_promotions(p.ListPromotionsRequest(), timeout=TIMEOUT)
    expect({ten, twenty} <= {x.promotion_id for x in listed.promotions}, "ListPromotions lists both")
    combined = ctx.place_order(ctx.order_request(ctx.customer(), [(sku, 1, 1000)]), timeout=TIMEOUT).order
    # 1000 - 200 = 800 (priority 5 first), then 10%: 720.
    expect_equal((720, 280, 720, [twenty, ten]),
                 (combined.total_minor, combined.discount_minor, combined.lines[0].paid_minor, list(combined.lines[0].promotion_ids)),
                 "promotions combined")
    rule = ctx.new_id("rule")
    ctx.upsert_stacking_rule(p.StackingRule(rule_id=rule, mode=p.STACKING_EXCLUSIVE, promotion_ids=[ten, twenty]), timeout=TIMEOUT)
    exclusive = ctx.place_order(ctx.order_request(ctx.customer(), [(sku, 1, 1000)]), timeout=TIMEOUT).order
    expect_equal((800, [twenty]), (exclusive.total_minor, list(exclusive.lines[0].promotion_ids)), "only the higher priority applies")
    error = expect_invalid_argument("promotion_ids[1]", ctx.upsert_stacking_rule,
                                    p.StackingRule(rule_id=ctx.new_id("rule"), mode=p.STACKING_EXCLUSIVE,
                                                   promotion_ids=[ctx.new_id("promo"), ten]), timeout=TIMEOUT)
    expect(rule in error.details(), f"the detail names the overlapping rule: {error.details()}")
    expect_invalid_argument("percent_basis_points", ctx.upsert_promotion,
                            p.Promotion(promotion_id=ctx.new_id("promo"), kind=p.PROMOTION_SKU_PERCENT, skus=[sku],
                                        percent_basis_points=-5), timeout=TIMEOUT)
    expect_invalid_argument("percent_basis_points", ctx.upsert_promotion,
                            p.Promotion(promotion_id=ctx.new_id("promo"), kind=p.PROMOTION_SKU_PERCENT, skus=[sku],
                                        percent_basis_points=10001), timeout=TIMEOUT)
    expect_invalid_argument("threshold_minor", ctx.upsert_promotion,
                            p.Promotion(promotion_id=ctx.new_id("promo"), kind=p.PROMOTION_ORDER_THRESHOLD, amount_minor=100,
                                        currency="EUR"), timeout=TIMEOUT)


@suite.case
def coupons_redeem_once_per_order_and_come_back_on_cancel(ctx):
    p, o = ctx.pricing, ctx.orders
    sku, _ = ctx.stocked_sku(10)
    # Coupon-only, so the threshold discount touches no other case's orders on this host.
    promotion = ctx.new_id("promo")
    ctx.upsert_promotion(p.Promotion(promotion_id=promotion, kind=p.PROMOTION_ORDER_THRESHOLD, amount_minor=3000,
                                     threshold_minor=30000, currency="EUR", coupon_only=True), timeout=TIMEOUT)
    code = ctx.new_id("CODE")
    status = ctx.upsert_coupon(p.Coupon(code=code, promotion_id=promotion, quota=1, per_customer_limit=1), timeout=TIMEOUT)
    expect_equal((1, 0, 1), (status.coupon.quota, status.redeemed, status.remaining), "new coupon")
    customer = ctx.customer()
    request = ctx.order_request(customer, [(sku, 7, 10000)], coupon_code=code)
    first = ctx.place_order(request, timeout=TIMEOUT)
    again = ctx.place_order(request, timeout=TIMEOUT)
    expect_equal((o.PENDING_PAYMENT, 64000, 6000, code), (first.order.status, first.order.total_minor,
                 first.order.discount_minor, first.order.coupon_code), "30.00 off every 300.00 with the coupon")
    expect(again.duplicate, "the same order again is a duplicate")
    expect_equal(1, ctx.get_coupon(p.GetCouponRequest(code=code), timeout=TIMEOUT).redeemed, "redeemed once")
    second = ctx.place_order(ctx.order_request(ctx.customer(), [(sku, 1, 40000)], coupon_code=code), timeout=TIMEOUT).order
    expect_equal((o.REJECTED, o.COUPON_LIMIT_EXCEEDED), (second.status, second.reject_reason), "quota used up")
    ctx.cancel_order(o.CancelOrderRequest(order_id=first.order.order_id, reason="changed mind"), timeout=TIMEOUT)
    expect_equal(0, ctx.get_coupon(p.GetCouponRequest(code=code), timeout=TIMEOUT).redeemed, "given back on cancel")
    unknown = expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.place_order,
                               ctx.order_request(customer, [(sku, 1, 100)], coupon_code=ctx.new_id("NOPE")), timeout=TIMEOUT)
    expect("coupon" in unknown.details(), f"the detail names the coupon: {unknown.details()}")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.get_coupon, p.GetCouponRequest(code=ctx.new_id("NOPE")), timeout=TIMEOUT)
    expect_invalid_argument("promotion_id", ctx.upsert_coupon,
                            p.Coupon(code=ctx.new_id("CODE"), promotion_id=ctx.new_id("missing"), quota=1), timeout=TIMEOUT)


@suite.case
def review_queue_lists_held_orders_oldest_first_with_counts_filters_and_page_tokens(ctx):
    o, r = ctx.orders, ctx.review
    channel = "review-" + ctx.run + "-" + uuid.uuid4().hex[:6]
    big, sku = ctx.held(channel, 2, REVIEW_CHAIN_ABOVE_MINOR)
    small = [ctx.held(channel, 1, 700 + i, sku)[0] for i in range(3)]
    held = [big.order_id] + [order.order_id for order in small]

    queue = ctx.review_queue(lambda q: len(q.items) == 4, channel=channel)
    expect_equal(held, [item.order_id for item in queue.items], "oldest hold first")
    first = queue.items[0]
    expect_equal(
        (channel, big.customer_id, 2 * REVIEW_CHAIN_ABOVE_MINOR, "EUR", o.CREDIT_LIMIT, 0, 2, "supervisor", ["supervisor", "finance"], []),
        (first.channel, first.customer_id, first.total_minor, first.currency, first.hold_reason, first.steps_done,
         first.steps_required, first.next_role, list(first.approval_steps), list(first.approvers)),
        "the held order's item")
    expect(first.held_since.seconds > 0 and first.hold_details, f"held since and why: {first}")
    expect(first.age.seconds >= 0 and queue.as_of.ToDatetime() >= first.held_since.ToDatetime(), "age counted from as_of")
    expect_equal(big.version, first.version, "version")
    expect_equal("reviewer", queue.items[1].next_role, "below the chain's threshold one reviewer decides")
    expect_equal((4, 4, 0, 0, 0), (queue.total, queue.by_age.under_1h, queue.by_age.from_1h_to_4h, queue.by_age.from_4h_to_24h,
                                   queue.by_age.over_24h), "counts")
    expect_equal([(o.CREDIT_LIMIT, 4)], [(c.hold_reason, c.total) for c in queue.by_reason], "counts per reason")
    expect_equal("", queue.next_page_token, "one page")

    supervisor = ctx.list_review_queue(r.ListReviewQueueRequest(channel=channel, next_role="supervisor"), timeout=TIMEOUT)
    expect_equal([big.order_id], [item.order_id for item in supervisor.items], "next_role filter")
    request = r.ListReviewQueueRequest(channel=channel)
    request.min_age.FromSeconds(3600)
    expect_equal([], list(ctx.list_review_queue(request, timeout=TIMEOUT).items), "nothing held an hour yet")
    other_reason = ctx.list_review_queue(r.ListReviewQueueRequest(channel=channel, hold_reason=o.MANUAL_REVIEW), timeout=TIMEOUT)
    expect_equal(([], 4), (list(other_reason.items), other_reason.total), "hold_reason filters the items, not the counts")

    pages, token = [], ""
    while True:
        page = ctx.list_review_queue(r.ListReviewQueueRequest(channel=channel, page_size=3, page_token=token), timeout=TIMEOUT)
        pages.append([item.order_id for item in page.items])
        token = page.next_page_token
        if not token:
            break
    expect_equal([held[:3], held[3:]], pages, "pages of 3 through next_page_token")

    for field, bad in (("page_size", r.ListReviewQueueRequest(page_size=501)),
                       ("page_size", r.ListReviewQueueRequest(page_size=-1)),
                       ("page_token", r.ListReviewQueueRequest(page_token="not-a-page-token")),
                       ("next_role", r.ListReviewQueueRequest(next_role="boss")),
                       ("hold_reason", r.ListReviewQueueRequest(hold_reason=99))):
        expect_invalid_argument(field, ctx.list_review_queue, bad, timeout=TIMEOUT)


@suite.case
def approve_hold_takes_one_step_per_caller_each_with_the_role_of_its_step(ctx):
    o = ctx.orders
    channel = "review-" + ctx.run + "-" + uuid.uuid4().hex[:6]
    big, _ = ctx.held(channel, 1, 2 * REVIEW_CHAIN_ABOVE_MINOR)
    with ctx.finance_channel() as finance:
        approve_as_finance = ctx.as_caller(finance, "ApproveHold", o.Order)
        error = expect_rpc_error(grpc.StatusCode.PERMISSION_DENIED, approve_as_finance,
                                 ctx.review.ApproveHoldRequest(order_id=big.order_id), timeout=TIMEOUT)
        expect("step 1 of 2 needs the supervisor role" in error.details(), f"names the step and its role: {error.details()}")
        expect_equal(big.version, ctx.get_order(o.GetOrderRequest(order_id=big.order_id), timeout=TIMEOUT).version, "unchanged")

        first = ctx.approve_hold(ctx.review.ApproveHoldRequest(order_id=big.order_id), timeout=TIMEOUT)
        expect_equal((o.ON_HOLD, 1), (first.status, len(first.approvers)), "step 1 by the supervisor")
        expect(first.approvers[0].startswith("caller:"), f"the approver is the caller: {first.approvers}")
        # The --token caller holds finance as well, but one caller approves one step: again changes nothing.
        again = ctx.approve_hold(ctx.review.ApproveHoldRequest(order_id=big.order_id), timeout=TIMEOUT)
        expect_equal((o.ON_HOLD, first.version, 1), (again.status, again.version, len(again.approvers)), "the same caller again")

        approved = approve_as_finance(ctx.review.ApproveHoldRequest(order_id=big.order_id), timeout=TIMEOUT)
        expect_equal((o.PENDING_PAYMENT, 2, first.approvers[0]), (approved.status, len(approved.approvers), approved.approvers[0]),
                     "step 2 by finance ends the hold")
        expect(approved.approvers[1].startswith("caller:") and approved.approvers[1] != approved.approvers[0],
               f"two callers approved: {approved.approvers}")
    error = expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.approve_hold,
                             ctx.review.ApproveHoldRequest(order_id=big.order_id), timeout=TIMEOUT)
    expect("PENDING_PAYMENT" in error.details() and big.order_id in error.details(), f"names the order's status: {error.details()}")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.approve_hold,
                     ctx.review.ApproveHoldRequest(order_id=channel + ":no-such-order"), timeout=TIMEOUT)
    expect_invalid_argument("order_id", ctx.approve_hold, ctx.review.ApproveHoldRequest(), timeout=TIMEOUT)


@suite.case
def reject_hold_cancels_the_order_and_releases_its_stock(ctx):
    o = ctx.orders
    channel = "review-" + ctx.run + "-" + uuid.uuid4().hex[:6]
    held, sku = ctx.held(channel, 3, 900)
    expect_equal(97, ctx.available(sku), "available while held")
    with ctx.finance_channel() as finance:
        # Rejecting is open to every review role at any step.
        rejected = ctx.as_caller(finance, "RejectHold", o.Order)(
            ctx.review.RejectHoldRequest(order_id=held.order_id, reason="unknown buyer"), timeout=TIMEOUT)
    expect_equal(o.CANCELLED, rejected.status, "status after the rejection")
    expect_equal(100, ctx.available(sku), "available after the rejection")
    history = ctx.get_order_history(o.GetOrderRequest(order_id=held.order_id), timeout=TIMEOUT)
    cancelled = [(e.actor.startswith("caller:"), e.details) for e in history.events if e.event == "cancelled"]
    expect_equal([(True, "unknown buyer")], cancelled, "the history names the caller and the reason")
    error = expect_rpc_error(grpc.StatusCode.FAILED_PRECONDITION, ctx.reject_hold,
                             ctx.review.RejectHoldRequest(order_id=held.order_id), timeout=TIMEOUT)
    expect("CANCELLED" in error.details(), f"names the order's status: {error.details()}")
    expect_rpc_error(grpc.StatusCode.NOT_FOUND, ctx.reject_hold,
                     ctx.review.RejectHoldRequest(order_id=channel + ":no-such-order"), timeout=TIMEOUT)


@suite.case
def health_service_is_serving(ctx):
    # Debian's grpcio ships no grpc_health stubs: the method is called by name with the message bytes written out.
    check = ctx.channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=_raw, response_deserializer=_raw)
    # HealthCheckResponse { ServingStatus status = 1; }, SERVING = 1: field 1 as a varint, value 1.
    expect_equal(b"\x08\x01", check(b"", timeout=TIMEOUT), "HealthCheckResponse (status SERVING)")


@suite.case
def reflection_lists_the_services(ctx):
    info = ctx.channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", request_serializer=_raw, response_deserializer=_raw)
    # ServerReflectionRequest { string list_services = 7; }: field 7, length-delimited, empty.
    replies = list(info(iter([b"\x3a\x00"]), timeout=TIMEOUT))
    expect_equal(1, len(replies), "one reply to one request")
    for service in ("ordergrains.v1.OrderIntake", "ordergrains.v1.Inventory", "ordergrains.v1.Customers",
                    "ordergrains.v1.Campaigns", "ordergrains.v1.Fulfillment", "ordergrains.v1.Pricing", "ordergrains.v1.Review",
                    "grpc.health.v1.Health"):
        expect(service.encode() in replies[0], f"{service} is listed")


@suite.case
def a_call_without_a_token_is_unauthenticated(ctx):
    with open_channel(ctx.target, None, ctx.ca) as channel:
        get = channel.unary_unary("/ordergrains.v1.Inventory/GetAvailability", request_serializer=_serialize,
                                  response_deserializer=ctx.inventory.SkuAvailability.FromString)
        expect_rpc_error(grpc.StatusCode.UNAUTHENTICATED, get, ctx.inventory.GetAvailabilityRequest(sku="x"), timeout=TIMEOUT)


@suite.case
def a_wrong_token_is_unauthenticated(ctx):
    with open_channel(ctx.target, "not-a-token-of-any-caller", ctx.ca) as channel:
        get = channel.unary_unary("/ordergrains.v1.OrderIntake/GetOrder", request_serializer=_serialize,
                                  response_deserializer=ctx.orders.Order.FromString)
        expect_rpc_error(grpc.StatusCode.UNAUTHENTICATED, get, ctx.orders.GetOrderRequest(order_id="web:1"), timeout=TIMEOUT)


@suite.case
def a_missing_role_or_another_channel_is_permission_denied(ctx):
    if ctx.orders_only_token is None:
        raise CheckFailed("run with --orders-only-token: a caller with only the orders role for channel conformance-shop")
    o, i = ctx.orders, ctx.inventory
    placed, _ = ctx.placed()
    with open_channel(ctx.target, ctx.orders_only_token, ctx.ca) as channel:
        def unary(service, method, response):
            return channel.unary_unary(f"/ordergrains.v1.{service}/{method}", request_serializer=_serialize,
                                       response_deserializer=response.FromString)
        set_stock = unary("Inventory", "SetStock", i.SkuAvailability)
        error = expect_rpc_error(grpc.StatusCode.PERMISSION_DENIED, set_stock,
                                 i.SetStockRequest(warehouse_id="w", sku="s", on_hand=1, sync_id="x"), timeout=TIMEOUT)
        expect("inventory" in error.details(), f"the detail names the missing role: {error.details()}")
        expect_rpc_error(grpc.StatusCode.PERMISSION_DENIED, unary("OrderIntake", "GetOrder", o.Order),
                         o.GetOrderRequest(order_id=placed.order_id), timeout=TIMEOUT)
        expect_rpc_error(grpc.StatusCode.PERMISSION_DENIED, unary("OrderIntake", "CancelOrder", o.Order),
                         o.CancelOrderRequest(order_id=placed.order_id, reason="not mine"), timeout=TIMEOUT)
        error = expect_rpc_error(grpc.StatusCode.PERMISSION_DENIED, unary("Review", "ListReviewQueue", ctx.review.ReviewQueue),
                                 ctx.review.ListReviewQueueRequest(), timeout=TIMEOUT)
        expect("'reviewer', 'supervisor', 'finance'" in error.details(), f"the detail names the review roles: {error.details()}")
    expect_equal(placed.version, ctx.get_order(o.GetOrderRequest(order_id=placed.order_id), timeout=TIMEOUT).version,
                 "the other channel's order is unchanged")


if __name__ == "__main__":
    suite.main(Context, [("--orders-only-token", "token of a caller with only the orders role for channel conformance-shop"),
                         ("--finance-token", "token of a caller with only the finance review role")])
