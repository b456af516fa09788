using Microsoft.Extensions.Logging;

namespace OrderGrains.Grains;

/// <summary>Log messages of prices, promotions and coupons (event ids 1601–1619).</summary>
internal static partial class PricingLog
{
    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Order {OrderId} rejected: PRICE_MISMATCH ({Details})")]
    public static partial void PriceMismatch(ILogger logger, string orderId, string details);
}
