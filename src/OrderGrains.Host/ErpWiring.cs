using OrderGrains.Erp;
using OrderGrains.ErpLedger;

namespace OrderGrains.Host;

/// <summary>
/// Where completed orders are posted. With <c>OrderGrains:Erp:Endpoint</c> set, to that ERP; without it (the embedded
/// default), to the reference ledger this host serves itself on its admin port, over the same HTTP API.
/// </summary>
internal static class ErpWiring
{
    /// <summary>Registers the embedded ledger when no endpoint is configured; returns the endpoint to post to.</summary>
    public static Uri Configure(WebApplicationBuilder builder, HostSettings settings)
    {
        var configured = builder.Configuration["OrderGrains:Erp:Endpoint"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!Uri.TryCreate(configured, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw new HostSettingsException([$"OrderGrains:Erp:Endpoint is '{configured}'; set the ERP's base URL, e.g. http://127.0.0.1:7080/, or leave it empty for the embedded ledger."]);
            }

            return endpoint;
        }

        builder.Services.AddErpLedger(options =>
        {
            options.ApiKey = builder.Configuration["OrderGrains:Erp:ApiKey"];
            if (settings.Storage == StorageKind.Postgres)
            {
                options.PostgresConnectionString = settings.PostgresConnectionString;
                options.PostgresSchema = settings.PostgresSchema + "_erp";
            }
            else
            {
                options.DataDir = Path.Combine(settings.DataDirectory, "erp");
            }
        });
        return new Uri($"http://127.0.0.1:{settings.AdminPort}/");
    }

    /// <summary>Serves the embedded ledger's API on the admin port.</summary>
    public static void Map(WebApplication app, HostSettings settings)
    {
        if (string.IsNullOrWhiteSpace(app.Configuration["OrderGrains:Erp:Endpoint"]))
        {
            app.MapErpLedger().RequireHost($"*:{settings.AdminPort}");
        }
    }

    public static IErpClient CreateClient(Uri endpoint, string? apiKey) =>
        new HttpErpClient(new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(10) }, apiKey);
}
