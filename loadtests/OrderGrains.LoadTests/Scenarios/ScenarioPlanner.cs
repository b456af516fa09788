using System.Globalization;

namespace OrderGrains.LoadTests.Scenarios;

/// <summary>Builds the arrival schedule of each scenario from the options and a seed.</summary>
public static class ScenarioPlanner
{
    private static readonly string[] Channels = ["web", "app", "marketplace", "pos"];

    // Steady: web 40%, app 30%, marketplace 20%, pos 10%.
    private static readonly double[] ChannelWeights = [0.4, 0.3, 0.2, 0.1];

    // Steady: 1 line 55%, 2 lines 25%, 3 lines 12%, 4 lines 8%.
    private static readonly double[] LineCountWeights = [0.55, 0.25, 0.12, 0.08];

    public static ScenarioPlan Create(LoadTestOptions options, string runId)
    {
        var plan = options.Scenario switch
        {
            "flash-sale" => FlashSale(options, runId),
            "steady" => Steady(options, runId),
            "expiry" => Expiry(options, runId),
            "failover" when options.Mix == "steady" => Steady(options, runId),
            "failover" => FlashSale(options, runId, (int)Math.Max(1, Math.Round(options.Rate * options.DurationSeconds)), options.DurationSeconds),
            _ => throw new ArgumentException($"Unknown scenario '{options.Scenario}'."),
        };
        return options.WarmupOrders > 0 ? WithWarmup(options, plan) : plan;
    }

    /// <summary>Adds single-line orders on a SKU of their own at a modest rate, indexes after every measured order.</summary>
    private static ScenarioPlan WithWarmup(LoadTestOptions options, ScenarioPlan plan)
    {
        var sku = plan.RunId + "-warm";
        const double Rate = 500;
        var first = 10_000_000;
        var orders = Enumerable.Range(0, options.WarmupOrders)
            .Select(i => new PlannedOrder(
                first + i,
                (long)(i * 1_000_000.0 / Rate),
                Channels[i % Channels.Length],
                $"{plan.RunId}-warm-{i.ToString(CultureInfo.InvariantCulture)}",
                plan.Customers[i % plan.Customers.Count],
                [new PlannedLine(sku, 1, 100)],
                CampaignId: null,
                FollowUp.None,
                TimeSpan.Zero))
            .ToList();
        var stock = plan.Stock.Append(new PlannedStock(plan.Warehouses[0].WarehouseId, sku, options.WarmupOrders)).ToList();
        return plan with { Stock = stock, Warmup = new PlannedPhase("warm-up", Rate, orders) };
    }

    /// <summary>Steady's second phase: the same mix at <paramref name="rate"/>, order indexes continuing the first phase's.</summary>
    public static PlannedPhase SteadyPhase(LoadTestOptions options, ScenarioPlan plan, string name, double rate, double seconds, int firstIndex)
    {
        var random = new Random(options.Seed + firstIndex);
        var skus = plan.Stock.Select(s => s.Sku).Distinct(StringComparer.Ordinal).ToArray();
        var zipf = new ZipfSampler(skus.Length, 1.0);
        var count = (int)Math.Max(1, Math.Round(rate * seconds));
        var orders = new List<PlannedOrder>(count);
        for (var i = 0; i < count; i++)
        {
            var index = firstIndex + i;
            var lineCount = Pick(random, LineCountWeights) + 1;
            var lines = new List<PlannedLine>(lineCount);
            var used = new HashSet<int>();
            while (lines.Count < lineCount)
            {
                var sku = zipf.Sample(random);
                if (used.Add(sku))
                {
                    var quantity = random.NextDouble() switch { < 0.80 => 1, < 0.95 => 2, _ => 3 };
                    lines.Add(new PlannedLine(skus[sku], quantity, 500 + (sku % 50 * 100)));
                }
            }

            var followUp = random.NextDouble() switch { < 0.7 => FollowUp.Pay, < 0.8 => FollowUp.Cancel, _ => FollowUp.None };
            orders.Add(new PlannedOrder(
                index,
                (long)(i * 1_000_000.0 / rate),
                Channels[Pick(random, ChannelWeights)],
                $"{plan.RunId}-{index}",
                plan.Customers[random.Next(plan.Customers.Count)],
                lines,
                CampaignId: null,
                followUp,
                TimeSpan.FromMilliseconds(random.Next(100, 1_000))));
        }

        return new PlannedPhase(name, rate, orders);
    }

    private static ScenarioPlan FlashSale(LoadTestOptions options, string runId) => FlashSale(options, runId, options.Buyers, options.ArrivalSeconds);

    /// <summary>One hot SKU: <paramref name="buyers"/> single-unit attempts spread evenly over <paramref name="arrivalSeconds"/> (0 = all at once).</summary>
    private static ScenarioPlan FlashSale(LoadTestOptions options, string runId, int buyers, double arrivalSeconds)
    {
        var random = new Random(options.Seed);
        var warehouses = Warehouses(runId, options.Warehouses);
        var sku = runId + "-hot";
        var stock = warehouses
            .Select((w, i) => new PlannedStock(w.WarehouseId, sku, (options.Units / warehouses.Count) + (i < options.Units % warehouses.Count ? 1 : 0)))
            .ToList();
        const long Price = 999;
        var campaigns = options.PerCustomerLimit > 0
            ? new List<PlannedCampaign> { new(runId + "-flash", sku, Price, options.Units, options.PerCustomerLimit) }
            : [];
        var customers = new List<string>();
        var orders = new List<PlannedOrder>(buyers);
        var spacing = arrivalSeconds <= 0 ? 0 : arrivalSeconds * 1_000_000.0 / buyers;
        for (var i = 0; i < buyers; i++)
        {
            string customer;
            if (customers.Count > 0 && random.NextDouble() < options.RepeatFraction)
            {
                customer = customers[random.Next(customers.Count)];
            }
            else
            {
                customer = $"{runId}-b{customers.Count.ToString(CultureInfo.InvariantCulture)}";
                customers.Add(customer);
            }

            orders.Add(new PlannedOrder(
                i,
                (long)(i * spacing),
                Channels[i % Channels.Length],
                $"{runId}-{i}",
                customer,
                [new PlannedLine(sku, 1, Price)],
                campaigns.Count > 0 ? campaigns[0].CampaignId : null,
                FollowUp.None,
                TimeSpan.Zero));
        }

        var rate = arrivalSeconds <= 0 ? double.PositiveInfinity : buyers / arrivalSeconds;
        return new ScenarioPlan("flash-sale", runId, warehouses, stock, campaigns, customers, [new PlannedPhase("flash-sale", rate, orders)], SettleBeforeVerify: null);
    }

