using Microsoft.Extensions.Options;

namespace OrderGrains.Grains;

/// <summary>Checks <see cref="OrderOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class OrderOptionsValidator(IOptions<ReminderOptions> reminders) : IValidateOptions<OrderOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(options.ReservationTimeout > TimeSpan.Zero, nameof(OrderOptions.ReservationTimeout), options.ReservationTimeout, "must be positive");
        Check(options.ExpiryRetryPeriod > TimeSpan.Zero, nameof(OrderOptions.ExpiryRetryPeriod), options.ExpiryRetryPeriod, "must be positive");
        var minimumReminderPeriod = reminders.Value.MinimumReminderPeriod;
        Check(options.ExpiryRetryPeriod >= minimumReminderPeriod, nameof(OrderOptions.ExpiryRetryPeriod), options.ExpiryRetryPeriod,
            $"must be at least Orleans' minimum reminder period ({minimumReminderPeriod})");
        Check(options.MaxLinesPerOrder > 0, nameof(OrderOptions.MaxLinesPerOrder), options.MaxLinesPerOrder, "must be positive");
        Check(options.MaxWatchWait > TimeSpan.Zero, nameof(OrderOptions.MaxWatchWait), options.MaxWatchWait, "must be positive");
        Check(options.WarehouseDirectoryCacheDuration >= TimeSpan.Zero, nameof(OrderOptions.WarehouseDirectoryCacheDuration), options.WarehouseDirectoryCacheDuration, "must not be negative (0 = ask every time)");
        Check(options.MaxWaitingPerHotGrain > 0, nameof(OrderOptions.MaxWaitingPerHotGrain), options.MaxWaitingPerHotGrain, "must be positive");
        Check(options.RememberedSyncIdsPerWarehouse > 0, nameof(OrderOptions.RememberedSyncIdsPerWarehouse), options.RememberedSyncIdsPerWarehouse, "must be positive");
        Check(options.MaxUnitsPerPackage > 0, nameof(OrderOptions.MaxUnitsPerPackage), options.MaxUnitsPerPackage, "must be positive");
        Check(options.ConsolidationWindow >= TimeSpan.Zero, nameof(OrderOptions.ConsolidationWindow), options.ConsolidationWindow, "must not be negative (0 = off)");
        Check(options.HoldTimeout > TimeSpan.Zero, nameof(OrderOptions.HoldTimeout), options.HoldTimeout, "must be positive");
        Check(options.ManualReviewThresholdMinor >= 0, nameof(OrderOptions.ManualReviewThresholdMinor), options.ManualReviewThresholdMinor, "must not be negative (0 = off)");
        Check(options.ManualReviewDiscountPercent is >= 0 and <= 100, nameof(OrderOptions.ManualReviewDiscountPercent), options.ManualReviewDiscountPercent, "must be between 0 (off) and 100");
        Check(options.DualApprovalThresholdMinor >= 0, nameof(OrderOptions.DualApprovalThresholdMinor), options.DualApprovalThresholdMinor, "must not be negative (0 = off)");
        Check(options.LedgerEntriesKept > 0, nameof(OrderOptions.LedgerEntriesKept), options.LedgerEntriesKept, "must be positive");
        Check(options.StockNoticeRetryPeriod > TimeSpan.Zero, nameof(OrderOptions.StockNoticeRetryPeriod), options.StockNoticeRetryPeriod, "must be positive");
        Check(Enum.IsDefined(options.OverdueCustomerOrders) && options.OverdueCustomerOrders != OverduePolicy.Unspecified, nameof(OrderOptions.OverdueCustomerOrders), options.OverdueCustomerOrders, "must be Reject or Hold");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(bool valid, string property, object value, string rule)
        {
            if (!valid)
            {
                failures.Add($"{OrderOptions.SectionName}:{property} is '{value}'; it {rule}.");
            }
        }
    }
}
