using System.Globalization;
using System.Text.Json.Nodes;
using OrderGrains.Abstractions;
using OrderGrains.Grains;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Alerting.Tests;

/// <summary>
/// The inventory-alerts stream consumed into the operator alert list and posted to a real local HTTP receiver, on
/// real grains: retries, idempotency keys, give-ups, restarts.
/// </summary>
public sealed class AlertingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Inventory_alerts_are_listed_acknowledged_and_a_low_stock_alert_resolves_itself_when_stock_comes_back()
    {
        await using var silo = await StartAsync(TestStorage.Memory(), webhookUrl: null);
        await SeedAsync(silo.GrainFactory, "SKU-1", 3);
        var alerts = silo.GrainFactory.GetGrain<IOperatorAlertsGrain>(IOperatorAlertsGrain.InventoryCategory);

        await silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-1").SetLowStockThresholdAsync(new LowStockThreshold(5, null));

        var raised = await WaitForAsync(alerts, "SKU-1#low-1", a => a.Status == AlertStatus.Open);
        Assert.Equal((InventoryAlertNotices.LowStock, "SKU-1"), (raised.Kind, raised.Subject));
        Assert.Equal("SKU SKU-1 is low: 3 available (threshold: available <= 5)", raised.Message);
        await alerts.DecideAsync(raised.AlertId, AlertStatus.Acknowledged, "operator:alice");

        await silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-1").SetStockAsync(new SetStockCommand("BER", 50, "restock"));

        var resolved = await WaitForAsync(alerts, raised.AlertId, a => a.Status == AlertStatus.Resolved);
        Assert.Equal(InventoryAlertNotices.RestockActor, resolved.DecidedBy);

        // A shortage that leaves units backordered is an alert of its own.
        await silo.GrainFactory.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Ada", "gold", 0, false));
        await silo.GrainFactory.GetGrain<IOrderGrain>(OrderIds.For("web", "1")).PlaceAsync(new PlaceOrderCommand("web", "1", "c1", [new OrderLine("SKU-1", 48, 100)], Berlin, null, "EUR"));
        await silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-1").SetStockAsync(new SetStockCommand("BER", 46, "count"));
        await WaitUntilAsync(async () => (await alerts.ListAsync()).Any(a => a.Kind == InventoryAlertNotices.Backorder));
        var backorder = (await alerts.ListAsync()).Single(a => a.Kind == InventoryAlertNotices.Backorder);
        Assert.Equal("SKU SKU-1: warehouse BER is 2 units short of its reservations (cause count); 2 backordered, 0 re-sourced", backorder.Message);
    }

    [Fact]
    public async Task The_webhook_retries_refused_connections_5xx_408_and_429_with_the_same_key_and_body_until_the_receiver_takes_it()
    {
        await using var receiver = new WebhookReceiver();
        await using var silo = await StartAsync(TestStorage.Memory(), receiver.Url);
        await SeedAsync(silo.GrainFactory, "SKU-1", 3);

        // The receiver is not listening yet: connections are refused.
        await silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-1").SetLowStockThresholdAsync(new LowStockThreshold(5, null));
        await WaitUntilAsync(async () => (await WebhookAsync(silo)).Sum(p => p.FailedAttempts) >= 2);
        var waiting = (await WebhookAsync(silo)).Single(p => p.State == AlertWebhookState.Retrying);
        Assert.Equal("SKU-1#low-1", waiting.HeadAlertId);
        Assert.StartsWith("no answer", waiting.LastError, StringComparison.Ordinal);
        Assert.NotNull(waiting.NextAttemptAt);
        receiver.Answer = (_, n) => n switch
        {
            0 => (503, null),
            1 => (429, 1),
            2 => (408, null),
            3 => (500, null),
            _ => (200, null),
        };
        receiver.Start();

        await WaitUntilAsync(async () => (await WebhookAsync(silo)).Sum(p => p.Delivered) == 1);

        var attempts = receiver.Of("SKU-1#low-1");
        Assert.Equal(5, attempts.Count);
        Assert.Equal(5, receiver.Requests.Count);
        Assert.All(attempts, a => Assert.Equal(("POST", "application/json; charset=utf-8", attempts[0].Body), (a.Method, a.ContentType, a.Body)));
        var numbers = attempts.Select(a => int.Parse(a.Attempt!, CultureInfo.InvariantCulture)).ToList();
        Assert.True(numbers[0] > 2, "the refused connections were attempts too");
        Assert.Equal(Enumerable.Range(numbers[0], 5), numbers);
        Assert.True(attempts[2].At - attempts[1].At >= TimeSpan.FromMilliseconds(900), "Retry-After: 1 was honoured");
        var body = JsonNode.Parse(attempts[0].Body)!;
        Assert.Equal(("SKU-1#low-1", "inventory", "low_stock", "SKU-1"), ((string?)body["alertId"], (string?)body["category"], (string?)body["kind"], (string?)body["subject"]));
        Assert.Equal((3, 5), ((int)body["details"]!["available"]!, (int)body["details"]!["threshold"]!["minAvailable"]!));
        var done = (await WebhookAsync(silo)).Single(p => p.Partition == waiting.Partition);
        Assert.Equal((AlertWebhookState.Delivering, 0, (string?)null, (DateTimeOffset?)null), (done.State, done.ConsecutiveFailures, done.HeadAlertId, done.NextAttemptAt));
        await Task.Delay(300);
        Assert.Equal(5, receiver.Requests.Count);
    }

    [Fact]
    public async Task A_definitive_4xx_gives_the_alert_up_shows_it_and_the_partition_moves_on()
    {
        await using var receiver = new WebhookReceiver();
        receiver.Answer = (r, _) => r.IdempotencyKey == "SKU-BAD#low-1" ? (422, null) : (200, null);
        receiver.Start();
        await using var silo = await StartAsync(TestStorage.Memory(), receiver.Url);
        var partitions = ((IOutboxStore)silo.Store).PartitionCount;
        var neighbour = Enumerable.Range(0, 1_000).Select(i => $"SKU-{i}")
            .First(s => StreamPartitioner.PartitionOf(s, partitions) == StreamPartitioner.PartitionOf("SKU-BAD", partitions));
        await SeedAsync(silo.GrainFactory, "SKU-BAD", 0);
        await SeedAsync(silo.GrainFactory, neighbour, 0);

        await silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-BAD").SetLowStockThresholdAsync(new LowStockThreshold(1, null));
        await silo.GrainFactory.GetGrain<ISkuStockGrain>(neighbour).SetLowStockThresholdAsync(new LowStockThreshold(1, null));

        await WaitUntilAsync(() => Task.FromResult(receiver.Of(neighbour + "#low-1").Count == 1));
        var status = (await WebhookAsync(silo)).Single(p => p.Partition == StreamPartitioner.PartitionOf("SKU-BAD", partitions));
        var givenUp = Assert.Single(status.GivenUp);
        Assert.Equal(("SKU-BAD#low-1", 422, 1), (givenUp.AlertId, givenUp.StatusCode, givenUp.Attempts));
        Assert.Contains("receiver says 422", givenUp.Reason, StringComparison.Ordinal);
        Assert.Equal((1L, 0L), (status.Delivered, status.FailedAttempts));
        Assert.Single(receiver.Of("SKU-BAD#low-1"));

        // The receiver is fixed: an operator's retry sends the same key and body once more.
        receiver.Answer = (_, _) => (200, null);
        var sender = silo.GrainFactory.GetGrain<IAlertWebhookGrain>(status.Partition.ToString(CultureInfo.InvariantCulture));
        Assert.True(await sender.RetryGivenUpAsync("SKU-BAD#low-1"));
        var after = await sender.GetStatusAsync();
        Assert.Empty(after.GivenUp);
        Assert.Equal(2L, after.Delivered);
        var both = receiver.Of("SKU-BAD#low-1");
        Assert.Equal((2, both[0].Body, "2"), (both.Count, both[1].Body, both[1].Attempt));
        await Assert.ThrowsAsync<NotFoundException>(() => sender.RetryGivenUpAsync("SKU-BAD#low-1"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task After_a_restart_delivered_alerts_are_not_posted_again_and_new_ones_are(string storageName)
    {
        await using var receiver = new WebhookReceiver();
        receiver.Start();
        await using var storage = TestStorage.Create(storageName);
        var before = new[] { "SKU-A", "SKU-B", "SKU-C" };
        var after = new[] { "SKU-D", "SKU-E" };
        await using (var silo = await StartAsync(storage, receiver.Url))
        {
            foreach (var sku in before)
            {
                await SeedAsync(silo.GrainFactory, sku, 0);
                await silo.GrainFactory.GetGrain<ISkuStockGrain>(sku).SetLowStockThresholdAsync(new LowStockThreshold(1, null));
            }

            await WaitUntilAsync(async () => (await WebhookAsync(silo)).Sum(p => p.Delivered) == 3);
        }

        await using (var silo = await StartAsync(storage, receiver.Url))
        {
            foreach (var sku in after)
            {
                await SeedAsync(silo.GrainFactory, sku, 0);
                await silo.GrainFactory.GetGrain<ISkuStockGrain>(sku).SetLowStockThresholdAsync(new LowStockThreshold(1, null));
            }

            await WaitUntilAsync(() => Task.FromResult(after.All(s => receiver.Of(s + "#low-1").Count > 0)));
            await Task.Delay(500);
        }

        Assert.All(before, s => Assert.Single(receiver.Of(s + "#low-1")));
        Assert.Equal(5, receiver.Requests.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.All(receiver.Requests.GroupBy(r => r.IdempotencyKey), g => Assert.Single(g.Select(r => r.Body).Distinct()));
    }

    private static readonly ShippingAddress Berlin = new("Ada", "Unter den Linden 1", "Berlin", "BE", "DE", "10117", 52.52, 13.40);

    private static Task<TestSilo> StartAsync(TestStorage storage, string? webhookUrl) =>
        TestSilo.StartAsync(storage, b =>
        {
            b.AddOrderDomain();
            b.AddInventoryAlerting(o =>
            {
                o.PollInterval = TimeSpan.FromMilliseconds(50);
                o.Webhook.Url = webhookUrl;
                o.Webhook.RetryDelay = TimeSpan.FromMilliseconds(50);
                o.Webhook.MaxRetryDelay = TimeSpan.FromSeconds(2);
                o.Webhook.Timeout = TimeSpan.FromSeconds(5);
            });
        });

    private static async Task SeedAsync(IGrainFactory grains, string sku, int units)
    {
        await grains.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", 52.4, 13.3, true));
        await grains.GetGrain<ISkuStockGrain>(sku).SetStockAsync(new SetStockCommand("BER", units, "seed-" + sku));
    }

    private static async Task<AlertWebhookStatus[]> WebhookAsync(TestSilo silo) =>
        await Task.WhenAll(Enumerable.Range(0, ((IOutboxStore)silo.Store).PartitionCount)
            .Select(p => silo.GrainFactory.GetGrain<IAlertWebhookGrain>(p.ToString(CultureInfo.InvariantCulture)).GetStatusAsync()));

    private static async Task<OperatorAlert> WaitForAsync(IOperatorAlertsGrain alerts, string alertId, Func<OperatorAlert, bool> condition)
    {
        OperatorAlert? found = null;
        await WaitUntilAsync(async () =>
        {
            found = (await alerts.ListAsync()).FirstOrDefault(a => a.AlertId == alertId);
            return found is not null && condition(found);
        });
        return found!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(50);
        }
    }
}
