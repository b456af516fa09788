using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger;

/// <summary>Registers and maps the ERP ledger in any ASP.NET Core app (its own standalone host, or the OMS host).</summary>
public static class ErpLedgerEndpoints
{
    /// <summary>
    /// Registers the ledger: the journal store chosen by <paramref name="configure"/> (SQLite under
    /// <see cref="ErpLedgerOptions.DataDir"/> unless <see cref="ErpLedgerOptions.PostgresConnectionString"/> is set),
    /// opened and its schema created when the host starts. Pair with <see cref="MapErpLedger"/>.
    /// </summary>
    public static IServiceCollection AddErpLedger(this IServiceCollection services, Action<ErpLedgerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ErpLedgerOptions>().Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JournalLedger>();
        services.TryAddSingleton<ApiKeyCheck>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JournalLedgerInitializer>());
        return services;
    }

    /// <summary>
    /// Maps POST/GET /api/journal-entries and GET /api/trial-balance (not /healthz, which a hosting app usually owns).
    /// Returns the /api route group, so the caller can restrict it further, e.g. <c>.RequireHost("*:7071")</c>.
    /// </summary>
    public static RouteGroupBuilder MapErpLedger(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup("/api");
        api.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var check = http.RequestServices.GetRequiredService<ApiKeyCheck>();
            if (!check.Allows(http.Request.Headers[HttpErpClient.ApiKeyHeader]))
            {
                Log.ApiKeyRefused(http.RequestServices.GetRequiredService<ILogger<JournalLedger>>(), http.Request.Path);
                http.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
                return Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "missing or wrong X-Api-Key header.");
            }

            return await next(context).ConfigureAwait(false);
        });
        // Typed as route handlers, not RequestDelegates: only route handlers run the API key filter and write the IResult.
        api.MapPost("/journal-entries", (Func<HttpContext, Task<IResult>>)PostJournalEntryAsync);
        api.MapGet("/journal-entries", (Func<HttpContext, Task<IResult>>)GetJournalEntriesAsync);
        api.MapGet("/trial-balance", (Func<HttpContext, Task<IResult>>)GetTrialBalanceAsync);
        return api;
    }

    /// <summary>Maps GET <paramref name="pattern"/>: 200 "ready" when the journal can be read, 503 otherwise.</summary>
    public static IEndpointConventionBuilder MapErpLedgerHealth(this IEndpointRouteBuilder endpoints, string pattern = "/healthz")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(pattern, async (HttpContext http) =>
        {
            try
            {
                await http.RequestServices.GetRequiredService<JournalLedger>().CheckAsync(http.RequestAborted).ConfigureAwait(false);
                return Results.Text("ready\n");
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return Results.Text("journal unavailable\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }

    private static async Task<IResult> PostJournalEntryAsync(HttpContext http)
    {
        var key = http.Request.Headers[HttpErpClient.IdempotencyKeyHeader].ToString();
        if (string.IsNullOrWhiteSpace(key))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", "the Idempotency-Key header is required; send one key per document, the same on every retry.");
        }

        if (key.Length > JournalEntryValidation.MaxKeyLength)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", $"the Idempotency-Key header is longer than {JournalEntryValidation.MaxKeyLength} characters.");
        }

        var maxBody = http.RequestServices.GetRequiredService<IOptions<ErpLedgerOptions>>().Value.MaxRequestBodySize;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize
            && (bodySize.MaxRequestBodySize is null || bodySize.MaxRequestBodySize > maxBody))
        {
            bodySize.MaxRequestBodySize = maxBody;
        }

        JournalEntryRequest? entry;
        try
        {
            entry = await JsonSerializer.DeserializeAsync(http.Request.Body, ErpJsonContext.Default.JournalEntryRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", $"the body is not a journal entry: {exception.Message}");
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"the body is larger than {maxBody} bytes; a journal entry is far smaller.");
        }

        if (entry is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", "the body is not a journal entry: it is JSON null.");
        }

        var ledger = http.RequestServices.GetRequiredService<JournalLedger>();
        var (result, invalid) = await ledger.PostAsync(key, entry, http.RequestAborted).ConfigureAwait(false);
        if (invalid is not null)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity", invalid);
        }

        return result!.Outcome switch
        {
            PostOutcome.Created => Results.Json(result.Entry, ErpJsonContext.Default.JournalEntry, statusCode: StatusCodes.Status201Created),
            PostOutcome.Replayed => Results.Json(result.Entry, ErpJsonContext.Default.JournalEntry, statusCode: StatusCodes.Status200OK),
            _ => Problem(
                StatusCodes.Status409Conflict,
                "Conflict",
                $"Idempotency-Key '{key}' was already used for a different document (entry {result.Entry.EntryId}); use a new key for a new document."),
        };
    }

    private static async Task<IResult> GetJournalEntriesAsync(HttpContext http)
    {
        var orderId = http.Request.Query["order_id"].ToString();
        if (string.IsNullOrWhiteSpace(orderId))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", "the order_id query parameter is required.");
        }

        var ledger = http.RequestServices.GetRequiredService<JournalLedger>();
        var entries = await ledger.GetByOrderAsync(orderId, http.RequestAborted).ConfigureAwait(false);
        return Results.Json(new JournalEntryList(orderId, entries), ErpJsonContext.Default.JournalEntryList);
    }

    private static async Task<IResult> GetTrialBalanceAsync(HttpContext http)
    {
        var ledger = http.RequestServices.GetRequiredService<JournalLedger>();
        var balance = await ledger.GetTrialBalanceAsync(http.RequestAborted).ConfigureAwait(false);
        return Results.Json(balance, ErpJsonContext.Default.TrialBalance);
    }

    private static IResult Problem(int status, string title, string detail) =>
        Results.Json(new ErpProblem("about:blank", title, status, detail), ErpJsonContext.Default.ErpProblem, "application/problem+json", status);
}

/// <summary>Compares the X-Api-Key header with the configured key without leaking how much of it matched.</summary>
internal sealed class ApiKeyCheck(IOptions<ErpLedgerOptions> options)
{
    // Hashing both sides first gives equal-length inputs, so the constant-time compare also hides the key's length.
    private readonly byte[]? _expectedHash = options.Value.ApiKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    public bool Allows(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (_expectedHash is null)
        {
            return true;
        }

        if (header.Count != 1 || header[0] is not { Length: > 0 } presented)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(_expectedHash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }
}
