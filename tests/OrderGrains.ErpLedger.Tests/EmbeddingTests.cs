using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger.Tests;

/// <summary>The ledger mounted in another app, as the OMS host serves it on its admin port.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task AddErpLedger_and_MapErpLedger_serve_the_api_beside_the_hosts_own_healthz()
    {
        await using var backend = new SqliteBackend();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddErpLedger(options =>
        {
            options.DataDir = Path.Combine(backend.Directory, "embedded");
            options.ApiKey = "embedded-key";
        });
        await using var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("host ready\n"));
        app.MapErpLedger();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = ErpLedgerApp.BoundAddresses(app).Single() };

        var posted = await new HttpErpClient(http, "embedded-key").PostJournalEntryAsync("o-e/paid", Documents.Payment("o-e", 700), default);

        Assert.Equal(posted, Assert.Single(await new HttpErpClient(http, "embedded-key").GetJournalEntriesAsync("o-e", default)));
        Assert.Equal("host ready\n", await http.GetStringAsync("healthz"));
        using var locked = await http.GetAsync("api/trial-balance");
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.True(File.Exists(Path.Combine(backend.Directory, "embedded", ErpLedgerOptions.SqliteFileName)));
        await app.StopAsync();
    }

    [Fact]
    public async Task Bad_settings_stop_the_standalone_ledger_with_a_message_naming_the_setting()
    {
        var failure = await Assert.ThrowsAsync<ErpLedgerSettingsException>(
            () => ErpLedgerApp.StartAsync(["--Erp:Port=70800", "--ConnectionStrings:ErpPostgres=Host=127.0.0.1", "--Erp:PostgresSchema=1bad"]));

        Assert.Contains("Erp:Port", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Erp:PostgresSchema", failure.Message, StringComparison.Ordinal);
    }
}
