using System.Globalization;

namespace OrderGrains.Abstractions;

/// <summary>
/// When a SKU counts as low on stock: available units at or below <paramref name="MinAvailable"/>, or covering at most
/// <paramref name="DaysOfCover"/> days at the recent sales rate. Exactly one of the two is set.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.LowStockThreshold")]
public sealed record LowStockThreshold([property: Id(0)] int? MinAvailable, [property: Id(1)] double? DaysOfCover)
{
    /// <summary>Longest days-of-cover threshold accepted.</summary>
    public const double MaxDaysOfCover = 365;

    /// <summary>
    /// Throws <see cref="DomainValidationException"/> naming the field unless exactly one of the two is set and it is in
    /// range; the field names are those of the caller's wire (proto or JSON).
    /// </summary>
    public static void Validate(int? minAvailable, double? daysOfCover, string minField, string daysField)
    {
        if (minAvailable is null && daysOfCover is null)
        {
            throw new DomainValidationException(minField, $"or {daysField} is required: set exactly one of them (to remove the threshold, clear it)");
        }

        if (minAvailable is not null && daysOfCover is not null)
        {
            throw new DomainValidationException(daysField, $"cannot be set together with {minField}: a threshold is either a quantity or days of cover");
        }

        if (minAvailable is < 0)
        {
            throw new DomainValidationException(minField, $"must not be negative (it is {minAvailable.Value.ToString(CultureInfo.InvariantCulture)})");
        }

        if (daysOfCover is { } days && (!double.IsFinite(days) || days <= 0 || days > MaxDaysOfCover))
        {
            throw new DomainValidationException(daysField, $"must be more than 0 and at most {MaxDaysOfCover.ToString(CultureInfo.InvariantCulture)} days (it is {days.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    /// <summary>"available ≤ 10" or "≤ 3 days of cover", for alert messages.</summary>
    public string Describe() => MinAvailable is { } min
        ? $"available <= {min.ToString(CultureInfo.InvariantCulture)}"
        : $"<= {DaysOfCover!.Value.ToString(CultureInfo.InvariantCulture)} days of cover";
}

/// <summary>
/// A SKU's low-stock threshold and where it stands: <paramref name="UnitsPerDay"/> is the units reserved per day over
/// the last <paramref name="SalesWindowDays"/> days; <paramref name="DaysOfCover"/> is null when nothing sold.
/// <paramref name="Low"/> is true while an alert is open for the current crossing.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.LowStockStatus")]
public sealed record LowStockStatus(
    [property: Id(0)] string Sku,
    [property: Id(1)] LowStockThreshold? Threshold,
    [property: Id(2)] int Available,
    [property: Id(3)] double UnitsPerDay,
    [property: Id(4)] double? DaysOfCover,
    [property: Id(5)] int SalesWindowDays,
    [property: Id(6)] bool Low,
    [property: Id(7)] string? OpenAlertId);

/// <summary>A threshold as the directory lists it.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SkuThreshold")]
public sealed record SkuThreshold([property: Id(0)] string Sku, [property: Id(1)] LowStockThreshold Threshold);

/// <summary>Which SKUs have a low-stock threshold (key <see cref="Key"/>), so operators can list them; the SKU pools hold the thresholds themselves.</summary>
public interface ILowStockThresholdDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one directory's key.</summary>
    const string Key = "all";

    /// <summary>Records a SKU's threshold, or forgets the SKU when <paramref name="threshold"/> is null.</summary>
    Task RecordAsync(string sku, LowStockThreshold? threshold);

    /// <summary>Every SKU with a threshold, by SKU.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<SkuThreshold>> ListAsync();
}
