using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger.Tests;

/// <summary>How HttpErpClient reports a ledger that is down, failing, slow or locked, so the forwarder knows to retry or not.</summary>
public sealed class ClientFailureTests
{
    [Fact]
    public async Task A_ledger_that_is_down_is_unavailable_not_rejected()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{UnusedPort()}/") };
        var client = new HttpErpClient(http);

        var failure = await Assert.ThrowsAsync<ErpUnavailableException>(
            () => client.PostJournalEntryAsync("o-down/paid", Documents.Payment("o-down", 100), default));

        Assert.Null(failure.StatusCode);
        Assert.IsType<HttpRequestException>(failure.InnerException);
        await Assert.ThrowsAsync<ErpUnavailableException>(() => client.GetTrialBalanceAsync(default));
    }

    [Fact]
    public async Task A_ledger_that_stops_is_unavailable_and_its_entries_are_there_when_it_returns()
    {
        await using var backend = new SqliteBackend();
        var server = await LedgerServer.StartAsync(backend);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new HttpErpClient(http);
        var posted = await client.PostJournalEntryAsync("o-stop/paid", Documents.Payment("o-stop", 100), default);
        await server.DisposeAsync();

        await Assert.ThrowsAsync<ErpUnavailableException>(
            () => client.PostJournalEntryAsync("o-stop/completed", Documents.Invoice("o-stop", 88, 12), default));

        await using var restarted = await LedgerServer.StartAsync(backend);
        var again = new HttpErpClient(restarted.Http());
        Assert.Equal(posted, Assert.Single(await again.GetJournalEntriesAsync("o-stop", default)));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task A_server_side_failure_is_unavailable_with_its_status(HttpStatusCode status)
    {
        // A failing ERP is outside the system, so here a stub answers instead of the ledger.
        using var http = new HttpClient(new StubHandler(_ => new HttpResponseMessage(status) { Content = new StringContent("<html>down</html>") }))
        {
            BaseAddress = new Uri("http://erp.invalid/"),
        };

        var failure = await Assert.ThrowsAsync<ErpUnavailableException>(
            () => new HttpErpClient(http).PostJournalEntryAsync("k", Documents.Payment("o", 1), default));

        Assert.Equal((int)status, failure.StatusCode);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, 7)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 120)]
    public async Task Retry_after_of_a_429_or_503_is_reported_so_the_forwarder_can_wait_it_out(HttpStatusCode status, int seconds)
    {
        using var http = new HttpClient(new StubHandler(_ =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent("busy") };
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
            return response;
        }))
        {
            BaseAddress = new Uri("http://erp.invalid/"),
        };

        var failure = await Assert.ThrowsAsync<ErpUnavailableException>(
            () => new HttpErpClient(http).PostJournalEntryAsync("k", Documents.Payment("o", 1), default));

        Assert.Equal(TimeSpan.FromSeconds(seconds), failure.RetryAfter);
    }

    [Fact]
    public async Task Without_retry_after_a_failure_carries_none()
    {
        using var http = new HttpClient(new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("busy") }))
        {
            BaseAddress = new Uri("http://erp.invalid/"),
        };

        var failure = await Assert.ThrowsAsync<ErpUnavailableException>(
            () => new HttpErpClient(http).PostJournalEntryAsync("k", Documents.Payment("o", 1), default));

        Assert.Null(failure.RetryAfter);
    }

    [Fact]
    public async Task A_ledger_that_does_not_answer_in_time_is_unavailable()
    {
        using var http = new HttpClient(new StubHandler(_ => throw new UnreachableException(), delay: TimeSpan.FromSeconds(30)))
        {
            BaseAddress = new Uri("http://erp.invalid/"),
            Timeout = TimeSpan.FromMilliseconds(200),
        };

        await Assert.ThrowsAsync<ErpUnavailableException>(
            () => new HttpErpClient(http).PostJournalEntryAsync("k", Documents.Payment("o", 1), default));
    }

    [Fact]
    public async Task The_callers_own_cancellation_stays_a_cancellation()
    {
        using var http = new HttpClient(new StubHandler(_ => throw new UnreachableException(), delay: TimeSpan.FromSeconds(30)))
        {
            BaseAddress = new Uri("http://erp.invalid/"),
        };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new HttpErpClient(http).PostJournalEntryAsync("k", Documents.Payment("o", 1), cancel.Token));
    }

    [Fact]
    public async Task With_an_api_key_configured_requests_without_it_get_401_and_with_it_succeed()
    {
        await using var backend = new SqliteBackend();
        await using var server = await LedgerServer.StartAsync(backend, apiKey: "s3cret-key");
        var document = Documents.Payment("o-key", 100);

        var missing = await Assert.ThrowsAsync<ErpRejectedException>(() => server.Client().PostJournalEntryAsync("o-key/paid", document, default));
        var wrong = await Assert.ThrowsAsync<ErpRejectedException>(() => server.Client("s3cret-kez").GetTrialBalanceAsync(default));
        var prefix = await Assert.ThrowsAsync<ErpRejectedException>(() => server.Client("s3cret").GetJournalEntriesAsync("o-key", default));
        var posted = await server.Client("s3cret-key").PostJournalEntryAsync("o-key/paid", document, default);

        Assert.All([missing, wrong, prefix], e => Assert.Equal(401, e.StatusCode));
        Assert.Equal(posted, Assert.Single(await server.Client("s3cret-key").GetJournalEntriesAsync("o-key", default)));
        using var health = await server.Http().GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_base_address_with_a_path_prefix_keeps_it()
    {
        Uri? seen = null;
        using var http = new HttpClient(new StubHandler(request =>
        {
            seen = request.RequestUri;
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"accounts":[],"totals":[],"as_of":"2026-11-22T00:00:00Z"}""") };
        }))
        {
            BaseAddress = new Uri("http://erp.invalid/ledger"),
        };

        var balance = await new HttpErpClient(http).GetTrialBalanceAsync(default);

        Assert.Equal(new Uri("http://erp.invalid/ledger/api/trial-balance"), seen);
        Assert.Empty(balance.Accounts);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond, TimeSpan delay = default) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            return respond(request);
        }
    }
}
