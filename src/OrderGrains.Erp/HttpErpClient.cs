using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrderGrains.Erp;

/// <summary>
/// <see cref="IErpClient"/> over the reference ledger's HTTP JSON API (see src/OrderGrains.ErpLedger/README.md).
/// The HttpClient's BaseAddress names the ledger (a path prefix is kept); its Timeout bounds each call.
/// </summary>
public sealed class HttpErpClient : IErpClient
{
    /// <summary>The request header carrying the idempotency key.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The request header carrying the API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    private readonly HttpClient _httpClient;
    private readonly Uri _baseAddress;
    private readonly string? _apiKey;

    /// <param name="httpClient">Its BaseAddress must be set to the ledger, e.g. http://127.0.0.1:7080/.</param>
    /// <param name="apiKey">Sent as X-Api-Key on every request when set.</param>
    public HttpErpClient(HttpClient httpClient, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        var baseAddress = httpClient.BaseAddress
            ?? throw new ArgumentException("The HttpClient needs a BaseAddress naming the ERP ledger, e.g. http://127.0.0.1:7080/.", nameof(httpClient));
        // Without the trailing slash a relative URI would replace the last path segment of a prefixed base address.
        _baseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _httpClient = httpClient;
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
    }

    /// <inheritdoc />
    public async Task<JournalEntry> PostJournalEntryAsync(string idempotencyKey, JournalEntryRequest entry, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentNullException.ThrowIfNull(entry);
        using var request = CreateRequest(HttpMethod.Post, "api/journal-entries");
        request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, idempotencyKey);
        request.Content = JsonContent.Create(entry, ErpJsonContext.Default.JournalEntryRequest);
        return await SendAsync(request, ErpJsonContext.Default.JournalEntry, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JournalEntry>> GetJournalEntriesAsync(string orderId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        using var request = CreateRequest(HttpMethod.Get, "api/journal-entries?order_id=" + Uri.EscapeDataString(orderId));
        var list = await SendAsync(request, ErpJsonContext.Default.JournalEntryList, ct).ConfigureAwait(false);
        return list.Entries;
    }

    /// <inheritdoc />
    public async Task<TrialBalance> GetTrialBalanceAsync(CancellationToken ct)
    {
        using var request = CreateRequest(HttpMethod.Get, "api/trial-balance");
        return await SendAsync(request, ErpJsonContext.Default.TrialBalance, ct).ConfigureAwait(false);
    }

    private HttpRequestMessage CreateRequest(HttpMethod method, string relativeUri)
    {
        var request = new HttpRequestMessage(method, new Uri(_baseAddress, relativeUri));
        if (_apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiKeyHeader, _apiKey);
        }

        return request;
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> typeInfo, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            // Connection refused or reset, DNS failure, a torn response: nothing was decided, so a retry is safe.
            throw new ErpUnavailableException($"The ERP at {_baseAddress} cannot be reached: {exception.Message}", innerException: exception);
        }
        catch (OperationCanceledException exception) when (!ct.IsCancellationRequested)
        {
            // HttpClient.Timeout surfaces as a cancellation the caller did not ask for.
            throw new ErpUnavailableException($"The ERP at {_baseAddress} did not answer within {_httpClient.Timeout}.", innerException: exception);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (System.Diagnostics.Activity.Current is { } activity && activity.Source == ErpTelemetry.Source)
            {
                activity.SetTag("http.response.status_code", status);
            }

            try
            {
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadFromJsonAsync(typeInfo, ct).ConfigureAwait(false)
                        ?? throw new ErpUnavailableException($"The ERP answered {status} with an empty body.", status);
                }

                var reason = await ReadReasonAsync(response, ct).ConfigureAwait(false);
                if (IsRetryable(response.StatusCode))
                {
                    throw new ErpUnavailableException($"The ERP answered {status}: {reason}", status, retryAfter: RetryAfterOf(response));
                }

                throw new ErpRejectedException(status, reason);
            }
            catch (HttpRequestException exception)
            {
                throw new ErpUnavailableException($"The ERP's {status} response was cut off: {exception.Message}", status, exception);
            }
            catch (JsonException exception)
            {
                // A success without a readable entry leaves the outcome unknown; retrying the same key resolves it.
                throw new ErpUnavailableException($"The ERP answered {status} with a body that is not the expected JSON: {exception.Message}", status, exception);
            }
            catch (OperationCanceledException exception) when (!ct.IsCancellationRequested)
            {
                throw new ErpUnavailableException($"The ERP at {_baseAddress} did not finish its answer within {_httpClient.Timeout}.", status, exception);
            }
        }
    }

    // 408 and 429 are 4xx yet say "not now" rather than "never"; everything else in 4xx is the request's fault.
    private static bool IsRetryable(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    // Retry-After as seconds or as an HTTP date (RFC 9110 10.2.3); only 429 and 503 carry it with that meaning.
    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            || response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        var wait = header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w ? (w > TimeSpan.Zero ? w : TimeSpan.Zero) : null;
    }

    private static async Task<string> ReadReasonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return response.ReasonPhrase ?? response.StatusCode.ToString();
        }

        try
        {
            var problem = JsonSerializer.Deserialize(text, ErpJsonContext.Default.ErpProblem);
            if (problem is { Detail.Length: > 0 })
            {
                return problem.Detail;
            }
        }
        catch (JsonException)
        {
            // Not our problem document (a proxy's error page, say): the raw text is the best reason there is.
        }

        return text.Length > 500 ? text[..500] : text;
    }
}
