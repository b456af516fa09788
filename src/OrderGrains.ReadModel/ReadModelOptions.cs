using Microsoft.Extensions.Options;

namespace OrderGrains.ReadModel;

/// <summary>How the order read model follows the stream; bound from <see cref="SectionName"/>, checked by <see cref="ReadModelOptionsValidator"/>.</summary>
public sealed class ReadModelOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:ReadModel";

    /// <summary>How often an active projector looks for new events in its partition (its grain timer's period).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Events read from the outbox, and applied in one transaction, per step.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Period of each projector's keep-alive reminder (at least Orleans' minimum reminder period).</summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>/admin/read-model</c> flags a partition whose oldest unprojected event is older than this.</summary>
    public TimeSpan LagAlertThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While the silo is busy answering callers (<c>OrderGrains:Admission:BusyInFlight</c>), a projector puts its pulls
    /// off for up to this long in a row, so a flash sale's buyers get the CPU; zero never defers, at most 1 minute.
    /// </summary>
    public TimeSpan MaxDeferral { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks <see cref="ReadModelOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class ReadModelOptionsValidator(IOptions<ReminderOptions> reminders) : IValidateOptions<ReadModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ReadModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(options.PollInterval > TimeSpan.Zero && options.PollInterval <= TimeSpan.FromMinutes(1), nameof(ReadModelOptions.PollInterval), options.PollInterval, "must be positive and at most 00:01:00");
        Check(options.BatchSize is > 0 and <= 10_000, nameof(ReadModelOptions.BatchSize), options.BatchSize, "must be between 1 and 10000");
        Check(options.LagAlertThreshold > TimeSpan.Zero, nameof(ReadModelOptions.LagAlertThreshold), options.LagAlertThreshold, "must be positive");
        Check(options.MaxDeferral >= TimeSpan.Zero && options.MaxDeferral <= TimeSpan.FromMinutes(1), nameof(ReadModelOptions.MaxDeferral), options.MaxDeferral,
            "must be between 00:00:00 (never defer) and 00:01:00");
        var minimum = reminders.Value.MinimumReminderPeriod;
        Check(options.KeepAlivePeriod >= minimum, nameof(ReadModelOptions.KeepAlivePeriod), options.KeepAlivePeriod,
            $"must be at least Orleans' minimum reminder period ({minimum})");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(bool valid, string property, object value, string rule)
        {
            if (!valid)
            {
                failures.Add($"{ReadModelOptions.SectionName}:{property} is '{value}'; it {rule}.");
            }
        }
    }
}
