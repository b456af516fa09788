using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace OrderGrains.Alerting;

/// <summary>What one POST to the webhook came to.</summary>
public enum WebhookOutcome
{
    /// <summary>2xx: the receiver has it.</summary>
    Delivered = 1,

    /// <summary>Not now (no connection, timeout, 5xx, 408, 429): the same alert is sent again after a backoff.</summary>
    Retry = 2,

    /// <summary>Any other answer (400, 401, 404, 409, 422, ...): sending it again gets the same answer, so it is given up.</summary>
    GiveUp = 3,
}

/// <summary>The outcome of one attempt, with the status (0 without an answer), the receiver's Retry-After and a reason.</summary>
public sealed record WebhookAttempt(WebhookOutcome Outcome, int StatusCode, TimeSpan? RetryAfter, string? Reason);

/// <summary>POSTs alert JSON to the configured webhook with an Idempotency-Key header, and classifies the answer.</summary>
public sealed class AlertWebhookClient(HttpClient http, Uri endpoint, TimeProvider clock)
{
    private const int ReasonLength = 300;

    /// <summary>The webhook's URL.</summary>
    public Uri Endpoint { get; } = endpoint;

    /// <summary>One attempt; never throws for the receiver's failures (they come back as the outcome).</summary>
    public async Task<WebhookAttempt> PostAsync(string idempotencyKey, int attempt, byte[] json, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        ArgumentNullException.ThrowIfNull(json);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        request.Headers.Add("X-OrderGrains-Delivery-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new WebhookAttempt(WebhookOutcome.Delivered, status, null, null);
            }

            var body = await ReadReasonAsync(response, cancellationToken);
            var reason = $"HTTP {status} {response.ReasonPhrase}{(body.Length > 0 ? ": " + body : string.Empty)}";
            return Classify(response.StatusCode) == WebhookOutcome.Retry
                ? new WebhookAttempt(WebhookOutcome.Retry, status, RetryAfterOf(response.Headers.RetryAfter), reason)
                : new WebhookAttempt(WebhookOutcome.GiveUp, status, null, reason);
        }
        catch (HttpRequestException exception)
        {
            return new WebhookAttempt(WebhookOutcome.Retry, 0, null, "no answer: " + exception.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttempt(WebhookOutcome.Retry, 0, null, $"no answer within {http.Timeout}");
        }
    }

    /// <summary>The one place that decides what a status means: 408, 429 and 5xx are retried, every other non-2xx is given up.</summary>
    public static WebhookOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => WebhookOutcome.Delivered,
        408 or 429 or >= 500 => WebhookOutcome.Retry,
        _ => WebhookOutcome.GiveUp,
    };

    private TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - clock.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static async Task<string> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length > ReasonLength ? text[..ReasonLength] + "…" : text;
    }
}

/// <summary>The webhook as configured: <see cref="Client"/> is null while no URL is set (the webhook is off).</summary>
public sealed class AlertWebhook : IDisposable
{
    private readonly HttpClient? _http;

    public AlertWebhook(IOptions<AlertingOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        var webhook = options.Value.Webhook;
        if (webhook.Endpoint is { } endpoint)
        {
            _http = new HttpClient { Timeout = webhook.Timeout };
            Client = new AlertWebhookClient(_http, endpoint, clock);
        }
    }

    /// <summary>The client, or null when the webhook is off.</summary>
    public AlertWebhookClient? Client { get; }

    /// <inheritdoc />
    public void Dispose() => _http?.Dispose();
}
