using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace OrderGrains.Host.Tests.Security;

/// <summary>
/// Malformed, oversized and mistyped JSON sent to the admin API and to the embedded ERP ledger on the admin port: each
/// is a 4xx problem (application/problem+json) whose detail says what is wrong, and nothing is recorded.
/// </summary>
public sealed class HostileJsonTests
{
    private const string OperatorToken = "hostile-json-operator-token-0123456789";

    [Fact]
    public async Task Hostile_bodies_are_4xx_problems_with_a_precise_detail_and_record_nothing()
    {
        await using var host = await TestHost.StartAsync(
            null,
            $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
            "--OrderGrains:Admin:Tokens:0:Name=mallory",
            "--OrderGrains:Admin:Tokens:0:Role=operator");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/"), Timeout = TimeSpan.FromMinutes(2) };
        var shop = await MalformedGrpcTests.Shop.StockAsync(host);
        var order = (await host.Client.PlaceOrderAsync(shop.Request)).Order;
        var campaign = "hostile-" + Guid.NewGuid().ToString("N")[..8];
        var journalOrder = "hostile:" + Guid.NewGuid().ToString("N")[..8];
        var balanceBefore = await TrialBalanceAsync(http);
        var huge = new string('x', 2 * 1024 * 1024);
        const string TooLargeForAdmin = "Request body too large. The max request body size is 1048576 bytes.";
        const string TooLargeForLedger = "the body is larger than 262144 bytes; a journal entry is far smaller.";
        var journal = $$"""{"document_type":"invoice","order_id":"{{journalOrder}}","currency":"EUR","posted_at":"2026-01-01T00:00:00Z","reference":"r","lines":[{"account":"1200","debit_minor":100,"credit_minor":0}]}""";

        var cases = new (string Name, string Path, HttpContent Body, HttpStatusCode Status, string Detail)[]
        {
            ("admin: truncated JSON", "admin/campaigns", Json($$"""{"campaignId":"{{campaign}}", """), HttpStatusCode.BadRequest, "Malformed JSON: "),
            ("admin: not JSON at all", "admin/campaigns", Json("<campaign/>"), HttpStatusCode.BadRequest, "Malformed JSON: '<' is an invalid start of a value."),
            ("admin: invalid UTF-8", "admin/campaigns", Bytes([.. "{\"campaignId\":\""u8, 0xff, 0xfe, .. "\"}"u8]), HttpStatusCode.BadRequest, "Malformed JSON: "),
            ("admin: nested 1,000 deep", "admin/campaigns", Json(new string('[', 1000) + new string(']', 1000)), HttpStatusCode.BadRequest, "Malformed JSON: "),
            ("admin: an array, not an object", "admin/campaigns", Json("[]"), HttpStatusCode.BadRequest, "Malformed JSON: "),
            ("admin: quota as text", "admin/campaigns", Json($$"""{"campaignId":"{{campaign}}","sku":"{{shop.Sku}}","quota":"many"}"""), HttpStatusCode.BadRequest, "Path: $.quota"),
            ("admin: startsAt not a time", "admin/campaigns", Json($$"""{"campaignId":"{{campaign}}","sku":"{{shop.Sku}}","quota":1,"startsAt":"tomorrow"}"""), HttpStatusCode.BadRequest, "Path: $.startsAt"),
            ("admin: JSON null", "admin/campaigns", Json("null"), HttpStatusCode.BadRequest, "body: is required: a campaign as JSON"),
            ("admin: 2 MiB body", "admin/campaigns", Json($$"""{"campaignId":"{{campaign}}","sku":"{{huge}}"}"""), HttpStatusCode.RequestEntityTooLarge, TooLargeForAdmin),
            ("admin: 2 MiB body, chunked", "admin/campaigns", Chunked($$"""{"campaignId":"{{campaign}}","sku":"{{huge}}"}"""), HttpStatusCode.RequestEntityTooLarge, TooLargeForAdmin),
            ("admin: cancel reason as a number", $"admin/orders/{Uri.EscapeDataString(order.OrderId)}/cancel", Json("""{"reason":5}"""), HttpStatusCode.BadRequest, "Path: $.reason"),
            ("ledger: truncated JSON", "api/journal-entries", Json(journal[..40]), HttpStatusCode.BadRequest, "the body is not a journal entry: "),
            ("ledger: not JSON at all", "api/journal-entries", Json("debit 100"), HttpStatusCode.BadRequest, "the body is not a journal entry: 'd' is an invalid start of a value."),
            ("ledger: lines as text", "api/journal-entries", Json(journal.Replace("\"lines\":[", "\"lines\":\"none\",\"x\":[", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "Path: $.lines"),
            ("ledger: debit as an object", "api/journal-entries", Json(journal.Replace("\"debit_minor\":100", "\"debit_minor\":{\"eur\":100}", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "Path: $.lines[0].debit_minor"),
            ("ledger: debit past long", "api/journal-entries", Json(journal.Replace("\"debit_minor\":100", "\"debit_minor\":99999999999999999999", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "Path: $.lines[0].debit_minor"),
            ("ledger: JSON null", "api/journal-entries", Json("null"), HttpStatusCode.BadRequest, "the body is not a journal entry: it is JSON null."),
            ("ledger: 2 MiB body", "api/journal-entries", Json(journal.Replace("\"reference\":\"r\"", $"\"reference\":\"{huge}\"", StringComparison.Ordinal)), HttpStatusCode.RequestEntityTooLarge, TooLargeForLedger),
            ("ledger: 2 MiB body, chunked", "api/journal-entries", Chunked(journal.Replace("\"reference\":\"r\"", $"\"reference\":\"{huge}\"", StringComparison.Ordinal)), HttpStatusCode.RequestEntityTooLarge, TooLargeForLedger),
        };

        var failures = new List<string>();
        foreach (var (name, path, body, status, detail) in cases)
        {
            var (code, contentType, text) = await PostAsync(http, host.AdminPort, path, body, "hostile-" + name, oversized: status == HttpStatusCode.RequestEntityTooLarge);
            var problemDetail = contentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true ? (string?)JsonNode.Parse(text)?["detail"] : null;
            if (code != (int)status || problemDetail is null || !problemDetail.Contains(detail, StringComparison.Ordinal))
            {
                failures.Add($"{name}: expected {(int)status} problem with '{detail}', got {code} {contentType}: {text[..Math.Min(300, text.Length)]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));

        // Nothing recorded: no campaign, the order untouched, no journal entry, the trial balance as it was.
        using (var campaigns = await Get(http, "admin/campaigns"))
        {
            Assert.DoesNotContain(campaign, await campaigns.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var after = await host.Client.GetOrderAsync(order.OrderId);
        Assert.Equal((order.Status, order.Version), (after.Status, after.Version));
        using (var entries = await Get(http, $"api/journal-entries?order_id={Uri.EscapeDataString(journalOrder)}"))
        {
            Assert.Empty(JsonNode.Parse(await entries.Content.ReadAsStringAsync())!["entries"]!.AsArray());
        }

        Assert.Equal(balanceBefore, await TrialBalanceAsync(http));
    }

    /// <summary>Oversized bodies go over a raw socket (see <see cref="RawHttp1"/>), the rest through HttpClient.</summary>
    private static async Task<(int Status, string? ContentType, string Body)> PostAsync(HttpClient http, int port, string path, HttpContent body, string idempotencyKey, bool oversized)
    {
        if (oversized)
        {
            var bytes = await body.ReadAsByteArrayAsync();
            return await RawHttp1.PostAsync(port, path, [("Authorization", "Bearer " + OperatorToken), ("Idempotency-Key", idempotencyKey)], bytes, chunked: body.Headers.ContentLength is null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    private static HttpContent Json(string text) => new StringContent(text, Encoding.UTF8, "application/json");

    private static HttpContent Bytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Without Content-Length, so the server learns the size only while reading.</summary>
    private static HttpContent Chunked(string text)
    {
        var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(text)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task<HttpResponseMessage> Get(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response;
    }

    private static async Task<string> TrialBalanceAsync(HttpClient http)
    {
        using var response = await Get(http, "api/trial-balance");
        var balance = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return balance["accounts"]!.ToJsonString() + balance["totals"]!.ToJsonString();
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
