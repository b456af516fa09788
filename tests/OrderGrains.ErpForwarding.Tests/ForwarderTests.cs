using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrderGrains.Abstractions;
using OrderGrains.Erp;
using OrderGrains.Grains;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>The forwarder through real grains on the real runtime, with the ERP (outside the system) stubbed.</summary>
public sealed class ForwarderTests
{
    private static readonly ShippingAddress Berlin = new("Ada", "Unter den Linden 1", "Berlin", "BE", "DE", "10117", 52.52, 13.40);

    [Fact]
    public async Task Each_completed_order_posts_its_payment_then_its_invoice_once()
    {
        var erp = new StubErp();
        await using var silo = await StartAsync(erp);
        await SeedAsync(silo.GrainFactory);

        var totals = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => CompleteAsync(silo.GrainFactory, $"o{i}", 1 + (i % 4))));

        await WaitUntilAsync(() => erp.Entries.Count == 60);
        foreach (var (orderId, total) in totals)
        {
            var entries = erp.Entries.Where(e => e.OrderId == orderId).ToList();
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], entries.Select(e => e.DocumentType));
            Assert.Equal(total, entries[1].Lines.Sum(l => l.CreditMinor));
            Assert.Equal(ChartOfAccounts.CustomerAdvances, entries[1].Lines.Single(l => l.DebitMinor > 0).Account);
        }

        Assert.Equal(60, (await StatsAsync(silo.GrainFactory)).Sum(s => s.Posted));
    }

    [Fact]
    public async Task A_backlog_worked_off_one_batch_per_turn_posts_every_document_once_and_in_order()
    {
        // Turns end after every batch (MaxPullTurn 1 tick, batches of 4): the next poll must go on from the checkpoint,
        // skipping nothing and posting nothing twice, and the forwarder answers calls between the turns.
        var erp = new StubErp();
        await using var silo = await StartAsync(erp, o =>
        {
            o.MaxPullTurn = TimeSpan.FromTicks(1);
            o.BatchSize = 4;
            o.PollInterval = TimeSpan.FromMilliseconds(20);
        });
        await SeedAsync(silo.GrainFactory);

        var totals = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => CompleteAsync(silo.GrainFactory, $"turn{i}", 1 + (i % 3))));

        await WaitUntilAsync(() => erp.Entries.Count == 80);
        foreach (var (orderId, total) in totals)
        {
            var entries = erp.Entries.Where(e => e.OrderId == orderId).ToList();
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], entries.Select(e => e.DocumentType));
            Assert.Equal(total, entries[1].Lines.Sum(l => l.CreditMinor));
        }

        Assert.Equal(80, erp.Entries.Select(e => e.IdempotencyKey).Distinct().Count());
        Assert.Equal(80, (await StatsAsync(silo.GrainFactory)).Sum(s => s.Posted));
    }

    [Fact]
    public async Task While_the_erp_is_down_the_backlog_waits_and_drains_in_order_without_duplicates_when_it_returns()
    {
        var erp = new StubErp();
        await using var silo = await StartAsync(erp);
        await SeedAsync(silo.GrainFactory);
        erp.Down = true;

        var orders = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => CompleteAsync(silo.GrainFactory, $"down{i}", 1)));
        await WaitUntilAsync(() => erp.Attempts >= 10);
        Assert.Empty(erp.Entries);
        var whileDown = await StatsAsync(silo.GrainFactory);
        Assert.True(whileDown.Sum(s => s.Failed) > 0);
        Assert.True(whileDown.Sum(s => s.Backlog) >= 20, "at least the payment and invoice events of every order wait");

        erp.Down = false;

        await WaitUntilAsync(() => erp.Entries.Count == 20);
        await Task.Delay(500);
        Assert.Equal(20, erp.Entries.Count);
        var afterDrain = await StatsAsync(silo.GrainFactory);
        Assert.Equal(0, afterDrain.Sum(s => s.DeadLettered));
        Assert.Equal(0, afterDrain.Sum(s => s.Backlog));
        Assert.All(afterDrain, s => Assert.Equal(TimeSpan.Zero, s.Lag));
        foreach (var (orderId, _) in orders)
        {
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], erp.Entries.Where(e => e.OrderId == orderId).Select(e => e.DocumentType));
        }
    }

    [Fact]
    public async Task Rejected_entry_is_dead_lettered_its_orders_later_documents_park_behind_it_other_orders_post_and_a_retry_after_the_fix_posts_them_in_order()
    {
        var erp = new StubErp();
        await using var silo = await StartAsync(erp);
        await SeedAsync(silo.GrainFactory);
        erp.RejectedOrders["web:bad"] = true;
        var badPartition = StreamPartitioner.PartitionOf("web:bad", 8);

        // Two of the good orders share the bad order's partition, so the partition must keep moving past it.
        var neighbours = Enumerable.Range(0, 500).Select(i => $"good{i}").Where(id => StreamPartitioner.PartitionOf("web:" + id, 8) == badPartition).Take(2).ToList();
        var others = Enumerable.Range(500, 500).Select(i => $"good{i}").Where(id => StreamPartitioner.PartitionOf("web:" + id, 8) != badPartition).Take(3).ToList();
        var (badId, _) = await CompleteAsync(silo.GrainFactory, "bad", 1);
        await Task.WhenAll(neighbours.Concat(others).Select(id => CompleteAsync(silo.GrainFactory, id, 1)));

        await WaitUntilAsync(() => erp.Entries.Count == 10);
        var owner = Forwarders(silo.GrainFactory)[badPartition];
        await WaitUntilAsync(async () => (await owner.GetParkedAsync()).Count == 1);
        var letter = Assert.Single(await owner.GetDeadLettersAsync());
        Assert.Equal(badId, letter.OrderId);
        Assert.Equal(DocumentTypes.CustomerPayment, letter.DocumentType);
        Assert.Contains("rejected (422)", letter.Reason, StringComparison.Ordinal);
        var parked = Assert.Single(await owner.GetParkedAsync());
        Assert.Equal(DocumentTypes.SalesInvoice, parked.DocumentType);
        Assert.True(parked.Sequence > letter.Sequence);
        Assert.All(neighbours, id => Assert.Equal(2, erp.Entries.Count(e => e.OrderId == "web:" + id)));
        Assert.DoesNotContain(erp.Entries, e => e.OrderId == badId);
        var stats = await owner.GetStatsAsync();
        Assert.Equal((1, 1, 0L), (stats.DeadLettered, stats.Parked, stats.Backlog));
        Assert.Contains(ErpAlerts.Evaluate(await StatsAsync(silo.GrainFactory), TimeSpan.FromMinutes(2)), a => a.Kind == ErpAlerts.DeadLetters);

        Assert.False(await owner.RetryDeadLetterAsync(letter.EventId));
        Assert.Equal(2, Assert.Single(await owner.GetDeadLettersAsync()).Attempts);
        Assert.Single(await owner.GetParkedAsync());
        Assert.DoesNotContain(erp.Entries, e => e.OrderId == badId);

        erp.RejectedOrders.Clear();
        Assert.True(await owner.RetryDeadLetterAsync(letter.EventId));

        await WaitUntilAsync(() => erp.Entries.Count == 12);
        Assert.Empty(await owner.GetDeadLettersAsync());
        Assert.Empty(await owner.GetParkedAsync());
        Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], erp.Entries.Where(e => e.OrderId == badId).Select(e => e.DocumentType));
        Assert.Empty(ErpAlerts.Evaluate(await StatsAsync(silo.GrainFactory), TimeSpan.FromMinutes(2)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_dead_letter_and_the_document_parked_behind_it_survive_a_restart_and_post_in_order_after_the_fix(string storageKind)
    {
        await using var storage = TestStorage.Create(storageKind);
        var erp = new StubErp();
        erp.RejectedOrders["web:bad"] = true;
        var partition = StreamPartitioner.PartitionOf("web:bad", 8);
        string badId;
        await using (var before = await StartOnAsync(storage, erp))
        {
            await SeedAsync(before.GrainFactory);
            (badId, _) = await CompleteAsync(before.GrainFactory, "bad", 1);
            await WaitUntilAsync(async () => (await Forwarders(before.GrainFactory)[partition].GetParkedAsync()).Count == 1);
        }

        // The ERP is fixed while the OMS is down; the letter still waits for an operator's retry after the restart.
        erp.RejectedOrders.Clear();
        await using var silo = await StartOnAsync(storage, erp);
        var forwarder = Forwarders(silo.GrainFactory)[partition];

        var letter = Assert.Single(await forwarder.GetDeadLettersAsync());
        Assert.Equal((badId, DocumentTypes.CustomerPayment), (letter.OrderId, letter.DocumentType));
        Assert.Equal(DocumentTypes.SalesInvoice, Assert.Single(await forwarder.GetParkedAsync()).DocumentType);
        var stats = await forwarder.GetStatsAsync();
        Assert.Equal((1, 1), (stats.DeadLettered, stats.Parked));
        Assert.DoesNotContain(erp.Entries, e => e.OrderId == badId);

        Assert.True(await forwarder.RetryDeadLetterAsync(letter.EventId));

        await WaitUntilAsync(() => erp.Entries.Count(e => e.OrderId == badId) == 2);
        Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], erp.Entries.Where(e => e.OrderId == badId).Select(e => e.DocumentType));
        Assert.Empty(await forwarder.GetDeadLettersAsync());
        Assert.Empty(await forwarder.GetParkedAsync());
    }

    [Fact]
    public async Task An_erp_down_far_past_any_attempt_limit_dead_letters_nothing_shows_its_backlog_and_drains_in_order_when_it_returns()
    {
        var gauges = new ConcurrentDictionary<string, long>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ErpTelemetry.Name && instrument.Name is "ordergrains.erp.partition_state" or "ordergrains.erp.backlog")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var state = instrument.Name == "ordergrains.erp.backlog" ? "backlog" : (string?)tags.ToArray().Single(t => t.Key == "state").Value;
            gauges.AddOrUpdate(state!, value, (_, sum) => sum + value);
        });
        meters.Start();
        var erp = new StubErp { Down = true };
        await using var silo = await StartAsync(erp, o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(200));
        await SeedAsync(silo.GrainFactory);

        var orders = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => CompleteAsync(silo.GrainFactory, $"outage{i}", 1)));

        // The old forwarder gave up on an event after 20 failed posts; this one never does.
        await WaitUntilAsync(async () => (await StatsAsync(silo.GrainFactory)).Max(s => s.ConsecutiveFailures) > 30, TimeSpan.FromSeconds(90));
        var whileDown = await StatsAsync(silo.GrainFactory);
        Assert.Empty(erp.Entries);
        Assert.All(whileDown, s => Assert.Equal(0, s.DeadLettered));
        Assert.True(whileDown.Sum(s => s.Backlog) >= 20, "at least the payment and invoice events of every order wait");
        var waiting = whileDown.Where(s => s.Backlog > 0).ToList();
        Assert.All(waiting, s =>
        {
            Assert.Equal(ErpForwarderStatus.WaitingForErp, s.Status);
            Assert.True(s.Lag > TimeSpan.Zero);
            Assert.NotNull(s.OldestUnpostedAppendedAt);
            Assert.NotNull(s.NextAttemptAt);
            Assert.Contains("stub ERP is down", s.LastError, StringComparison.Ordinal);
        });
        Assert.Contains(ErpAlerts.Evaluate(whileDown, TimeSpan.FromMilliseconds(1)), a => a.Kind == ErpAlerts.Lag);
        gauges.Clear();
        meters.RecordObservableInstruments();
        Assert.True(gauges.GetValueOrDefault("waiting_for_erp") >= 1, string.Join(", ", gauges));
        Assert.True(gauges.GetValueOrDefault("backlog") >= 1, string.Join(", ", gauges));

        erp.Down = false;

        await WaitUntilAsync(() => erp.Entries.Count == 20, TimeSpan.FromSeconds(60));
        foreach (var (orderId, _) in orders)
        {
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], erp.Entries.Where(e => e.OrderId == orderId).Select(e => e.DocumentType));
        }

        await WaitUntilAsync(async () => (await StatsAsync(silo.GrainFactory)).All(s => s.Backlog == 0 && s.Status == ErpForwarderStatus.Posting && s.ConsecutiveFailures == 0));
        Assert.All(await StatsAsync(silo.GrainFactory), s => Assert.Equal(0, s.DeadLettered));
        Assert.Equal(20, erp.Entries.Count);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_cap_is_waited_only_up_to_the_cap()
    {
        var erp = new StubErp { Down = true, RetryAfter = TimeSpan.FromHours(1) };
        await using var silo = await StartAsync(erp, o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(300));
        await SeedAsync(silo.GrainFactory);

        var (orderId, _) = await CompleteAsync(silo.GrainFactory, "busy", 1);

        // An hour each, uncapped: three failures in a row prove the cap applied.
        await WaitUntilAsync(async () => (await StatsAsync(silo.GrainFactory)).Max(s => s.ConsecutiveFailures) >= 3);
        erp.Down = false;
        await WaitUntilAsync(() => erp.Entries.Count == 2);
        Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], erp.Entries.Where(e => e.OrderId == orderId).Select(e => e.DocumentType));
        Assert.All(await StatsAsync(silo.GrainFactory), s => Assert.Equal(0, s.DeadLettered));
    }

    [Fact]
    public async Task An_erp_that_refuses_the_caller_blocks_the_partition_and_dead_letters_nothing()
    {
        var erp = new StubErp { RefusesCaller = true };
        await using var silo = await StartAsync(erp, o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(200));
        await SeedAsync(silo.GrainFactory);

        await CompleteAsync(silo.GrainFactory, "locked-out", 1);

        await WaitUntilAsync(async () => (await StatsAsync(silo.GrainFactory)).Any(s => s.Status == ErpForwarderStatus.Blocked && s.ConsecutiveFailures >= 3));
        var stats = await StatsAsync(silo.GrainFactory);
        Assert.All(stats, s => Assert.Equal(0, s.DeadLettered));
        Assert.Contains(ErpAlerts.Evaluate(stats, TimeSpan.FromMinutes(2)), a => a.Kind == ErpAlerts.Blocked);

        erp.RefusesCaller = false;
        await WaitUntilAsync(() => erp.Entries.Count == 2);
        await WaitUntilAsync(async () => (await StatsAsync(silo.GrainFactory)).All(s => s.Status == ErpForwarderStatus.Posting));
    }

    [Fact]
    public async Task Every_posting_attempt_is_an_erp_post_span_and_posted_failed_and_dead_lettered_are_counted()
    {
        var counts = new ConcurrentDictionary<string, double>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ErpTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => counts.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        meters.SetMeasurementEventCallback<double>((instrument, _, _, _) => counts.AddOrUpdate(instrument.Name, 1, (_, n) => n + 1));
        meters.Start();
        var spans = new ConcurrentQueue<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ErpTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(tracing);
        var erp = new StubErp { Down = true };
        await using var silo = await StartAsync(erp);
        await SeedAsync(silo.GrainFactory);
        erp.RejectedOrders["web:telemetry-bad"] = true;

        var (flaky, _) = await CompleteAsync(silo.GrainFactory, "telemetry-flaky", 1);
        await WaitUntilAsync(() => erp.Attempts >= 3);
        erp.Down = false;
        await CompleteAsync(silo.GrainFactory, "telemetry-bad", 1);
        // Its payment is refused and dead-lettered; its invoice parks behind it without a post.
        await WaitUntilAsync(() => erp.Entries.Count == 2 && counts.GetValueOrDefault("ordergrains.erp.dead_lettered") == 1);
        await WaitUntilAsync(async () => (await StatsAsync(silo.GrainFactory)).Sum(s => s.Parked) == 1);
        await WaitUntilAsync(() => spans.Count(s => s.DisplayName == ErpTelemetry.PostSpanName) == erp.Attempts);

        Assert.Equal(2, counts["ordergrains.erp.posted"]);
        Assert.Equal(2, counts["ordergrains.erp.lag"]);
        var posts = spans.Where(s => s.DisplayName == ErpTelemetry.PostSpanName).ToList();
        var failed = posts.Count(s => s.Status == ActivityStatusCode.Error);
        Assert.Equal(erp.Attempts - 2, failed);
        Assert.Equal(failed - 1, counts["ordergrains.erp.failed"]);
        Assert.Equal(2, posts.Count(s => s.Status == ActivityStatusCode.Unset && (string?)s.GetTagItem("ordergrains.order.id") == flaky));
        Assert.All(posts, s => Assert.EndsWith(":" + s.GetTagItem("ordergrains.erp.document_type"), (string?)s.GetTagItem("ordergrains.erp.idempotency_key"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_written_while_no_forwarder_ran_are_forwarded_after_a_restart_without_any_call()
    {
        var storage = TestStorage.Memory();
        await using (var before = await TestSilo.StartAsync(storage, b => b.AddOrderDomain()))
        {
            await SeedAsync(before.GrainFactory);
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => CompleteAsync(before.GrainFactory, $"early{i}", 1)));
        }

        var erp = new StubErp();
        await using var silo = await TestSilo.StartAsync(storage, b => b
            .AddOrderDomain()
            .AddErpForwarding(_ => erp, o => o.RetryDelay = TimeSpan.FromMilliseconds(10)));

        await WaitUntilAsync(() => erp.Entries.Count == 10);
        var stats = await StatsAsync(silo.GrainFactory);
        Assert.Equal(10, stats.Sum(s => s.Posted));
        Assert.Equal(0, stats.Sum(s => s.Backlog));
    }

    [Fact]
    public async Task Partitions_of_a_killed_silo_are_taken_over_by_the_other_and_their_events_still_post_once()
    {
        var erp = new StubErp();
        await using var cluster = await TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain().AddErpForwarding(_ => erp, o =>
            {
                o.RetryDelay = TimeSpan.FromMilliseconds(10);
                o.KeepAlivePeriod = TimeSpan.FromSeconds(1);
            }),
            silos: 2);
        await SeedAsync(cluster.GrainFactory);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => CompleteAsync(cluster.GrainFactory, $"first{i}", 1)));
        await WaitUntilAsync(() => erp.Entries.Count == 20);
        var management = cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        var forwarders = (await management.GetSimpleGrainStatistics())
            .Where(s => s.ActivationCount > 0 && s.GrainType.Contains(typeof(ErpForwarderGrain).FullName!, StringComparison.Ordinal))
            .ToList();
        Assert.Equal(8, forwarders.Sum(s => s.ActivationCount));
        var busiest = forwarders.MaxBy(s => s.ActivationCount)!.SiloAddress;
        var victim = cluster.Cluster.Silos.Single(s => s.SiloAddress.Equals(busiest));

        await cluster.Cluster.KillSiloAsync(victim);
        await cluster.Cluster.WaitForLivenessToStabilizeAsync(didKill: true);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => CompleteAsync(cluster.GrainFactory, $"second{i}", 1)));

        await WaitUntilAsync(() => erp.Entries.Count == 40, TimeSpan.FromSeconds(90));
        Assert.All(erp.Entries.GroupBy(e => e.OrderId), g => Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], g.Select(e => e.DocumentType)));
        var stats = await StatsAsync(cluster.GrainFactory);
        Assert.Equal(40, stats.Sum(s => s.Posted));
        Assert.Equal(0, stats.Sum(s => s.Backlog));
    }

    [Fact]
    public async Task Dead_letters_stored_by_the_old_forwarder_inside_its_checkpoint_open_and_stay_retryable()
    {
        var storage = TestStorage.Memory();
        var paid = new OrderEvent("web:legacy", 2, OrderEventKind.Paid, "web", "ada", "EUR", 1_130, 1_130, true, [], DateTimeOffset.UnixEpoch, "pay-legacy");
        await using (var before = await TestSilo.StartAsync(storage, b => b.AddOrderDomain()))
        {
            // The checkpoint state as the forwarder before this change wrote it: dead letters inside, no held state.
            var grainStorage = before.Services.GetRequiredKeyedService<IGrainStorage>(OrderGrainsStorage.Name);
            var old = new GrainState<ErpForwarderState>(new ErpForwarderState
            {
                DeadLetters = [new ErpDeadLetter("web:legacy#2", "web:legacy", DocumentTypes.CustomerPayment, "failed 20 times: connection refused", 20, DateTimeOffset.UnixEpoch, paid)],
            });
            await grainStorage.WriteStateAsync("erp-forwarder", GrainId.Create("erpforwarder", "0"), old);
        }

        var erp = new StubErp();
        await using var silo = await TestSilo.StartAsync(storage, b => b
            .AddOrderDomain()
            .AddErpForwarding(_ => erp, o => o.RetryDelay = TimeSpan.FromMilliseconds(10)));
        var forwarder = Forwarders(silo.GrainFactory)[0];

        var letter = Assert.Single(await forwarder.GetDeadLettersAsync());
        Assert.Equal("web:legacy#2", letter.EventId);
        Assert.Equal(1, (await forwarder.GetStatsAsync()).DeadLettered);
        Assert.True(await forwarder.RetryDeadLetterAsync(letter.EventId));
        Assert.Empty(await forwarder.GetDeadLettersAsync());
        Assert.Equal(["web:legacy"], erp.Entries.Select(e => e.OrderId));
    }

    [Fact]
    public void Vat_split_is_exact_and_rounds_to_the_minor_unit()
    {
        Assert.Equal((10_000, 1_300), ErpDocuments.Split(11_300, 1300));
        Assert.Equal((885, 115), ErpDocuments.Split(1_000, 1300));
        for (long gross = 0; gross < 5_000; gross += 7)
        {
            var (net, vat) = ErpDocuments.Split(gross, 1300);
            Assert.Equal(gross, net + vat);
        }
    }

    private static Task<TestSilo> StartAsync(StubErp erp, Action<ErpForwarderOptions>? configure = null) =>
        TestSilo.StartAsync(TestStorage.Memory(), b => b
            .AddOrderDomain()
            .AddErpForwarding(_ => erp, o =>
            {
                o.RetryDelay = TimeSpan.FromMilliseconds(10);
                configure?.Invoke(o);
            }));

    private static Task<TestSilo> StartOnAsync(TestStorage storage, StubErp erp) =>
        TestSilo.StartAsync(storage, b => b
            .AddOrderDomain()
            .AddErpForwarding(_ => erp, o => o.RetryDelay = TimeSpan.FromMilliseconds(10)));

    private static async Task SeedAsync(IGrainFactory grains)
    {
        await grains.GetGrain<IWarehouseGrain>("berlin").UpsertAsync(new WarehouseInfo("berlin", "Berlin", 52.4, 13.3, true));
        await grains.GetGrain<ISkuStockGrain>("sku-1").SetStockAsync(new SetStockCommand("berlin", 10_000, "seed"));
        await grains.GetGrain<ICustomerAccountGrain>("ada").UpsertAsync(new CustomerProfile("ada", "Ada", "gold", 0, false));
    }

    private static async Task<(string OrderId, long Total)> CompleteAsync(IGrainFactory grains, string externalId, int quantity)
    {
        var orderId = OrderIds.For("web", externalId);
        var order = grains.GetGrain<IOrderGrain>(orderId);
        var placed = (await order.PlaceAsync(new PlaceOrderCommand("web", externalId, "ada", [new OrderLine("sku-1", quantity, 1_130)], Berlin, null, "EUR"))).Order;
        await order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-" + externalId, placed.TotalMinor));
        await order.ReleaseAsync("test");
        await order.ReportShipmentAsync(new ReportShipmentCommand("berlin", "s-" + externalId, [new LineQuantity("sku-1", quantity)], "DHL", "T1"));
        var completed = await order.ConfirmDeliveryAsync("s-" + externalId);
        Assert.Equal(OrderStatus.Completed, completed.Status);
        return (orderId, placed.TotalMinor);
    }

    private static IReadOnlyList<IErpForwarderGrain> Forwarders(IGrainFactory grains) =>
        [.. Enumerable.Range(0, 8).Select(p => grains.GetGrain<IErpForwarderGrain>(p.ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    private static async Task<ErpForwarderStats[]> StatsAsync(IGrainFactory grains) =>
        await Task.WhenAll(Forwarders(grains).Select(f => f.GetStatsAsync()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(50);
        }
    }
}
