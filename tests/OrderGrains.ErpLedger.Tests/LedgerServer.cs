using Microsoft.AspNetCore.Builder;
using Npgsql;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger.Tests;

/// <summary>Where a test ledger keeps its journal; outlives the servers started on it, as a database outlives restarts.</summary>
public abstract class LedgerBackend : IAsyncDisposable
{
    /// <summary>Command-line settings selecting this journal.</summary>
    public abstract IReadOnlyList<string> Arguments { get; }

    public abstract ValueTask DisposeAsync();
}

/// <summary>A SQLite journal in a fresh temporary directory, deleted at the end.</summary>
public sealed class SqliteBackend : LedgerBackend
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("ordergrains-erp-").FullName;

    public override IReadOnlyList<string> Arguments => [$"--Erp:DataDir={Path.Combine(Directory, "erp")}"];

    public override ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A fresh schema on the server named by ORDERGRAINS_TEST_POSTGRES, dropped at the end; no server, no pass.</summary>
public sealed class PostgresBackend : LedgerBackend
{
    public const string EnvironmentVariable = "ORDERGRAINS_TEST_POSTGRES";

    public PostgresBackend()
    {
        ConnectionString = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. The PostgreSQL ledger tests need a real server: set it to an Npgsql connection string, " +
                "e.g. Host=127.0.0.1;Username=postgres;Password=postgres;Database=ordergrains_test");
    }

    public string ConnectionString { get; }

    public string Schema { get; } = "erp_t_" + Guid.NewGuid().ToString("N");

    public override IReadOnlyList<string> Arguments => [$"--ConnectionStrings:ErpPostgres={ConnectionString}", $"--Erp:PostgresSchema={Schema}"];

    public override async ValueTask DisposeAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE");
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The standalone ledger on a real Kestrel, on a free 127.0.0.1 port.</summary>
public sealed class LedgerServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private LedgerServer(WebApplication app)
    {
        _app = app;
        BaseAddress = ErpLedgerApp.BoundAddresses(app).Single();
    }

    public Uri BaseAddress { get; }

    public static async Task<LedgerServer> StartAsync(LedgerBackend backend, string? apiKey = null)
    {
        List<string> args = ["--Erp:Port=0", "--Logging:LogLevel:Default=Warning", .. backend.Arguments];
        if (apiKey is not null)
        {
            args.Add($"--Erp:ApiKey={apiKey}");
        }

        return new LedgerServer(await ErpLedgerApp.StartAsync([.. args]));
    }

    /// <summary>Our own client, as the forwarder uses it.</summary>
    public HttpErpClient Client(string? apiKey = null) => new(Http(), apiKey);

    /// <summary>A plain HttpClient on the ledger, for what the typed client does not show (status codes, headers).</summary>
    public HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        _clients.Add(http);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Documents as the forwarder posts them, priced at 13% VAT.</summary>
public static class Documents
{
    public static readonly DateTimeOffset At = new(2026, 11, 22, 10, 30, 0, TimeSpan.FromHours(8));

    public static JournalEntryRequest Payment(string orderId, long grossMinor, string currency = "CNY") => new(
        DocumentTypes.CustomerPayment, orderId, currency, At, $"{orderId}/paid",
        [JournalLine.Debit(ChartOfAccounts.CashClearing, grossMinor), JournalLine.Credit(ChartOfAccounts.CustomerAdvances, grossMinor)]);

    public static JournalEntryRequest Invoice(string orderId, long netMinor, long vatMinor, string currency = "CNY") => new(
        DocumentTypes.SalesInvoice, orderId, currency, At.AddHours(2), $"{orderId}/completed",
        [
            JournalLine.Debit(ChartOfAccounts.CustomerAdvances, netMinor + vatMinor),
            JournalLine.Credit(ChartOfAccounts.SalesRevenue, netMinor, "net"),
            JournalLine.Credit(ChartOfAccounts.OutputVat, vatMinor, "VAT 13%"),
        ]);

    public static JournalEntryRequest CreditNote(string orderId, long netMinor, long vatMinor, string currency = "CNY") => new(
        DocumentTypes.CreditNote, orderId, currency, At.AddDays(3), $"{orderId}/refunded",
        [
            JournalLine.Debit(ChartOfAccounts.SalesRevenue, netMinor),
            JournalLine.Debit(ChartOfAccounts.OutputVat, vatMinor),
            JournalLine.Credit(ChartOfAccounts.CashClearing, netMinor + vatMinor, "refund"),
        ]);
}
