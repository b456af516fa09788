using Microsoft.Extensions.Options;

namespace OrderGrains.Grains;

/// <summary>How SKU pools raise inventory alerts; bound from <see cref="SectionName"/>, checked at start.</summary>
public sealed class InventoryAlertOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Inventory:Alerts";

    /// <summary>Longest sales window accepted.</summary>
    public const int MaxSalesWindowDays = 90;

    /// <summary>
    /// Days of sales (units reserved, by UTC day, today included) a pool keeps to compute its rate for days-of-cover
    /// thresholds: one small counter per day, so the pool's state does not grow with its orders.
    /// </summary>
    public int SalesWindowDays { get; set; } = 7;

    /// <summary>At most one OUT_OF_STOCK alert per SKU per this interval; the refusals in between are summed into the next.</summary>
    public TimeSpan OutOfStockAlertInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Checks <see cref="InventoryAlertOptions"/>; each failure names its configuration key.</summary>
internal sealed class InventoryAlertOptionsValidator : IValidateOptions<InventoryAlertOptions>
{
    public ValidateOptionsResult Validate(string? name, InventoryAlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.SalesWindowDays is < 1 or > InventoryAlertOptions.MaxSalesWindowDays)
        {
            failures.Add($"{InventoryAlertOptions.SectionName}:{nameof(InventoryAlertOptions.SalesWindowDays)} is '{options.SalesWindowDays}'; it must be between 1 and {InventoryAlertOptions.MaxSalesWindowDays}.");
        }

        if (options.OutOfStockAlertInterval <= TimeSpan.Zero)
        {
            failures.Add($"{InventoryAlertOptions.SectionName}:{nameof(InventoryAlertOptions.OutOfStockAlertInterval)} is '{options.OutOfStockAlertInterval}'; it must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
