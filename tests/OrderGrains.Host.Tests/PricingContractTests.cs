using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using static OrderGrains.Host.Tests.LedgerProbe;

namespace OrderGrains.Host.Tests;

/// <summary>Prices, promotions and coupons over the gRPC contract and the admin API of the real host (issue 13 §1).</summary>
public sealed class PricingContractTests
{
    private const string OperatorToken = "pricing-operator-0123456789abcdef";

    private static Task<TestHost> StartAsync(params string[] settings) => TestHost.StartAsync(
        null,
        [
            $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
            "--OrderGrains:Admin:Tokens:0:Name=olga",
            "--OrderGrains:Admin:Tokens:0:Role=operator",
            .. settings,
        ]);

    private static async Task SeedAsync(TestHost host, params string[] skus)
    {
        await host.Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        foreach (var sku in skus)
        {
            await host.Client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = sku, OnHand = 100, SyncId = "seed" });
        }

        await host.Client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
    }

    private static PlaceOrderRequest Order(string externalId, string coupon = "", string channel = "web", params (string Sku, int Quantity, long Price)[] lines)
    {
        var request = new PlaceOrderRequest
        {
            Channel = channel,
            ExternalOrderId = externalId,
            CustomerId = "ada",
            Currency = "EUR",
            CouponCode = coupon,
            ShipTo = new Address { Recipient = "Ada", Latitude = 52.5, Longitude = 13.4 },
        };
        request.Lines.AddRange(lines.Select(l => new OrderLine { Sku = l.Sku, Quantity = l.Quantity, UnitPriceMinor = l.Price }));
        return request;
    }

    [Fact]
    public async Task List_prices_sync_and_import_and_a_cheaper_line_is_rejected_with_PRICE_MISMATCH_or_held_per_channel()
    {
        await using var host = await StartAsync("--OrderGrains:Pricing:Channels:pos:PriceMismatch=Hold");
        await SeedAsync(host, "tee", "cap");

        var set = await host.Client.SetListPriceAsync(new SetListPriceRequest { Sku = "tee", Currency = "EUR", ListPriceMinor = 2_000, SyncId = "p1" });
        var replay = await host.Client.SetListPriceAsync(new SetListPriceRequest { Sku = "tee", Currency = "EUR", ListPriceMinor = 1, SyncId = "p1" });
        var import = await host.Client.ImportPriceListAsync(new PriceListImport { ImportId = "nightly-1", Currency = "EUR", Items = { new PriceListItem { Sku = "cap", ListPriceMinor = 900 }, new PriceListItem { Sku = "tee", ListPriceMinor = 2_500 } } });

        Assert.Equal(2_000, set.Prices.Single().ListPriceMinor);
        Assert.Equal(2_000, replay.Prices.Single().ListPriceMinor);
        Assert.Equal(2, import.Skus);
        Assert.Equal(2_500, (await host.Client.GetListPricesAsync("tee")).Prices.Single().ListPriceMinor);

        var rejected = (await host.Client.PlaceOrderAsync(Order("w1", lines: ("tee", 1, 2_000)))).Order;
        var held = (await host.Client.PlaceOrderAsync(Order("p1", channel: "pos", lines: ("tee", 1, 2_000)))).Order;
        var accepted = (await host.Client.PlaceOrderAsync(Order("w2", lines: ("tee", 1, 2_600)))).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.PriceMismatch), (rejected.Status, rejected.RejectReason));
        Assert.Equal((OrderStatus.OnHold, HoldReason.PriceReview), (held.Status, held.HoldReason));
        Assert.Contains("tee at 2000 EUR is below 2500", held.HoldDetails, StringComparison.Ordinal);
        Assert.Equal((OrderStatus.PendingPayment, 2_500L), (accepted.Status, accepted.TotalMinor));

        var bad = await Assert.ThrowsAsync<RpcException>(() => host.Client.ImportPriceListAsync(new PriceListImport { ImportId = "x", Currency = "EUR", Items = { new PriceListItem { Sku = "a", ListPriceMinor = 1 }, new PriceListItem { Sku = "b", ListPriceMinor = -3 } } }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("items[1].list_price_minor", bad.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await host.Client.GetListPricesAsync("a")).Prices);
    }

    [Fact]
    public async Task Promotions_show_on_each_line_and_bad_promotions_and_overlapping_rules_are_INVALID_ARGUMENT_naming_the_field()
    {
        await using var host = await StartAsync();
        await SeedAsync(host, "tee", "cap");
        await host.Client.UpsertPromotionAsync(new Promotion { PromotionId = "tee10", Kind = PromotionKind.PromotionSkuPercent, Skus = { "tee" }, PercentBasisPoints = 1_000, Priority = 1 });
        await host.Client.UpsertPromotionAsync(new Promotion { PromotionId = "mj", Kind = PromotionKind.PromotionOrderThreshold, AmountMinor = 3_000, ThresholdMinor = 30_000, Currency = "EUR" });

        var order = (await host.Client.PlaceOrderAsync(Order("o1", lines: [("tee", 2, 10_000), ("cap", 1, 15_000)]))).Order;

        // tee 9,000 × 2 = 18,000 and cap 15,000: 33,000, then 30.00 off: 30,000; 3,000 spread 18:15 as 1,636 / 1,364.
        Assert.Equal((30_000L, 5_000L), (order.TotalMinor, order.DiscountMinor));
        Assert.Equal([(10_000L, 9_000L, 3_636L, 16_364L), (15_000L, 15_000L, 1_364L, 13_636L)], order.Lines.Select(l => (l.ListPriceMinor, l.UnitPriceMinor, l.DiscountMinor, l.PaidMinor)));
        Assert.Equal(["tee10", "mj"], order.Lines[0].PromotionIds);
        Assert.Equal(order.TotalMinor, order.Lines.Sum(l => l.PaidMinor));
        Assert.Equal(order.TotalMinor, (await host.Client.GetOrderAsync(order.OrderId)).TotalMinor);

        var negative = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertPromotionAsync(new Promotion { PromotionId = "neg", Kind = PromotionKind.PromotionSkuPercent, Skus = { "tee" }, PercentBasisPoints = -1 }));
        var over = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertPromotionAsync(new Promotion { PromotionId = "over", Kind = PromotionKind.PromotionSkuPercent, Skus = { "tee" }, PercentBasisPoints = 10_001 }));
        await host.Client.UpsertStackingRuleAsync(new StackingRule { RuleId = "r1", Mode = StackingMode.StackingExclusive, PromotionIds = { "tee10", "mj" } });
        var overlap = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertStackingRuleAsync(new StackingRule { RuleId = "r2", Mode = StackingMode.StackingExclusive, PromotionIds = { "other", "mj" } }));

        Assert.All([negative, over, overlap], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.StartsWith("percent_basis_points:", negative.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("percent_basis_points:", over.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("promotion_ids[1]: 'mj' is already in stacking rule 'r1'", overlap.Status.Detail, StringComparison.Ordinal);
        var set = await host.Client.ListPromotionsAsync();
        Assert.Equal(["tee10", "mj"], set.Promotions.Select(p => p.PromotionId));
        Assert.Single(set.StackingRules);

        // With the exclusive rule only the higher priority (tee10) applies.
        var ruled = (await host.Client.PlaceOrderAsync(Order("o2", lines: [("tee", 2, 10_000), ("cap", 1, 15_000)]))).Order;
        Assert.Equal(33_000, ruled.TotalMinor);
    }

    [Fact]
    public async Task A_coupon_is_redeemed_once_per_order_given_back_on_cancel_and_an_unknown_code_is_NOT_FOUND()
    {
        await using var host = await StartAsync();
        await SeedAsync(host, "tee");
        await host.Client.UpsertPromotionAsync(new Promotion { PromotionId = "vip", Kind = PromotionKind.PromotionSkuAmount, Skus = { "tee" }, AmountMinor = 500, Currency = "EUR", CouponOnly = true });
        var created = await host.Client.UpsertCouponAsync(new Coupon { Code = "WELCOME5", PromotionId = "vip", Quota = 1, PerCustomerLimit = 1, EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) });

        var first = await host.Client.PlaceOrderAsync(Order("c1", "WELCOME5", lines: ("tee", 1, 2_000)));
        var replay = await host.Client.PlaceOrderAsync(Order("c1", "WELCOME5", lines: ("tee", 1, 2_000)));
        var second = (await host.Client.PlaceOrderAsync(Order("c2", "WELCOME5", lines: ("tee", 1, 2_000)))).Order;

        Assert.Equal((1, 1), (created.Coupon.Quota, created.Remaining));
        Assert.Equal((1_500L, 500L, "WELCOME5"), (first.Order.TotalMinor, first.Order.DiscountMinor, first.Order.CouponCode));
        Assert.True(replay.Duplicate);
        Assert.Equal(RejectReason.CouponLimitExceeded, second.RejectReason);
        Assert.Equal(1, (await host.Client.GetCouponAsync("WELCOME5")).Redeemed);
        await host.Client.CancelOrderAsync(new CancelOrderRequest { OrderId = first.Order.OrderId, Reason = "changed mind" });
        Assert.Equal(0, (await host.Client.GetCouponAsync("WELCOME5")).Redeemed);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => host.Client.PlaceOrderAsync(Order("c3", "NOPE", lines: ("tee", 1, 2_000))));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("coupon 'NOPE'", unknown.Status.Detail, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetCouponAsync("NOPE"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_admin_API_manages_prices_promotions_rules_and_coupons_and_answers_400_naming_the_field()
    {
        await using var host = await StartAsync();
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);

        async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null)
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            using var response = await admin.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }

        var price = await SendAsync(HttpMethod.Put, "admin/skus/tee/prices", """{"currency":"EUR","listPriceMinor":1999,"syncId":"a1"}""");
        var imported = await SendAsync(HttpMethod.Post, "admin/prices/import", """{"importId":"i1","currency":"USD","items":[{"sku":"tee","listPriceMinor":2199}]}""");
        var promotion = await SendAsync(HttpMethod.Post, "admin/promotions", """{"promotionId":"half","kind":"SkuPercent","skus":["tee"],"percentBasisPoints":5000,"couponOnly":true}""");
        var coupon = await SendAsync(HttpMethod.Post, "admin/coupons", """{"code":"HALF","promotionId":"half","quota":10,"perCustomerLimit":1}""");
        var rule = await SendAsync(HttpMethod.Post, "admin/stacking-rules", """{"ruleId":"r","promotionIds":["half","other"]}""");
        var tooMuch = await SendAsync(HttpMethod.Post, "admin/promotions", """{"promotionId":"x","kind":"SkuPercent","skus":["tee"],"percentBasisPoints":10001}""");
        var unknownCoupon = await SendAsync(HttpMethod.Get, "admin/coupons/NOPE");

        Assert.Equal(HttpStatusCode.OK, price.Status);
        Assert.Equal(HttpStatusCode.OK, imported.Status);
        Assert.Equal(HttpStatusCode.OK, promotion.Status);
        Assert.True((bool)promotion.Body!["enabled"]!);
        Assert.Equal((HttpStatusCode.OK, 10), (coupon.Status, (int)coupon.Body!["remaining"]!));
        Assert.Equal(HttpStatusCode.OK, rule.Status);
        var prices = (await SendAsync(HttpMethod.Get, "admin/skus/tee/prices")).Body!["prices"]!.AsArray();
        Assert.Equal([("EUR", 1_999L), ("USD", 2_199L)], prices.Select(p => ((string)p!["currency"]!, (long)p["listPriceMinor"]!)));
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.Status);
        Assert.Contains("percent_basis_points", tooMuch.Body!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownCoupon.Status);
        var listed = (await SendAsync(HttpMethod.Get, "admin/promotions")).Body!;
        Assert.Equal("half", (string?)listed["promotions"]![0]!["promotionId"]);
        Assert.Equal("r", (string?)listed["stackingRules"]![0]!["ruleId"]);
    }

    [Fact]
    public async Task A_discounted_order_posts_balanced_documents_and_a_return_refunds_no_more_than_the_line_paid()
    {
        await using var host = await StartAsync();
        await SeedAsync(host, "tee", "cap");
        await host.Client.UpsertPromotionAsync(new Promotion { PromotionId = "tee10", Kind = PromotionKind.PromotionSkuPercent, Skus = { "tee" }, PercentBasisPoints = 1_000 });
        await host.Client.UpsertPromotionAsync(new Promotion { PromotionId = "mj", Kind = PromotionKind.PromotionOrderThreshold, AmountMinor = 3_000, ThresholdMinor = 30_000, Currency = "EUR" });
        var placed = (await host.Client.PlaceOrderAsync(Order("erp", lines: [("tee", 2, 10_000), ("cap", 1, 15_000)]))).Order;

        await host.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = placed.OrderId, PaymentReference = "pay-erp", AmountMinor = 30_000 });
        await host.Client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "ops" });
        await host.Client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = placed.OrderId,
            WarehouseId = "berlin",
            ShipmentId = "s-erp",
            Carrier = "DHL",
            TrackingNumber = "T-erp",
            Lines = { new LineQuantity { Sku = "tee", Quantity = 2 }, new LineQuantity { Sku = "cap", Quantity = 1 } },
        });
        var completed = await host.Client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = placed.OrderId, ShipmentId = "s-erp" });
        Assert.Equal(OrderStatus.Completed, completed.Status);
        var entries = await PostedAsync(host, placed.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice);

        // Discount 50.00 (VAT-inclusive) = 44.25 net; billed 300.00 = 265.49 net + 34.51 VAT.
        var invoice = entries[1];
        Assert.Equal(4_425, Balance([invoice], ChartOfAccounts.SalesDiscounts));
        Assert.Equal(-(26_549 + 4_425), Balance([invoice], ChartOfAccounts.SalesRevenue));
        Assert.Equal(-3_451, Balance([invoice], ChartOfAccounts.OutputVat));
        Assert.Equal(0, Balance(entries, ChartOfAccounts.CustomerAdvances));

        // One tee back: 90.00 less its share of the 30.00 (1,636 over 2 units, rounded up: 8.18) = 81.82.
        var returned = await host.Client.RequestReturnAsync(new ReturnRequest { OrderId = placed.OrderId, ReturnRequestId = "r-erp", Lines = { new LineQuantity { Sku = "tee", Quantity = 1 } }, Reason = "too big" });
        var rma = Assert.Single(returned.Returns);
        var received = await host.Client.ReceiveReturnAsync(new ReturnReceipt { OrderId = placed.OrderId, RmaId = rma.RmaId, WarehouseId = "berlin", Lines = { new ReturnedLine { Sku = "tee", Quantity = 1, Condition = ItemCondition.Resalable } } });
        Assert.Equal(8_182, Assert.Single(received.Refunds).AmountMinor);
        Assert.True(8_182 <= received.Lines[0].PaidMinor / 2 + 1);
        var all = await PostedAsync(host, placed.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice, DocumentTypes.CreditNote);
        Assert.Equal(0, Balance(all, ChartOfAccounts.CustomerAdvances));
        Assert.Equal(30_000 - 8_182, Balance(all, ChartOfAccounts.CashClearing));
        Assert.Equal(0, all.SelectMany(e => e.Lines).Sum(l => l.DebitMinor - l.CreditMinor));
    }
}
