using Microsoft.Extensions.Options;

namespace OrderGrains.ErpForwarding;

/// <summary>Checks <see cref="ErpForwarderOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class ErpForwarderOptionsValidator(IOptions<ReminderOptions> reminders) : IValidateOptions<ErpForwarderOptions>
{
    public ValidateOptionsResult Validate(string? name, ErpForwarderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(options.VatRateBasisPoints is >= 0 and <= 10_000, nameof(ErpForwarderOptions.VatRateBasisPoints), options.VatRateBasisPoints, "must be between 0 and 10000");
        Check(options.RetryDelay > TimeSpan.Zero, nameof(ErpForwarderOptions.RetryDelay), options.RetryDelay, "must be positive");
        Check(options.MaxRetryDelay >= options.RetryDelay && options.MaxRetryDelay <= TimeSpan.FromHours(1), nameof(ErpForwarderOptions.MaxRetryDelay), options.MaxRetryDelay,
            $"must be at least {ErpForwarderOptions.SectionName}:{nameof(ErpForwarderOptions.RetryDelay)} ({options.RetryDelay}) and at most 01:00:00");
        Check(options.LagAlertThreshold > TimeSpan.Zero, nameof(ErpForwarderOptions.LagAlertThreshold), options.LagAlertThreshold, "must be positive");
        Check(options.MaxDeferral >= TimeSpan.Zero && options.MaxDeferral <= TimeSpan.FromMinutes(1), nameof(ErpForwarderOptions.MaxDeferral), options.MaxDeferral,
            "must be between 00:00:00 (never defer) and 00:01:00");
        Check(options.PollInterval > TimeSpan.Zero, nameof(ErpForwarderOptions.PollInterval), options.PollInterval, "must be positive");
        Check(options.BatchSize > 0, nameof(ErpForwarderOptions.BatchSize), options.BatchSize, "must be positive");
        Check(options.MaxPullTurn > TimeSpan.Zero && options.MaxPullTurn <= TimeSpan.FromSeconds(20), nameof(ErpForwarderOptions.MaxPullTurn), options.MaxPullTurn,
            "must be positive and at most 00:00:20 (calls waiting behind a turn time out after 30 s)");
        var minimum = reminders.Value.MinimumReminderPeriod;
        Check(options.KeepAlivePeriod >= minimum, nameof(ErpForwarderOptions.KeepAlivePeriod), options.KeepAlivePeriod,
            $"must be at least Orleans' minimum reminder period ({minimum})");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(bool valid, string property, object value, string rule)
        {
            if (!valid)
            {
                failures.Add($"{ErpForwarderOptions.SectionName}:{property} is '{value}'; it {rule}.");
            }
        }
    }
}
