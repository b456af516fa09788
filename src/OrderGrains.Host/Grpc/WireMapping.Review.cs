using Google.Protobuf.WellKnownTypes;
using OrderGrains.Abstractions;
using OrderGrains.ReadModel;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>The review queue's messages (review.proto).</summary>
internal static partial class WireMapping
{
    // The earliest and latest instants google.protobuf.Timestamp allows (0001-01-01 to 9999-12-31).
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    /// <summary>A hold reason filter: null for HOLD_REASON_UNSPECIFIED; a number the contract does not define names <paramref name="field"/>.</summary>
    public static HoldReason? ToDomain(Wire.HoldReason reason, string field)
    {
        if (reason == Wire.HoldReason.Unspecified)
        {
            return null;
        }

        var domain = (HoldReason)(int)reason;
        return System.Enum.IsDefined(domain)
            ? domain
            : throw new DomainValidationException(field, $"{(int)reason} is not a hold reason");
    }

    /// <summary>A minimum age: unset is none; negative, malformed or over ten years is INVALID_ARGUMENT naming min_age.</summary>
    public static TimeSpan? MinAge(Duration? age)
    {
        if (age is null)
        {
            return null;
        }

        if (age.Seconds < 0 || age.Seconds >= (long)ReviewQueueReader.MaxAge.TotalSeconds || age.Nanos is < 0 or >= Duration.NanosecondsPerSecond)
        {
            throw new DomainValidationException("min_age", $"must be at least 0 and under {ReviewQueueReader.MaxAge.TotalDays:0} days (seconds {age.Seconds}, nanos {age.Nanos})");
        }

        return age.ToTimeSpan();
    }

    /// <summary>A held-before filter: unset is none; a timestamp outside what the contract allows names held_before.</summary>
    public static DateTimeOffset? HeldBefore(Timestamp? at)
    {
        if (at is null)
        {
            return null;
        }

        if (at.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || at.Nanos is < 0 or >= Duration.NanosecondsPerSecond)
        {
            throw new DomainValidationException("held_before", $"is not a valid timestamp (seconds {at.Seconds}, nanos {at.Nanos})");
        }

        return at.ToDateTimeOffset();
    }

    /// <summary>Orders per page: 0 is the default; 1 to the maximum; anything else names page_size.</summary>
    public static int PageSize(int pageSize) => pageSize switch
    {
        0 => ReviewQueueReader.DefaultPageSize,
        >= 1 and <= ReviewQueueReader.MaxPageSize => pageSize,
        _ => throw new DomainValidationException("page_size", $"{pageSize} is not from 1 to {ReviewQueueReader.MaxPageSize} (0 gives {ReviewQueueReader.DefaultPageSize})"),
    };

    public static Wire.ReviewQueue ToWire(ReviewQueueResult result)
    {
        var wire = new Wire.ReviewQueue
        {
            AsOf = Timestamp.FromDateTimeOffset(result.AsOf),
            NextPageToken = result.Next?.Encode() ?? string.Empty,
            Total = result.Total,
            ByAge = new Wire.ReviewAgeCounts { Under1H = result.Under1h, From1HTo4H = result.From1hTo4h, From4HTo24H = result.From4hTo24h, Over24H = result.Over24h },
        };
        foreach (var counts in result.ByReason)
        {
            var reason = new Wire.ReviewReasonCounts
            {
                HoldReason = (Wire.HoldReason)(int)counts.Reason,
                Total = counts.Total,
                ByAge = new Wire.ReviewAgeCounts { Under1H = counts.Under1h, From1HTo4H = counts.From1hTo4h, From4HTo24H = counts.From4hTo24h, Over24H = counts.Over24h },
            };
            if (counts.OldestHeldSince is { } oldest)
            {
                reason.OldestHeldSince = Timestamp.FromDateTimeOffset(oldest);
            }

            wire.ByReason.Add(reason);
        }

        wire.Items.AddRange(result.Orders.Select(row => ToWire(row, result.AsOf)));
        return wire;
    }

    private static Wire.ReviewItem ToWire(OrderRow row, DateTimeOffset asOf)
    {
        // Rows of held orders always carry their hold; a row without one (a race with the projection) reads as held since creation.
        var hold = row.Hold ?? new HoldRow(row.CreatedAt, null, [], []);
        var age = asOf - hold.HeldSince;
        var item = new Wire.ReviewItem
        {
            OrderId = row.OrderId,
            Channel = row.Channel,
            CustomerId = row.CustomerId,
            TotalMinor = row.TotalMinor,
            Currency = row.Currency,
            HoldReason = (Wire.HoldReason)(int)row.HoldReason,
            HoldDetails = hold.Details ?? string.Empty,
            HeldSince = Timestamp.FromDateTimeOffset(hold.HeldSince),
            Age = Duration.FromTimeSpan(age > TimeSpan.Zero ? age : TimeSpan.Zero),
            StepsDone = hold.StepsDone,
            StepsRequired = hold.StepsRequired,
            NextRole = hold.NextRole ?? string.Empty,
            CreatedAt = Timestamp.FromDateTimeOffset(row.CreatedAt),
            Version = row.Version,
        };
        item.ApprovalSteps.AddRange(hold.Steps);
        item.Approvers.AddRange(hold.Approvers);
        return item;
    }
}
