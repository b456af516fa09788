namespace OrderGrains.Abstractions;

/// <summary>
/// Order ids are derived from the idempotency key of PlaceOrder, so the order grain itself remembers the key:
/// a retried PlaceOrder reaches the same grain and finds the order it placed.
/// </summary>
public static class OrderIds
{
    /// <summary>The separator between channel and external id; channels may not contain it.</summary>
    public const char Separator = ':';

    /// <summary>Returns <c>"{channel}:{externalOrderId}"</c>, or throws <see cref="DomainValidationException"/> for a malformed key.</summary>
    public static string For(string? channel, string? externalOrderId)
    {
        if (string.IsNullOrWhiteSpace(channel))
        {
            throw new DomainValidationException("channel", "is required");
        }

        if (channel.Contains(Separator, StringComparison.Ordinal))
        {
            throw new DomainValidationException("channel", $"must not contain '{Separator}'");
        }

        if (string.IsNullOrWhiteSpace(externalOrderId))
        {
            throw new DomainValidationException("external_order_id", "is required");
        }

        return string.Concat(channel, Separator.ToString(), externalOrderId);
    }
}
