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
        Check(options.MaxAttempts > 0, nameof(ErpForwarderOptions.MaxAttempts), options.MaxAttempts, "must be positive");
        Check(options.AttemptsPerDelivery > 0, nameof(ErpForwarderOptions.AttemptsPerDelivery), options.AttemptsPerDelivery, "must be positive");
        Check(options.RetryDelay >= TimeSpan.Zero, nameof(ErpForwarderOptions.RetryDelay), options.RetryDelay, "must not be negative");
        Check(options.MaxDeadLetters > 0, nameof(ErpForwarderOptions.MaxDeadLetters), options.MaxDeadLetters, "must be positive");
        Check(options.PollInterval > TimeSpan.Zero, nameof(ErpForwarderOptions.PollInterval), options.PollInterval, "must be positive");
        Check(options.BatchSize > 0, nameof(ErpForwarderOptions.BatchSize), options.BatchSize, "must be positive");
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
