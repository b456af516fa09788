using System.Globalization;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.ErpForwarding;

namespace OrderGrains.Host.Tests;

/// <summary>What one order should have left in the ledger, tracked by the driver from the calls it made (not from the order's own accounts).</summary>
/// <remarks>
/// Exchanges: <see cref="ExchangeCredited"/> is the value of the units that came back for them (a credit note each),
/// <see cref="ExchangeInvoiced"/> the value of the replacements delivered (an invoice each), <see cref="ExchangePaid"/>
/// the extra payments (a customer payment each) and <see cref="ExchangeRefunded"/> the differences refunded.
/// Credit sales: <see cref="ReceivableInvoiced"/> is what the invoice booked to 1200 (the value delivered, for an order on
/// terms not paid up front), <see cref="PaidOnAccount"/> the payments against it (a customer payment each) and
/// <see cref="CreditedToInvoice"/> the part of returned value credited against its open balance instead of paid out.
/// </remarks>
public sealed record OrderMoneyExpectation(
    string OrderId,
    OrderStatus Status,
    long Paid,
    long RefundedForCancellations,
    long Delivered,
    long Returned,
    int Exchanges = 0,
    long ExchangeCredited = 0,
    long ExchangeInvoiced = 0,
    int ExchangePayments = 0,
    long ExchangePaid = 0,
    long ExchangeRefunded = 0,
    long ReceivableInvoiced = 0,
    int PaymentsOnAccount = 0,
    long PaidOnAccount = 0,
    long CreditedToInvoice = 0)
{
    /// <summary>Whether a sales invoice was posted: the order completed (returns come after completion).</summary>
    public bool Invoiced => Status is OrderStatus.Completed or OrderStatus.ReturnRequested or OrderStatus.PartiallyReturned or OrderStatus.Returned;

    /// <summary>
    /// 1010 Cash clearing: paid in (up front or against the invoice) − paid back for cancelled units − paid back for
    /// returned units (less what was credited against an open invoice), plus exchanges' extra payments less their refunds.
    /// </summary>
    public long Cash => Paid + PaidOnAccount - RefundedForCancellations - (Returned - CreditedToInvoice) + ExchangePaid - ExchangeRefunded;

    /// <summary>1200 Accounts receivable: invoiced on terms − paid against the invoice − returns credited against it.</summary>
    public long Receivable => ReceivableInvoiced - PaidOnAccount - CreditedToInvoice;

    /// <summary>What revenue and output VAT net to, negated: delivered − returned, replacements invoiced − exchanged units credited.</summary>
    public long Sold => Delivered - Returned + ExchangeInvoiced - ExchangeCredited;
}

/// <summary>
/// Runs a generated <see cref="Lifecycle"/> against a live host over gRPC, then drives every order to a final state
/// and checks each order's ledger entries. Each order gets SKUs of its own, so orders never compete for stock and
/// every stock change has one predictable effect.
/// </summary>
public sealed class OrderToCashDriver
{
    public const int VatRate = 1300;

    /// <summary>The customer of credit sales: NET_30, no credit limit, advance exchange (replacements go out before the goods come back).</summary>
    public const string TermsCustomer = "prop-terms";

    public static readonly (string Id, double Lat, double Lon)[] Warehouses =
    [
        ("pb-north", 53.55, 9.99),
        ("pb-east", 52.52, 13.40),
        ("pb-south", 48.14, 11.58),
    ];

    private static int _runs;

    /// <summary>How often each kind of call was actually made (generated steps that were not legal at the time are skipped).</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, int> Made { get; } = new(StringComparer.Ordinal);

    private readonly TestHost _host;
    private readonly Action<string> _log;

    public OrderToCashDriver(TestHost host, Action<string> log)
    {
        _host = host;
        _log = log;
    }

    /// <summary>Every order this driver took to a final state whose ledger checked out.</summary>
    public List<OrderMoneyExpectation> Settled { get; } = [];

    /// <summary>The final state of each order in <see cref="Settled"/>, as the wire showed it.</summary>
    public List<Order> Finals { get; } = [];

