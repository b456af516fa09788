using Microsoft.Extensions.Options;

namespace OrderGrains.Alerting;

/// <summary>Checks <see cref="AlertingOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class AlertingOptionsValidator(IOptions<ReminderOptions> reminders) : IValidateOptions<AlertingOptions>
{
    private const string Webhook = AlertingOptions.SectionName + ":Webhook";

    public ValidateOptionsResult Validate(string? name, AlertingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(options.PollInterval > TimeSpan.Zero, AlertingOptions.SectionName, nameof(AlertingOptions.PollInterval), options.PollInterval, "must be positive");
        Check(options.BatchSize > 0, AlertingOptions.SectionName, nameof(AlertingOptions.BatchSize), options.BatchSize, "must be positive");
        var minimum = reminders.Value.MinimumReminderPeriod;
        Check(options.KeepAlivePeriod >= minimum, AlertingOptions.SectionName, nameof(AlertingOptions.KeepAlivePeriod), options.KeepAlivePeriod,
            $"must be at least Orleans' minimum reminder period ({minimum})");
        var webhook = options.Webhook;
        if (!string.IsNullOrWhiteSpace(webhook.Url))
        {
            var valid = Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
            Check(valid, Webhook, nameof(AlertWebhookOptions.Url), webhook.Url, "must be an absolute http or https URL, e.g. https://wms.example/alerts (empty turns the webhook off)");
        }

        Check(webhook.Timeout > TimeSpan.Zero, Webhook, nameof(AlertWebhookOptions.Timeout), webhook.Timeout, "must be positive");
        Check(webhook.RetryDelay > TimeSpan.Zero, Webhook, nameof(AlertWebhookOptions.RetryDelay), webhook.RetryDelay, "must be positive");
        Check(webhook.MaxRetryDelay >= webhook.RetryDelay && webhook.MaxRetryDelay <= TimeSpan.FromHours(1), Webhook, nameof(AlertWebhookOptions.MaxRetryDelay), webhook.MaxRetryDelay,
            $"must be at least {Webhook}:{nameof(AlertWebhookOptions.RetryDelay)} ({webhook.RetryDelay}) and at most 01:00:00");
        Check(webhook.GivenUpKept > 0, Webhook, nameof(AlertWebhookOptions.GivenUpKept), webhook.GivenUpKept, "must be positive");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(bool valid, string section, string property, object? value, string rule)
        {
            if (!valid)
            {
                failures.Add($"{section}:{property} is '{value}'; it {rule}.");
            }
        }
    }
}
