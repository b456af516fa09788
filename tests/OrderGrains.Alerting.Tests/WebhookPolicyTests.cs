using System.Net;
using Microsoft.Extensions.Options;

namespace OrderGrains.Alerting.Tests;

/// <summary>The pure parts of the webhook: backoff schedule and cap, Retry-After, classification, option checks.</summary>
public sealed class WebhookPolicyTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(5);

    [Fact]
    public void Backoff_doubles_from_the_first_delay_and_stops_at_the_cap()
    {
        Assert.Equal(
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300],
            Enumerable.Range(1, 11).Select(n => WebhookBackoff.Delay(n, Second, Cap, null, jitter: 1).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(2), WebhookBackoff.Delay(3, Second, Cap, null, jitter: 0));
        Assert.Equal(Cap, WebhookBackoff.Delay(int.MaxValue, Second, Cap, null, jitter: 1));
    }

    [Fact]
    public void Retry_after_is_waited_out_in_full_but_never_beyond_the_cap()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), WebhookBackoff.Delay(1, Second, Cap, TimeSpan.FromSeconds(30), jitter: 0));
        Assert.Equal(Cap, WebhookBackoff.Delay(1, Second, Cap, TimeSpan.FromHours(3), jitter: 0));
        Assert.Equal(TimeSpan.FromSeconds(4), WebhookBackoff.Delay(3, Second, Cap, TimeSpan.FromMilliseconds(10), jitter: 1));
    }

    [Theory]
    [InlineData(200, WebhookOutcome.Delivered)]
    [InlineData(202, WebhookOutcome.Delivered)]
    [InlineData(408, WebhookOutcome.Retry)]
    [InlineData(429, WebhookOutcome.Retry)]
    [InlineData(500, WebhookOutcome.Retry)]
    [InlineData(503, WebhookOutcome.Retry)]
    [InlineData(400, WebhookOutcome.GiveUp)]
    [InlineData(401, WebhookOutcome.GiveUp)]
    [InlineData(404, WebhookOutcome.GiveUp)]
    [InlineData(409, WebhookOutcome.GiveUp)]
    [InlineData(422, WebhookOutcome.GiveUp)]
    public void Status_codes_are_classified_in_one_place(int status, WebhookOutcome expected) =>
        Assert.Equal(expected, AlertWebhookClient.Classify((HttpStatusCode)status));

    [Fact]
    public void Bad_webhook_settings_are_refused_naming_their_key()
    {
        var validator = new AlertingOptionsValidator(Options.Create(new ReminderOptions()));
        var options = new AlertingOptions
        {
            Webhook = new AlertWebhookOptions { Url = "ftp://wms.example/alerts", RetryDelay = TimeSpan.FromSeconds(10), MaxRetryDelay = TimeSpan.FromSeconds(1) },
        };

        var result = validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("OrderGrains:Alerts:Webhook:Url is 'ftp://wms.example/alerts'; it must be an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("OrderGrains:Alerts:Webhook:MaxRetryDelay is '00:00:01'", StringComparison.Ordinal));
        Assert.True(validator.Validate(null, new AlertingOptions { Webhook = new AlertWebhookOptions { Url = "https://wms.example/alerts?token=x" } }).Succeeded);
        Assert.True(validator.Validate(null, new AlertingOptions()).Succeeded);
    }
}
