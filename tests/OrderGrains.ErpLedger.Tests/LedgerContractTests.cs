using System.Net;
using System.Net.Http.Json;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger.Tests;

/// <summary>The ledger's HTTP contract, run on each journal store through a real Kestrel and our HttpErpClient.</summary>
public abstract class LedgerContractTests : IAsyncLifetime
{
    private LedgerServer? _server;

    protected abstract LedgerBackend Backend { get; }

    private LedgerServer Server => _server ?? throw new InvalidOperationException("The ledger is not started.");

    public async Task InitializeAsync() => _server = await LedgerServer.StartAsync(Backend);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await Backend.DisposeAsync();
    }

    [Fact]
    public async Task First_post_is_created_and_a_replay_returns_the_same_entry()
    {
        var http = Server.Http();
        var document = Documents.Payment("order-1", 11_300);

        using var first = await PostRawAsync(http, "order-1/paid/1", document);
        using var replay = await PostRawAsync(http, "order-1/paid/1", document);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var created = await first.Content.ReadFromJsonAsync(ErpJsonContext.Default.JournalEntry);
        var replayed = await replay.Content.ReadFromJsonAsync(ErpJsonContext.Default.JournalEntry);
        Assert.NotNull(created);
        Assert.Equal(created, replayed);

        var viaClient = await Server.Client().PostJournalEntryAsync("order-1/paid/1", document, default);
        Assert.Equal(created, viaClient);
        Assert.Equal(document.PostedAt, viaClient.PostedAt);
        Assert.Equal(document.Lines, viaClient.Lines);
        Assert.Single(await Server.Client().GetJournalEntriesAsync("order-1", default));
    }

    [Fact]
    public async Task The_same_instant_in_another_offset_is_the_same_document()
    {
        var client = Server.Client();
        var document = Documents.Payment("order-tz", 500);
        var first = await client.PostJournalEntryAsync("order-tz/paid", document, default);

        var again = await client.PostJournalEntryAsync("order-tz/paid", document with { PostedAt = document.PostedAt.ToUniversalTime() }, default);

        Assert.Equal(first.EntryId, again.EntryId);
    }

    [Fact]
    public async Task A_different_document_under_a_used_key_is_rejected_with_409()
    {
        var client = Server.Client();
        var original = await client.PostJournalEntryAsync("order-2/paid", Documents.Payment("order-2", 1_000), default);

        var rejection = await Assert.ThrowsAsync<ErpRejectedException>(
            () => client.PostJournalEntryAsync("order-2/paid", Documents.Payment("order-2", 1_001), default));

        Assert.Equal(409, rejection.StatusCode);
        Assert.Contains("different document", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains($"entry {original.EntryId}", rejection.Reason, StringComparison.Ordinal);
        var entries = await client.GetJournalEntriesAsync("order-2", default);
        Assert.Equal(1_000, Assert.Single(entries).Lines[0].DebitMinor);
    }

    public static TheoryData<string, string> InvalidDocuments() => new()
    {
        { "one line", "at least two lines" },
        { "no lines", "at least two lines" },
        { "zero amount", "exactly one of debit and credit must be positive" },
        { "both sides", "exactly one of debit and credit must be positive" },
        { "negative amount", "must not be negative" },
        { "unbalanced", "debits (1000) do not equal credits (999)" },
        { "unknown account", "account '9999' is not in the chart of accounts" },
        { "unknown document type", "document_type 'sales_order' is not known" },
        { "lower-case currency", "currency 'cny' is not an ISO 4217 code" },
        { "long currency", "currency 'CNYY' is not an ISO 4217 code" },
        { "no order id", "order_id is required" },
    };

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public async Task A_document_breaking_double_entry_is_rejected_with_422_and_the_reason(string rule, string reason)
    {
        var valid = Documents.Payment("order-3", 1_000);
        var document = rule switch
        {
            "one line" => valid with { Lines = [valid.Lines[0]] },
            "no lines" => valid with { Lines = [] },
            "zero amount" => valid with { Lines = [.. valid.Lines, JournalLine.Debit(ChartOfAccounts.CashClearing, 0)] },
            "both sides" => valid with { Lines = [new JournalLine(ChartOfAccounts.CashClearing, 1_000, 1_000), .. valid.Lines] },
            "negative amount" => valid with { Lines = [JournalLine.Debit(ChartOfAccounts.CashClearing, -1_000), JournalLine.Credit(ChartOfAccounts.CustomerAdvances, -1_000)] },
            "unbalanced" => valid with { Lines = [valid.Lines[0], JournalLine.Credit(ChartOfAccounts.CustomerAdvances, 999)] },
            "unknown account" => valid with { Lines = [valid.Lines[0], JournalLine.Credit("9999", 1_000)] },
            "unknown document type" => valid with { DocumentType = "sales_order" },
            "lower-case currency" => valid with { Currency = "cny" },
            "long currency" => valid with { Currency = "CNYY" },
            "no order id" => valid with { OrderId = " " },
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
        };

        var rejection = await Assert.ThrowsAsync<ErpRejectedException>(
            () => Server.Client().PostJournalEntryAsync($"order-3/{rule}", document, default));

        Assert.Equal(422, rejection.StatusCode);
        Assert.Contains(reason, rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(await Server.Client().GetJournalEntriesAsync("order-3", default));
    }

    [Fact]
    public async Task A_rejected_document_leaves_its_key_free_for_the_corrected_one()
    {
        var client = Server.Client();
        var broken = Documents.Payment("order-4", 1_000) with { Currency = "yuan" };
        await Assert.ThrowsAsync<ErpRejectedException>(() => client.PostJournalEntryAsync("order-4/paid", broken, default));

        var fixedEntry = await client.PostJournalEntryAsync("order-4/paid", broken with { Currency = "CNY" }, default);

        Assert.Equal("CNY", fixedEntry.Currency);
    }

    [Fact]
    public async Task A_post_without_an_idempotency_key_is_a_bad_request()
    {
        using var response = await Server.Http().PostAsJsonAsync("api/journal-entries", Documents.Payment("order-5", 100), ErpJsonContext.Default.JournalEntryRequest);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync(ErpJsonContext.Default.ErpProblem);
        Assert.Contains("Idempotency-Key", problem!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_with_an_unknown_or_malformed_field_is_a_bad_request()
    {
        var http = Server.Http();
        foreach (var body in new[] { """{"document_type":"customer_payment","amount":5}""", "{not json", """{"lines":"many"}""" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/journal-entries")
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(HttpErpClient.IdempotencyKeyHeader, "malformed");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task Trial_balance_after_payment_invoice_and_credit_note_nets_to_zero_with_exact_totals()
    {
        var client = Server.Client();
        // 113.00 CNY gross = 100.00 net + 13.00 VAT; 22.60 refunded = 20.00 net + 2.60 VAT.
        await client.PostJournalEntryAsync("o-tb/1", Documents.Payment("o-tb", 11_300), default);
        await client.PostJournalEntryAsync("o-tb/2", Documents.Invoice("o-tb", 10_000, 1_300), default);
        await client.PostJournalEntryAsync("o-tb/3", Documents.CreditNote("o-tb", 2_000, 260), default);
        await client.PostJournalEntryAsync("o-eur/1", Documents.Payment("o-eur", 4_999, "EUR"), default);
        // A replay must not count twice.
        await client.PostJournalEntryAsync("o-tb/2", Documents.Invoice("o-tb", 10_000, 1_300), default);

        var balance = await client.GetTrialBalanceAsync(default);

        Assert.Equal(
            [
                new TrialBalanceAccount("1010", "Cash clearing", "CNY", 11_300, 2_260, 9_040),
                new TrialBalanceAccount("2100", "Customer advances", "CNY", 11_300, 11_300, 0),
                new TrialBalanceAccount("2300", "Output VAT", "CNY", 260, 1_300, -1_040),
                new TrialBalanceAccount("4000", "Sales revenue", "CNY", 2_000, 10_000, -8_000),
                new TrialBalanceAccount("1010", "Cash clearing", "EUR", 4_999, 0, 4_999),
                new TrialBalanceAccount("2100", "Customer advances", "EUR", 0, 4_999, -4_999),
            ],
            balance.Accounts.OrderBy(a => a.Currency, StringComparer.Ordinal).ThenBy(a => a.Account, StringComparer.Ordinal));
        Assert.Equal(
            [new TrialBalanceTotal("CNY", 24_860, 24_860, 0), new TrialBalanceTotal("EUR", 4_999, 4_999, 0)],
            balance.Totals);
    }

    [Fact]
    public async Task Entries_of_an_order_come_back_in_posting_order_and_only_that_order()
    {
        var client = Server.Client();
        await client.PostJournalEntryAsync("o-a/paid", Documents.Payment("o-a", 11_300), default);
        await client.PostJournalEntryAsync("o-b/paid", Documents.Payment("o-b", 2_260), default);
        await client.PostJournalEntryAsync("o-a/completed", Documents.Invoice("o-a", 10_000, 1_300), default);
        await client.PostJournalEntryAsync("o-a/refunded", Documents.CreditNote("o-a", 2_000, 260), default);

        var entries = await client.GetJournalEntriesAsync("o-a", default);

        Assert.Equal(["o-a/paid", "o-a/completed", "o-a/refunded"], entries.Select(e => e.IdempotencyKey));
        Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice, DocumentTypes.CreditNote], entries.Select(e => e.DocumentType));
        Assert.True(entries[0].EntryId < entries[1].EntryId && entries[1].EntryId < entries[2].EntryId);
        Assert.Equal("VAT 13%", entries[1].Lines[2].Memo);
        Assert.Null(entries[0].Lines[0].Memo);
        Assert.Empty(await client.GetJournalEntriesAsync("o-none", default));
    }

    [Fact]
    public async Task Entries_survive_a_restart_and_a_replay_after_it_returns_the_original()
    {
        var client = Server.Client();
        var payment = await client.PostJournalEntryAsync("o-r/paid", Documents.Payment("o-r", 11_300), default);
        var invoice = await client.PostJournalEntryAsync("o-r/completed", Documents.Invoice("o-r", 10_000, 1_300), default);
        await _server!.DisposeAsync();
        _server = null;

        _server = await LedgerServer.StartAsync(Backend);
        client = Server.Client();

        Assert.Equal([payment, invoice], await client.GetJournalEntriesAsync("o-r", default));
        Assert.Equal(invoice, await client.PostJournalEntryAsync("o-r/completed", Documents.Invoice("o-r", 10_000, 1_300), default));
        await Assert.ThrowsAsync<ErpRejectedException>(() => client.PostJournalEntryAsync("o-r/completed", Documents.Invoice("o-r", 10_000, 1_301), default));
        var refund = await client.PostJournalEntryAsync("o-r/refunded", Documents.CreditNote("o-r", 2_000, 260), default);
        Assert.True(refund.EntryId > invoice.EntryId);
        Assert.All((await client.GetTrialBalanceAsync(default)).Totals, t => Assert.Equal(0, t.BalanceMinor));
    }

    [Fact]
    public async Task Two_hundred_concurrent_posts_of_one_key_record_exactly_one_entry()
    {
        var http = Server.Http();
        var client = new HttpErpClient(http);
        var same = Documents.Payment("o-c", 11_300);
        var other = Documents.Payment("o-c", 99);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posts = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                return (Entry: await client.PostJournalEntryAsync("o-c/paid", i % 2 == 0 ? same : other, default), Conflict: (int?)null);
            }
            catch (ErpRejectedException exception)
            {
                return (Entry: (JournalEntry?)null, Conflict: exception.StatusCode);
            }
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(posts);

        var entry = Assert.Single(await client.GetJournalEntriesAsync("o-c", default));
        var winner = entry.Lines[0].DebitMinor == 11_300 ? same : other;
        Assert.All(results.Where(r => r.Entry is not null), r => Assert.Equal(entry, r.Entry));
        Assert.All(results.Where(r => r.Entry is null), r => Assert.Equal(409, r.Conflict));
        Assert.Equal(100, results.Count(r => r.Entry is not null));
        Assert.Equal(winner.Lines, entry.Lines);
    }

    [Fact]
    public async Task Two_hundred_concurrent_posts_of_distinct_keys_all_land()
    {
        var client = Server.Client();
        var posted = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            client.PostJournalEntryAsync($"o-d/{i}", Documents.Payment("o-d", 100 + i), default)));

        Assert.Equal(200, posted.Select(e => e.EntryId).Distinct().Count());
        var entries = await client.GetJournalEntriesAsync("o-d", default);
        Assert.Equal(200, entries.Count);
        var total = Enumerable.Range(0, 200).Sum(i => 100L + i);
        Assert.Equal(new TrialBalanceTotal("CNY", total, total, 0), Assert.Single((await client.GetTrialBalanceAsync(default)).Totals));
    }

    private static async Task<HttpResponseMessage> PostRawAsync(HttpClient http, string key, JournalEntryRequest document)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/journal-entries")
        {
            Content = JsonContent.Create(document, ErpJsonContext.Default.JournalEntryRequest),
        };
        request.Headers.Add(HttpErpClient.IdempotencyKeyHeader, key);
        return await http.SendAsync(request);
    }
}

public sealed class SqliteLedgerContractTests : LedgerContractTests
{
    protected override LedgerBackend Backend { get; } = new SqliteBackend();
}

public sealed class PostgresLedgerContractTests : LedgerContractTests
{
    protected override LedgerBackend Backend { get; } = new PostgresBackend();
}
