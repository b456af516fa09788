using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace OrderGrains.ErpLedger;

/// <summary>The standalone ERP ledger: settings from configuration, Kestrel on one HTTP port, the API and /healthz.</summary>
public static class ErpLedgerApp
{
    /// <summary>Default port of the standalone ledger.</summary>
    public const int DefaultPort = 7080;

    /// <summary>Exit code when settings are wrong.</summary>
    public const int ExitBadSettings = 2;

    /// <summary>Exit code when the journal cannot be opened.</summary>
    public const int ExitJournalUnavailable = 3;

    /// <summary>Runs until SIGTERM/Ctrl+C; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = await StartAsync(args);
        }
        catch (ErpLedgerSettingsException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return ExitBadSettings;
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"The ERP ledger cannot open its journal: {exception.Message}. Check Erp:DataDir or ConnectionStrings:ErpPostgres.");
            return ExitJournalUnavailable;
        }

        await using (app)
        {
            await app.WaitForShutdownAsync();
        }

        return 0;
    }

    /// <summary>
    /// Builds and starts the ledger. Settings: <c>Erp:Port</c> (default 7080; 0 picks a free port),
    /// <c>Erp:ListenAddress</c> (127.0.0.1), <c>Erp:DataDir</c> (data/erp), <c>Erp:ApiKey</c>,
    /// <c>ConnectionStrings:ErpPostgres</c>, <c>Erp:PostgresSchema</c> (erp), <c>Erp:PostgresMaxPoolSize</c> (20) and
    /// <c>Erp:MaxRequestBodySize</c> (262144 bytes).
    /// </summary>
    public static async Task<WebApplication> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary; relative data paths still resolve against the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var configuration = builder.Configuration;
        var problems = new List<string>();
        var options = new ErpLedgerOptions
        {
            DataDir = configuration["Erp:DataDir"] is { Length: > 0 } dataDir ? dataDir : Path.Combine("data", "erp"),
            PostgresConnectionString = configuration.GetConnectionString("ErpPostgres"),
            PostgresSchema = configuration["Erp:PostgresSchema"] is { Length: > 0 } schema ? schema : "erp",
            ApiKey = configuration["Erp:ApiKey"] is { Length: > 0 } apiKey ? apiKey : null,
        };
        if (configuration["Erp:MaxRequestBodySize"] is { Length: > 0 } bodyText)
        {
            if (long.TryParse(bodyText, NumberStyles.None, CultureInfo.InvariantCulture, out var body) && body > 0)
            {
                options.MaxRequestBodySize = body;
            }
            else
            {
                problems.Add($"Erp:MaxRequestBodySize is '{bodyText}'; set a size in bytes of at least 1 (262144 by default).");
            }
        }

        if (configuration["Erp:PostgresMaxPoolSize"] is { Length: > 0 } poolText)
        {
            if (int.TryParse(poolText, NumberStyles.None, CultureInfo.InvariantCulture, out var pool))
            {
                options.PostgresMaxPoolSize = pool;
            }
            else
            {
                problems.Add($"Erp:PostgresMaxPoolSize is '{poolText}'; set a whole number of connections, at least 1.");
            }
        }

        problems.AddRange(options.Validate());
        var port = DefaultPort;
        if (configuration["Erp:Port"] is { Length: > 0 } portText
            && !(int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535))
        {
            problems.Add($"Erp:Port is '{portText}'; set a TCP port number between 1 and 65535 (0 picks a free port).");
        }

        var listen = configuration["Erp:ListenAddress"] is { Length: > 0 } address ? address : "127.0.0.1";
        if (!IPAddress.TryParse(listen, out var listenAddress))
        {
            problems.Add($"Erp:ListenAddress is '{listen}'; set an IP address such as 127.0.0.1 or 0.0.0.0.");
        }

        if (problems.Count > 0)
        {
            throw new ErpLedgerSettingsException(problems);
        }

        builder.Services.AddErpLedger(o =>
        {
            o.DataDir = options.DataDir;
            o.PostgresConnectionString = options.PostgresConnectionString;
            o.PostgresSchema = options.PostgresSchema;
            o.PostgresMaxPoolSize = options.PostgresMaxPoolSize;
            o.ApiKey = options.ApiKey;
            o.MaxRequestBodySize = options.MaxRequestBodySize;
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(listenAddress!, port));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapErpLedgerHealth();
        app.MapErpLedger();
        try
        {
            await app.StartAsync();
        }
        catch (Exception)
        {
            await app.DisposeAsync();
            throw;
        }

        var logger = app.Services.GetRequiredService<ILogger<JournalLedger>>();
        foreach (var bound in BoundAddresses(app))
        {
            Log.Listening(logger, bound.ToString());
        }

        return app;
    }

    /// <summary>The addresses Kestrel actually bound (port 0 resolved).</summary>
    public static IReadOnlyList<Uri> BoundAddresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        return feature?.Addresses.Select(a => new Uri(a)).ToList() ?? [];
    }
}

/// <summary>The ledger cannot start with these settings; the message lists what to fix.</summary>
public sealed class ErpLedgerSettingsException : Exception
{
    public ErpLedgerSettingsException(IReadOnlyList<string> problems)
        : base("The ERP ledger cannot start:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
    {
    }

    public ErpLedgerSettingsException()
    {
    }

    public ErpLedgerSettingsException(string message) : base(message)
    {
    }

    public ErpLedgerSettingsException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