    private static ScenarioPlan Steady(LoadTestOptions options, string runId)
    {
        var warehouses = Warehouses(runId, options.Warehouses);
        var zipf = new ZipfSampler(options.Skus, 1.0);
        var expectedOrders = options.Rate * (options.DurationSeconds + (options.FollowupFraction * options.FollowupSeconds));
        const double LinesPerOrder = 1.73;
        const double UnitsPerLine = 1.25;
        var stock = new List<PlannedStock>();
        for (var k = 0; k < options.Skus; k++)
        {
            // Twice the expected demand, so out-of-stock stays rare and the run measures capacity, not sell-outs.
            var demand = expectedOrders * LinesPerOrder * UnitsPerLine * zipf.Probability(k);
            var perWarehouse = (int)Math.Min(int.MaxValue / 2, Math.Max(100, Math.Ceiling(demand * 2 / warehouses.Count)));
            foreach (var warehouse in warehouses)
            {
                stock.Add(new PlannedStock(warehouse.WarehouseId, $"{runId}-s{k.ToString(CultureInfo.InvariantCulture)}", perWarehouse));
            }
        }

        var customers = Enumerable.Range(0, options.Customers).Select(c => $"{runId}-c{c.ToString(CultureInfo.InvariantCulture)}").ToList();
        var plan = new ScenarioPlan("steady", runId, warehouses, stock, [], customers, [], SettleBeforeVerify: TimeSpan.FromSeconds(2));
        var phase = SteadyPhase(options, plan, "max-rate", options.Rate, options.DurationSeconds, firstIndex: 0);
        return plan with { Phases = [phase] };
    }

    private static ScenarioPlan Expiry(LoadTestOptions options, string runId)
    {
        var random = new Random(options.Seed);
        var warehouses = Warehouses(runId, options.Warehouses);
        var skuCount = Math.Min(options.Skus, 20);
        var total = (int)Math.Max(1, Math.Round(options.Rate * options.DurationSeconds));

        // Half the demand in stock: later buyers only succeed if expired reservations gave units back.
        var perSku = Math.Max(1, total / skuCount / 2 / warehouses.Count);
        var skus = Enumerable.Range(0, skuCount).Select(k => $"{runId}-e{k.ToString(CultureInfo.InvariantCulture)}").ToArray();
        var stock = skus.SelectMany(s => warehouses.Select(w => new PlannedStock(w.WarehouseId, s, perSku))).ToList();
        var customers = Enumerable.Range(0, Math.Min(options.Customers, total)).Select(c => $"{runId}-c{c.ToString(CultureInfo.InvariantCulture)}").ToList();
        var orders = new List<PlannedOrder>(total);
        for (var i = 0; i < total; i++)
        {
            var sku = skus[random.Next(skus.Length)];
            orders.Add(new PlannedOrder(
                i,
                (long)(i * 1_000_000.0 / options.Rate),
                Channels[i % Channels.Length],
                $"{runId}-{i}",
                customers[random.Next(customers.Count)],
                [new PlannedLine(sku, 1, 1_500)],
                CampaignId: null,
                random.NextDouble() < 0.3 ? FollowUp.Pay : FollowUp.None,
                TimeSpan.FromMilliseconds(random.Next(50, 500))));
        }

        return new ScenarioPlan("expiry", runId, warehouses, stock, [], customers, [new PlannedPhase("expiry", options.Rate, orders)], options.ReservationTimeout + TimeSpan.FromSeconds(5));
    }

    private static List<PlannedWarehouse> Warehouses(string runId, int count) =>
        Enumerable.Range(0, count)
            .Select(i => new PlannedWarehouse($"{runId}-w{i.ToString(CultureInfo.InvariantCulture)}", 48.0 + (i * 1.5 % 7), 8.0 + (i * 2.3 % 6)))
            .ToList();

    private static int Pick(Random random, double[] weights)
    {
        var x = random.NextDouble();
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }
}

/// <summary>Samples ranks 0..n-1 with probability proportional to 1/(rank+1)^s.</summary>
public sealed class ZipfSampler
{
    private readonly double[] _cumulative;

    public ZipfSampler(int n, double s)
    {
        _cumulative = new double[n];
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, s);
            _cumulative[k] = sum;
        }

        for (var k = 0; k < n; k++)
        {
            _cumulative[k] /= sum;
        }
    }

    public double Probability(int rank) => rank == 0 ? _cumulative[0] : _cumulative[rank] - _cumulative[rank - 1];

    public int Sample(Random random)
    {
        var index = Array.BinarySearch(_cumulative, random.NextDouble());
        return Math.Min(index >= 0 ? index : ~index, _cumulative.Length - 1);
    }
}