    public static async Task SeedAsync(OrderGrainsClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        foreach (var (id, lat, lon) in Warehouses)
        {
            await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = id, Name = id, Latitude = lat, Longitude = lon, Active = true });
        }

        await client.UpsertCustomerAsync(new Customer { CustomerId = "prop", Name = "Property" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = TermsCustomer, Name = "Property on terms", Tier = "b2b", PaymentTerms = "NET_30", AdvanceExchange = true });
    }

    public async Task RunAsync(Lifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        var run = Interlocked.Increment(ref _runs);
        var client = _host.Client;
        var orders = lifecycle.Orders.Select((script, i) => new OrderRun(client, $"r{run}o{i}", script)).ToList();
        await Task.WhenAll(orders.Select(o => o.PlaceAsync()));
        var rounds = lifecycle.Orders.Count == 0 ? 0 : lifecycle.Orders.Max(o => o.Steps.Count);
        for (var round = 0; round <= rounds; round++)
        {
            if (round == lifecycle.RestartAfterRound)
            {
                _log($"restarting the host after round {round}");
                await _host.RestartAsync();
            }

            if (round < rounds)
            {
                var current = round;
                await Task.WhenAll(orders.Where(o => current < o.Script.Steps.Count).Select(o => o.StepAsync(o.Script.Steps[current])));
            }
        }

        await Task.WhenAll(orders.Select(o => o.FinishAsync()));
        foreach (var order in orders)
        {
            var expectation = order.Expectation();
            await AssertLedgerAsync(expectation, order.Final!);
            Settled.Add(expectation);
            Finals.Add(order.Final!);
        }

        // Sums over the whole ledger are checked once at the end (AssertTrialBalanceAsync): a failed lifecycle leaves
        // entries behind that no later (shrunk) lifecycle accounts for, so here only the balance itself is checked.
        var trial = await Erp().GetTrialBalanceAsync(default);
        Assert.True(trial.Totals.All(t => t.BalanceMinor == 0), $"trial balance not zero: [{string.Join("; ", trial.Totals.Select(t => $"{t.Currency} {t.BalanceMinor}"))}]");
    }

    private HttpErpClient Erp() => new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_host.AdminPort}/") });

    /// <summary>Waits until the ledger holds the order's documents, then checks the money invariants of a settled order.</summary>
    private async Task AssertLedgerAsync(OrderMoneyExpectation expected, Order final)
    {
        // One credit note per refund (a paid order cancelled as a whole records one too), plus per exchange a credit note
        // for the units that came back, an invoice for the replacement and a payment for any extra due.
        var payments = (expected.Paid > 0 ? 1 : 0) + expected.PaymentsOnAccount + expected.ExchangePayments;
        var invoices = (expected.Invoiced ? 1 : 0) + expected.Exchanges;
        var documents = payments + final.Refunds.Count + expected.Exchanges + invoices;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<JournalEntry> entries;
        while (true)
        {
            entries = await Erp().GetJournalEntriesAsync(expected.OrderId, default);
            if (entries.Count >= documents || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        var context = $"order {expected.OrderId} ({expected}), ledger: [{string.Join("; ", entries.Select(Describe))}]";
        Assert.True(entries.Count == documents, $"{documents} documents expected: {context}");
        Assert.All(entries, e => Assert.True(e.Lines.Sum(l => l.DebitMinor) == e.Lines.Sum(l => l.CreditMinor), $"unbalanced entry: {context}"));
        Assert.True(entries.Count(e => e.DocumentType == DocumentTypes.SalesInvoice) == invoices, $"invoice count: {context}");
        Assert.True(entries.Count(e => e.DocumentType == DocumentTypes.CustomerPayment) == payments, $"payment count: {context}");
        foreach (var invoice in entries.Where(e => e.DocumentType == DocumentTypes.SalesInvoice))
        {
            var (net, vat) = ErpDocuments.Split(invoice.Lines.Sum(l => l.CreditMinor), VatRate);
            Assert.True(net == invoice.Lines.Where(l => l.Account == ChartOfAccounts.SalesRevenue).Sum(l => l.CreditMinor), $"invoice net: {context}");
            Assert.True(vat == invoice.Lines.Where(l => l.Account == ChartOfAccounts.OutputVat).Sum(l => l.CreditMinor), $"invoice VAT: {context}");
        }

        // Return refunds are paid out when the return is received (the credit note settles 2100 from cash).
        Assert.True(Balance(entries, ChartOfAccounts.CustomerAdvances) == 0, $"2100 Customer advances must net to zero: {context}");
        Assert.True(-expected.Sold == Balance(entries, ChartOfAccounts.SalesRevenue) + Balance(entries, ChartOfAccounts.OutputVat), $"revenue + VAT must be −(delivered − returned + replacements − exchanged): {context}");
        Assert.True(expected.Cash == Balance(entries, ChartOfAccounts.CashClearing), $"1010 Cash must be paid − refunded: {context}");
        Assert.True(Balance(entries, ChartOfAccounts.AccountsReceivable) == 0, $"1200 Receivables must net to zero: {context}");
        Assert.True(expected.Receivable == 0, $"the driver left an open balance: {context}");

        // A credit sale goes through 1200: invoiced there, cleared by its payments and by returns against the open balance.
        Assert.True(Debits(entries, DocumentTypes.SalesInvoice, ChartOfAccounts.AccountsReceivable) == expected.ReceivableInvoiced, $"invoice to 1200 must be the value delivered on terms: {context}");
        Assert.True(Credits(entries, DocumentTypes.CustomerPayment, ChartOfAccounts.AccountsReceivable) == expected.PaidOnAccount, $"payments against the invoice must credit 1200: {context}");
        Assert.True(Credits(entries, DocumentTypes.CreditNote, ChartOfAccounts.AccountsReceivable) == expected.CreditedToInvoice, $"returns on an open invoice must credit 1200: {context}");
        Assert.True(
            (final.InvoicedMinor, final.BalanceDueMinor, final.Payments.Sum(p => p.AmountMinor), final.Payments.Count) == (expected.ReceivableInvoiced, 0L, expected.PaidOnAccount, expected.PaymentsOnAccount),
            $"the order's invoice, balance and payments on the wire: {final}; {context}");
    }

    private static long Debits(IEnumerable<JournalEntry> entries, string documentType, string account) =>
        entries.Where(e => e.DocumentType == documentType).SelectMany(e => e.Lines).Where(l => l.Account == account).Sum(l => l.DebitMinor);

    private static long Credits(IEnumerable<JournalEntry> entries, string documentType, string account) =>
        entries.Where(e => e.DocumentType == documentType).SelectMany(e => e.Lines).Where(l => l.Account == account).Sum(l => l.CreditMinor);

    /// <summary>The whole ledger: balanced, and its cash, advances and revenue are the sums over every settled order.</summary>
    public async Task AssertTrialBalanceAsync(IReadOnlyCollection<OrderMoneyExpectation> settled)
    {
        ArgumentNullException.ThrowIfNull(settled);
        var trial = await Erp().GetTrialBalanceAsync(default);
        long Account(string account) => trial.Accounts.Where(a => a.Account == account).Sum(a => a.BalanceMinor);
        var context = $"trial balance over {settled.Count} orders: [{string.Join("; ", trial.Accounts.Select(a => $"{a.Account} {a.BalanceMinor}"))}], " +
            $"expected cash {settled.Sum(s => s.Cash)}, returned {settled.Sum(s => s.Returned)}, delivered {settled.Sum(s => s.Delivered)}, sold {settled.Sum(s => s.Sold)}";
        Assert.True(trial.Totals.All(t => t.BalanceMinor == 0), context);
        Assert.True(settled.Sum(s => s.Cash) == Account(ChartOfAccounts.CashClearing), context);
        Assert.True(Account(ChartOfAccounts.CustomerAdvances) == 0, context);
        Assert.True(-settled.Sum(s => s.Sold) == Account(ChartOfAccounts.SalesRevenue) + Account(ChartOfAccounts.OutputVat), context);
        Assert.True(Account(ChartOfAccounts.AccountsReceivable) == 0, context);
    }

    private static long Balance(IEnumerable<JournalEntry> entries, string account) =>
        entries.SelectMany(e => e.Lines).Where(l => l.Account == account).Sum(l => l.DebitMinor - l.CreditMinor);

    private static string Describe(JournalEntry entry) =>
        $"{entry.DocumentType}: {string.Join(", ", entry.Lines.Select(l => $"{l.Account} {l.DebitMinor}/{l.CreditMinor}"))}";

    /// <summary>One order's run: issues calls, remembers the idempotent ones for replays, tracks the money it moved.</summary>
    private sealed class OrderRun
    {
        private readonly OrderGrainsClient _client;
        private readonly string _key;
        private readonly List<(string Name, Func<Task<Order>> Call)> _idempotent = [];
        private readonly Dictionary<string, long> _prices = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _requestedReturns = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ExchangePlan> _exchanges = new(StringComparer.Ordinal);
        private long _paid;
        private long _refundedForCancellations;
        private long _cancelledBeforePayment;
        private long _delivered;
        private long _returned;
        private long _receivableInvoiced;
        private long _paidOnAccount;
        private int _paymentsOnAccount;
        private long _creditedToInvoice;
        private bool _invoiced;
        private int _ids;

        // A channel or WMS that retries while its first call is still in flight: the call goes out twice at once.
        private bool _sendTwice;
        private string _orderId = string.Empty;
        private Order? _order;

        public OrderRun(OrderGrainsClient client, string key, OrderScript script)
        {
            _client = client;
            _key = key;
            Script = script;
        }

        public OrderScript Script { get; }

        public Order? Final { get; private set; }

        private Order Current => _order ?? throw new InvalidOperationException("not placed");

        public OrderMoneyExpectation Expectation() =>
            new(_orderId, Final!.Status, _paid, _refundedForCancellations, _delivered, _returned,
                _exchanges.Count,
                _exchanges.Values.Where(e => e.Received).Sum(e => e.Credited),
                _exchanges.Values.Where(e => e.Invoiced).Sum(e => e.Replacement),
                _exchanges.Values.Count(e => e.Paid),
                _exchanges.Values.Where(e => e.Paid).Sum(e => e.Due),
                _exchanges.Values.Where(e => e.Received).Sum(e => e.Refund),
                _receivableInvoiced,
                _paymentsOnAccount,
                _paidOnAccount,
                _creditedToInvoice);

        /// <summary>What the customer of a credit sale still owes on its invoice, by the driver's own count.</summary>
        private long Balance => _receivableInvoiced - _paidOnAccount - _creditedToInvoice;

        public async Task PlaceAsync()
        {
            var request = new PlaceOrderRequest
            {
                Channel = "prop",
                ExternalOrderId = _key,
                CustomerId = Script.OnTerms ? TermsCustomer : "prop",
                Currency = "EUR",
                ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            };
            for (var i = 0; i < Script.Lines.Count; i++)
            {
                var line = Script.Lines[i];
                var sku = $"{_key}-sku{i}";
                _prices[sku] = line.UnitPriceMinor;
                int[] stock = [line.North, line.East, line.South];
                for (var w = 0; w < Warehouses.Length; w++)
                {
                    await _client.SetStockAsync(new SetStockRequest { WarehouseId = Warehouses[w].Id, Sku = sku, OnHand = stock[w], SyncId = $"seed-{sku}-{w}" });
                }

                request.Lines.Add(new OrderLine { Sku = sku, Quantity = line.Quantity, UnitPriceMinor = line.UnitPriceMinor });
            }

            var reply = await _client.PlaceOrderAsync(request);
            _order = reply.Order;
            _orderId = reply.Order.OrderId;
            Assert.Equal(Script.Lines.Sum(l => l.Quantity * l.UnitPriceMinor), _order.TotalMinor);
            if (_order.Status != OrderStatus.Rejected)
            {
                Assert.Equal(Script.OnTerms ? "NET_30" : string.Empty, _order.PaymentTerms);
            }
            _idempotent.Add(("place", async () =>
            {
                var again = await _client.PlaceOrderAsync(request);
                Assert.True(again.Duplicate, $"{_orderId}: PlaceOrder replay was not answered as a duplicate");
                return again.Order;
            }));
        }

        public async Task StepAsync(Step step)
        {
            if (Final is not null || Current.Status == OrderStatus.Rejected)
            {
                return;
            }

            _order = await _client.GetOrderAsync(_orderId);
            _sendTwice = step.B == 7;
            switch (step.Kind)
            {
                case StepKind.Pay when Current.Status == OrderStatus.PendingPayment:
                    await PayAsync();
                    break;
                case StepKind.Pay when UnpaidExchange() is { } unpaid:
                    await PayExchangeAsync(unpaid);
                    break;
                case StepKind.Release when Current.Status == OrderStatus.Paid || (Script.OnTerms && Current.Status == OrderStatus.PendingPayment):
                    await ReleaseAsync();
                    break;
                case StepKind.PayPart when _invoiced && Balance > 0:
                    await PayOnAccountAsync(step.A, step.B == 6);
                    break;
                case StepKind.Shortage when IsReserving(Current.Status) && Open(Current).Count > 0:
                    await ShortageAsync(Pick(Open(Current), step.A), step.B);
                    break;
                case StepKind.Restock when IsReserving(Current.Status) && Current.Backordered.Any(b => b.Quantity > 0):
                    await RestockAsync(Pick(Current.Backordered.Where(b => b.Quantity > 0).ToList(), step.A), Warehouses[step.B % Warehouses.Length].Id);
                    break;
                case StepKind.CancelBackorder when IsReserving(Current.Status) && Current.Backordered.Any(b => b.Quantity > 0):
                    var backorder = Pick(Current.Backordered.Where(b => b.Quantity > 0).ToList(), step.A);
                    await CancelBackorderAsync(backorder.Sku, 1 + (step.B % backorder.Quantity));
                    break;
                case StepKind.Cancel when Current.Status is OrderStatus.PendingPayment or OrderStatus.Paid:
                    await CancelAsync();
                    break;
                case StepKind.Ship when Current.Status is OrderStatus.Released or OrderStatus.PartiallyShipped && Open(Current).Count > 0:
                    var allocation = Pick(Open(Current), step.A);
                    await ShipAsync(allocation.WarehouseId, [(allocation.Sku, 1 + (step.B % allocation.Quantity))]);
                    break;
                case StepKind.Deliver when Current.Shipments.Any(s => s.DeliveredAt is null):
                    await DeliverAsync(Pick(Current.Shipments.Where(s => s.DeliveredAt is null).ToList(), step.A).ShipmentId);
                    break;
                case StepKind.RequestReturn when Current.Status is OrderStatus.Delivered or OrderStatus.Completed or OrderStatus.PartiallyReturned:
                    var returnable = Returnable();
                    if (returnable.Count > 0)
                    {
                        var (sku, units) = Pick(returnable, step.A);
                        await RequestReturnAsync(sku, 1 + (step.B % units));
                    }

                    break;
                case StepKind.Exchange when Current.Status is OrderStatus.Completed or OrderStatus.PartiallyReturned:
                    var exchangeable = Returnable();
                    if (exchangeable.Count > 0)
                    {
                        var (sku, units) = Pick(exchangeable, step.A);
                        await RequestExchangeAsync(sku, 1 + (step.B % units), step.B);
                    }

                    break;
                case StepKind.ReceiveReturn when Current.Status == OrderStatus.ReturnRequested:
                    await ReceiveReturnAsync(step.A, step.B);
                    break;
                case StepKind.Replay when _idempotent.Count > 0:
                    await ReplayAsync(_idempotent[_idempotent.Count - 1 - (step.A % _idempotent.Count)]);
                    break;
                default:
                    break;
            }
        }

        /// <summary>Takes the order to a final state: pays, releases, cancels what is still backordered, ships and delivers the rest, receives an open return.</summary>
        public async Task FinishAsync()
        {
            _sendTwice = false;
            _order = await _client.GetOrderAsync(_orderId);
            if (Current.Status == OrderStatus.PendingPayment && !Script.OnTerms)
            {
                await PayAsync();
            }

            if (Current.Status == OrderStatus.Paid || (Script.OnTerms && Current.Status == OrderStatus.PendingPayment))
            {
                await ReleaseAsync();
            }

            // What is still backordered is restocked (even step counts) or cancelled (odd ones).
            while (IsReserving(Current.Status) && Current.Backordered.FirstOrDefault(b => b.Quantity > 0) is { } backorder)
            {
                if (Script.Steps.Count % 2 == 0)
                {
                    await RestockAsync(backorder, Warehouses[Script.Lines.Count % Warehouses.Length].Id);
                }
                else
                {
                    await CancelBackorderAsync(backorder.Sku, backorder.Quantity);
                }
            }

            foreach (var group in Open(Current).GroupBy(a => a.WarehouseId, StringComparer.Ordinal).ToList())
            {
                await ShipAsync(group.Key, [.. group.Select(a => (a.Sku, a.Quantity))]);
            }

            foreach (var shipment in Current.Shipments.Where(s => s.DeliveredAt is null).ToList())
            {
                await DeliverAsync(shipment.ShipmentId);
            }

            await SettleExchangesAsync();

            // A credit sale is paid in part (two in three; every other one first tries one cent too much) before the final
            // exchange and return, so those meet a partly paid invoice.
            if (_invoiced && Balance > 0 && Script.Steps.Count % 3 != 0)
            {
                await PayOnAccountAsync(Script.Steps.Count, overpayFirst: Script.Steps.Count % 2 == 1);
            }

            if (Script.FinalExchange > 0 && Current.Status is OrderStatus.Completed or OrderStatus.PartiallyReturned && Returnable() is { Count: > 0 } exchangeable)
            {
                var (sku, units) = Pick(exchangeable, Script.FinalExchange);
                await RequestExchangeAsync(sku, 1 + (Script.FinalExchange % units), Script.FinalExchange);
                await SettleExchangesAsync();
            }

            if (Script.FinalReturn > 0 && Current.Status is OrderStatus.Completed or OrderStatus.PartiallyReturned && Returnable() is { Count: > 0 } returnable)
            {
                var (sku, units) = Pick(returnable, Script.FinalReturn);
                await RequestReturnAsync(sku, 1 + (Script.FinalReturn % units));
                await ReceiveReturnAsync(Script.FinalReturn, int.MaxValue);
            }

            // The customer of a credit sale settles what is still open on the invoice.
            if (_invoiced && Balance > 0)
            {
                await PayOnAccountAsync(7, overpayFirst: false);
            }

            // Every idempotent call made, sent again once the order settled: nothing may move.
            foreach (var call in _idempotent.ToList())
            {
                await ReplayAsync(call);
            }

            Final = await _client.GetOrderAsync(_orderId);
            Assert.True(
                Final.Status is OrderStatus.Completed or OrderStatus.Cancelled or OrderStatus.Rejected or OrderStatus.Returned or OrderStatus.PartiallyReturned,
                $"{_orderId} did not settle: {Final}");
            Assert.True(Final.Refunds.Where(r => r.Cause == "return").Sum(r => r.AmountMinor) == _returned, $"{_orderId}: return refunds differ from the received value {_returned}: {Final}");
            Assert.True(
                Final.Refunds.Where(r => r.Cause is not ("return" or "exchange")).Sum(r => r.AmountMinor) == _refundedForCancellations,
                $"{_orderId}: cancellation refunds differ from {_refundedForCancellations}: {Final}");
            Assert.True(
                Final.Refunds.Where(r => r.Cause == "exchange").Sum(r => r.AmountMinor) == _exchanges.Values.Where(e => e.Received).Sum(e => e.Refund),
                $"{_orderId}: exchange refunds differ from the price differences owed back: {Final}");
            Assert.True(
                Final.Exchanges.Count == _exchanges.Count && Final.Exchanges.All(e => e.Status == ExchangeStatus.ExchangeDelivered) && _exchanges.Values.All(e => e.Received && e.Invoiced),
                $"{_orderId}: every exchange must have come back and its replacement delivered: {Final}");
        }

        /// <summary>Exchanges: extra payments, an open RMA received, then the replacements shipped and delivered.</summary>
        private async Task SettleExchangesAsync()
        {
            while (UnpaidExchange() is { } unpaid)
            {
                await PayExchangeAsync(unpaid);
            }

            if (Current.Status == OrderStatus.ReturnRequested)
            {
                await ReceiveReturnAsync(0, int.MaxValue);
            }

            while (Current.Exchanges.FirstOrDefault(e => e.Status == ExchangeStatus.ExchangeReleased && e.Allocations.Count > 0) is { } released)
            {
                await ShipAsync(released.Allocations[0].WarehouseId, [(released.Replacement.Sku, released.Allocations[0].Quantity)]);
            }

            foreach (var shipment in Current.Shipments.Where(s => s.DeliveredAt is null).ToList())
            {
                await DeliverAsync(shipment.ShipmentId);
            }
        }

        private static bool IsReserving(OrderStatus status) =>
            status is OrderStatus.PendingPayment or OrderStatus.Paid or OrderStatus.Released or OrderStatus.PartiallyShipped;

        /// <summary>Units allocated and not shipped yet, per SKU and warehouse (the wire's allocations include shipped units).</summary>
        private static List<Allocation> Open(Order order) =>
            [.. order.Allocations
                .Select(a => new Allocation
                {
                    Sku = a.Sku,
                    WarehouseId = a.WarehouseId,
                    Quantity = a.Quantity - order.Shipments.Where(s => s.WarehouseId == a.WarehouseId).SelectMany(s => s.Lines).Where(l => l.Sku == a.Sku).Sum(l => l.Quantity),
                })
                .Where(a => a.Quantity > 0)];

        private static T Pick<T>(IReadOnlyList<T> items, int index) => items[index % items.Count];

        private string NextId(string prefix) => $"{prefix}-{_key}-{++_ids}";

        private async Task RunIdempotentAsync(string name, Func<Task<Order>> call)
        {
            Made.AddOrUpdate(name.Split(' ')[0], 1, (_, n) => n + 1);
            if (_sendTwice)
            {
                Made.AddOrUpdate("twice " + name.Split(' ')[0], 1, (_, n) => n + 1);
                var both = await Task.WhenAll(call(), call());
                Assert.True(Money(both[0]) == Money(both[1]), $"{_orderId}: '{name}' sent twice at once answered {Money(both[0])} and {Money(both[1])}");
            }

            _order = await call();
            _idempotent.Add((name, call));
        }

        private async Task PayAsync()
        {
            var amount = Current.TotalMinor;
            Assert.True(amount == Script.Lines.Sum(l => l.Quantity * l.UnitPriceMinor) - _cancelledBeforePayment, $"{_orderId}: total {amount} is not the ordered value net of units cancelled before payment ({_cancelledBeforePayment})");
            var request = new ConfirmPaymentRequest { OrderId = _orderId, PaymentReference = NextId("pay"), AmountMinor = amount };
            await RunIdempotentAsync("pay " + request.PaymentReference, () => _client.ConfirmPaymentAsync(request));
            _paid = amount;
        }

        private Task ReleaseAsync() =>
            RunIdempotentAsync("release", () => _client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = _orderId, Actor = "prop" }));

        /// <summary>A stock count finds fewer units than this order holds in a warehouse: the rest is re-sourced or backordered.</summary>
        private async Task ShortageAsync(Allocation allocation, int seed)
        {
            var onHand = seed % allocation.Quantity;
            if (seed % 2 == 1)
            {
                // The other warehouses count only what they hold for this order: nothing to re-source from, the rest is backordered.
                foreach (var other in Warehouses.Where(w => w.Id != allocation.WarehouseId))
                {
                    var held = Open(Current).Where(a => a.Sku == allocation.Sku && a.WarehouseId == other.Id).Sum(a => a.Quantity);
                    await _client.SetStockAsync(new SetStockRequest { WarehouseId = other.Id, Sku = allocation.Sku, OnHand = held, SyncId = NextId("count") });
                }
            }

            var request = new SetStockRequest { WarehouseId = allocation.WarehouseId, Sku = allocation.Sku, OnHand = onHand, SyncId = NextId("count") };
            await _client.SetStockAsync(request);
            Made.AddOrUpdate("count", 1, (_, n) => n + 1);
            _idempotent.Add(("count " + request.SyncId, async () =>
            {
                await _client.SetStockAsync(request);
                return await _client.GetOrderAsync(_orderId);
            }));
            _order = await OrderLifecycle.EventuallyAsync(_client, _orderId, o =>
                Open(o).Where(a => a.Sku == allocation.Sku && a.WarehouseId == allocation.WarehouseId).Sum(a => a.Quantity) <= onHand);
        }

        /// <summary>A delivery to a warehouse brings enough units for this order's backorder of the SKU: it is filled.</summary>
        private async Task RestockAsync(LineQuantity backorder, string warehouseId)
        {
            var stock = (await _client.GetAvailabilityAsync(backorder.Sku)).Warehouses.FirstOrDefault(w => w.WarehouseId == warehouseId);
            var request = new SetStockRequest { WarehouseId = warehouseId, Sku = backorder.Sku, OnHand = (stock?.OnHand ?? 0) + backorder.Quantity, SyncId = NextId("restock") };
            await _client.SetStockAsync(request);
            Made.AddOrUpdate("restock", 1, (_, n) => n + 1);
            _order = await OrderLifecycle.EventuallyAsync(_client, _orderId, o => o.Backordered.Where(b => b.Sku == backorder.Sku).Sum(b => b.Quantity) == 0);
        }

        private async Task CancelBackorderAsync(string sku, int quantity)
        {
            var paid = _paid > 0;
            var request = new CancelOrderRequest { OrderId = _orderId, CancellationId = NextId("cx"), Reason = "won't wait", Lines = { new LineQuantity { Sku = sku, Quantity = quantity } } };
            await RunIdempotentAsync("cancel-backorder " + request.CancellationId, () => _client.CancelOrderAsync(request));
            var value = quantity * _prices[sku];
            if (Current.Status == OrderStatus.Cancelled)
            {
                // Nothing was left: the whole order is cancelled, and whatever was paid comes back.
                _refundedForCancellations = _paid;
            }
            else if (paid)
            {
                _refundedForCancellations += value;
            }
            else
            {
                _cancelledBeforePayment += value;
            }

            // Cancelling the last backorders after the rest was delivered completes the order.
            NoteInvoice();
        }

        /// <summary>
        /// Once a credit sale not paid up front completes, its invoice books what was delivered to 1200, due in 30 days;
        /// the wire must show the same invoice and an open balance of all of it.
        /// </summary>
        private void NoteInvoice()
        {
            if (!Script.OnTerms || _invoiced || _paid > 0 || Current.Status != OrderStatus.Completed)
            {
                return;
            }

            _invoiced = true;
            _receivableInvoiced = _delivered;
            Assert.True(
                (Current.InvoicedMinor, Current.BalanceDueMinor) == (_delivered, _delivered) && Current.PaymentDueAt is not null,
                $"{_orderId}: a completed credit sale must be invoiced at the delivered value {_delivered} with a due date: {Current}");
        }

        /// <summary>
        /// Pays (<paramref name="part"/> + 1) eighths of the open balance against the invoice (at least one cent); with
        /// <paramref name="overpayFirst"/> first one cent more than the balance, which must be INVALID_ARGUMENT naming it.
        /// </summary>
        private async Task PayOnAccountAsync(int part, bool overpayFirst)
        {
            var balance = Balance;
            Assert.True(Current.BalanceDueMinor == balance, $"{_orderId}: open balance {Current.BalanceDueMinor} on the wire, {balance} by the driver's count: {Current}");
            if (overpayFirst)
            {
                var over = await Assert.ThrowsAsync<RpcException>(() => _client.ConfirmPaymentAsync(
                    new ConfirmPaymentRequest { OrderId = _orderId, PaymentReference = NextId("over"), AmountMinor = balance + 1 }));
                Assert.True(
                    over.StatusCode == StatusCode.InvalidArgument && over.Status.Detail.Contains($"open balance of {balance} EUR", StringComparison.Ordinal),
                    $"{_orderId}: paying {balance + 1} against an open balance of {balance} answered {over.Status}");
                Made.AddOrUpdate("overpay", 1, (_, n) => n + 1);
            }

            var amount = Math.Clamp(balance * ((part % 8) + 1) / 8, 1, balance);
            var request = new ConfirmPaymentRequest { OrderId = _orderId, PaymentReference = NextId("part"), AmountMinor = amount };
            await RunIdempotentAsync("pay-part " + request.PaymentReference, () => _client.ConfirmPaymentAsync(request));
            _paidOnAccount += amount;
            _paymentsOnAccount++;
            Assert.True(Current.BalanceDueMinor == Balance, $"{_orderId}: open balance {Current.BalanceDueMinor} after paying {amount}, {Balance} by the driver's count: {Current}");
        }

        private async Task CancelAsync()
        {
            var request = new CancelOrderRequest { OrderId = _orderId, Reason = "changed my mind" };
            await RunIdempotentAsync("cancel", () => _client.CancelOrderAsync(request));
            _refundedForCancellations = _paid;
        }

        private Task ShipAsync(string warehouseId, IReadOnlyList<(string Sku, int Quantity)> lines)
        {
            var report = new ShipmentReport { OrderId = _orderId, WarehouseId = warehouseId, ShipmentId = NextId("s"), Carrier = "DHL", TrackingNumber = "T" };
            report.Lines.AddRange(lines.Select(l => new LineQuantity { Sku = l.Sku, Quantity = l.Quantity }));
            return RunIdempotentAsync("ship " + report.ShipmentId, () => _client.ReportShipmentAsync(report));
        }

        private async Task DeliverAsync(string shipmentId)
        {
            var shipment = Current.Shipments.Single(s => s.ShipmentId == shipmentId);
            await RunIdempotentAsync("deliver " + shipmentId, () => _client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = _orderId, ShipmentId = shipmentId }));
            if (!Current.Exchanges.Any(e => e.ShipmentIds.Contains(shipmentId)))
            {
                _delivered += shipment.Lines.Sum(l => l.Quantity * _prices[l.Sku]);
                NoteInvoice();
                return;
            }

            // A replacement is invoiced at its own price once all of it arrived.
            foreach (var exchange in Current.Exchanges.Where(e => e.Status == ExchangeStatus.ExchangeDelivered))
            {
                _exchanges[exchange.ExchangeId].Invoiced = true;
            }
        }

        /// <summary>
        /// Exchanges delivered units of <paramref name="sku"/> for as many of one of the order's SKUs (picked by
        /// <paramref name="variant"/>): at that line's price, dearer (an extra payment) or cheaper (a refund). A
        /// delivery first brings the replacement's units, so it can be reserved.
        /// </summary>
        private async Task RequestExchangeAsync(string sku, int quantity, int variant)
        {
            var replacementSku = $"{_key}-sku{variant % Script.Lines.Count}";
            var returnedPrice = _prices[sku];
            long unitPrice = (variant % 3) switch
            {
                0 => 0,
                1 => returnedPrice + 1 + (returnedPrice / 2),
                _ => Math.Max(1, returnedPrice / 2),
            };
            var warehouse = Warehouses[variant % Warehouses.Length].Id;
            var stock = (await _client.GetAvailabilityAsync(replacementSku)).Warehouses.FirstOrDefault(w => w.WarehouseId == warehouse);
            await _client.SetStockAsync(new SetStockRequest { WarehouseId = warehouse, Sku = replacementSku, OnHand = (stock?.OnHand ?? 0) + quantity, SyncId = NextId("inbound") });
            var request = new ExchangeRequest
            {
                OrderId = _orderId,
                ExchangeId = NextId("ex"),
                Returned = new LineQuantity { Sku = sku, Quantity = quantity },
                Replacement = new OrderLine { Sku = replacementSku, Quantity = quantity, UnitPriceMinor = unitPrice },
                Reason = "other size",
            };
            await RunIdempotentAsync("exchange " + request.ExchangeId, () => _client.RequestExchangeAsync(request));
            var requested = Current.Exchanges.Single(e => e.ExchangeId == request.ExchangeId);
            Assert.True(requested.Advance == Script.OnTerms, $"{_orderId}: only the customer on terms has advance exchange: {requested}");
            if (requested.Advance)
            {
                Made.AddOrUpdate("advance exchange", 1, (_, n) => n + 1);
            }

            _requestedReturns[sku] = _requestedReturns.GetValueOrDefault(sku) + quantity;
            _exchanges[request.ExchangeId] = new ExchangePlan(quantity * returnedPrice, quantity * (unitPrice == 0 ? _prices[replacementSku] : unitPrice));
        }

        private string? UnpaidExchange() => _exchanges.FirstOrDefault(e => e.Value.Due > 0 && !e.Value.Paid).Key;

        private async Task PayExchangeAsync(string exchangeId)
        {
            var plan = _exchanges[exchangeId];
            var request = new ConfirmPaymentRequest { OrderId = _orderId, PaymentReference = NextId("xpay"), AmountMinor = plan.Due, ExchangeId = exchangeId };
            await RunIdempotentAsync("xpay " + request.PaymentReference, () => _client.ConfirmPaymentAsync(request));
            plan.Paid = true;
        }

        private List<(string Sku, int Units)> Returnable() =>
            [.. Current.Shipments.Where(s => s.DeliveredAt is not null).SelectMany(s => s.Lines)
                .GroupBy(l => l.Sku, StringComparer.Ordinal)
                .Select(g => (g.Key, g.Sum(l => l.Quantity) - _requestedReturns.GetValueOrDefault(g.Key)))
                .Where(x => x.Item2 > 0)];

        private async Task RequestReturnAsync(string sku, int quantity)
        {
            var request = new ReturnRequest { OrderId = _orderId, ReturnRequestId = NextId("rr"), Reason = "too big", Lines = { new LineQuantity { Sku = sku, Quantity = quantity } } };
            await RunIdempotentAsync("return " + request.ReturnRequestId, () => _client.RequestReturnAsync(request));
            _requestedReturns[sku] = _requestedReturns.GetValueOrDefault(sku) + quantity;
        }

        /// <summary>Receives the open RMA: some of its units (all, when <paramref name="units"/> is large), split into resalable and damaged by <paramref name="split"/>.</summary>
        private async Task ReceiveReturnAsync(int split, int units)
        {
            var rma = Current.Returns.Single(r => r.ReceivedAt is null);
            if (_exchanges.TryGetValue(rma.ReturnRequestId, out var exchange))
            {
                // An exchange's goods come back in full, some of them perhaps damaged.
                units = int.MaxValue;
            }

            var receipt = new ReturnReceipt { OrderId = _orderId, RmaId = rma.RmaId, WarehouseId = Warehouses[split % Warehouses.Length].Id };
            var value = 0L;
            foreach (var line in rma.Lines)
            {
                var received = units == int.MaxValue ? line.Quantity : 1 + (units % line.Quantity);
                var damaged = split % (received + 1);
                if (received - damaged > 0)
                {
                    receipt.Lines.Add(new ReturnedLine { Sku = line.Sku, Quantity = received - damaged, Condition = ItemCondition.Resalable });
                }

                if (damaged > 0)
                {
                    receipt.Lines.Add(new ReturnedLine { Sku = line.Sku, Quantity = damaged, Condition = ItemCondition.Damaged });
                }

                value += received * _prices[line.Sku];
            }

            var open = Balance;
            await RunIdempotentAsync("receive " + rma.RmaId, () => _client.ReceiveReturnAsync(receipt));
            if (exchange is not null)
            {
                exchange.Received = true;
                return;
            }

            _returned += value;

            // Goods back on an open invoice lower what is owed; only the rest is owed back and paid out.
            _creditedToInvoice += Math.Min(open, value);
            Assert.True(Current.BalanceDueMinor == Balance, $"{_orderId}: open balance {Current.BalanceDueMinor} after a return of {value}, {Balance} by the driver's count: {Current}");
        }

        /// <summary>Sends an earlier idempotent call again: the order's money, shipments, returns and status must not move.</summary>
        private async Task ReplayAsync((string Name, Func<Task<Order>> Call) earlier)
        {
            Made.AddOrUpdate("replay " + earlier.Name.Split(' ')[0], 1, (_, n) => n + 1);
            var before = Money(await _client.GetOrderAsync(_orderId));
            await earlier.Call();
            var after = Money(await _client.GetOrderAsync(_orderId));
            Assert.True(before == after, $"{_orderId}: replaying '{earlier.Name}' changed the order from {before} to {after}");
        }

        private static string Money(Order order) => string.Create(
            CultureInfo.InvariantCulture,
            $"status={order.Status} total={order.TotalMinor} refunds={order.Refunds.Count}/{order.Refunds.Sum(r => r.AmountMinor)} " +
            $"shipments={order.Shipments.Count}/{order.Shipments.Count(s => s.DeliveredAt is not null)} returns={order.Returns.Count}/{order.Returns.Count(r => r.ReceivedAt is not null)} " +
            $"cancelled={order.Cancelled.Sum(c => c.Quantity)} exchanges={string.Join('/', order.Exchanges.Select(e => $"{e.Status}:{e.PaymentReference}"))} " +
            $"invoiced={order.InvoicedMinor} balance={order.BalanceDueMinor} payments={order.Payments.Count}/{order.Payments.Sum(p => p.AmountMinor)}");
    }

    /// <summary>One exchange as the driver asked for it: the value credited for the units back and the replacement's value.</summary>
    private sealed class ExchangePlan(long credited, long replacement)
    {
        public long Credited { get; } = credited;

        public long Replacement { get; } = replacement;

        public long Due => Math.Max(0, Replacement - Credited);

        public long Refund => Math.Max(0, Credited - Replacement);

        public bool Paid { get; set; }

        public bool Received { get; set; }

        public bool Invoiced { get; set; }
    }
}
