using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Checks a PlaceOrder request before anything is reserved, and reduces it to a canonical fingerprint.</summary>
internal static class PlaceOrderValidation
{
    /// <summary>Throws <see cref="DomainValidationException"/> for the first malformed field (in wire order); returns the total at the requested prices.</summary>
    public static long Validate(PlaceOrderCommand? command, int maxLines)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        _ = OrderIds.For(command.Channel, command.ExternalOrderId);
        if (string.IsNullOrWhiteSpace(command.CustomerId))
        {
            throw new DomainValidationException("customer_id", "is required");
        }

        if (command.CouponCode is { } coupon && (string.IsNullOrWhiteSpace(coupon) ? coupon.Length > 0 : coupon.Length > 128))
        {
            throw new DomainValidationException("coupon_code", coupon.Length > 128 ? $"is {coupon.Length} characters long; at most 128" : "must not be blank (leave it empty for no coupon)");
        }

        var lines = command.Lines;
        if (lines is null || lines.Count == 0)
        {
            throw new DomainValidationException("lines", "at least one line is required");
        }

        if (lines.Count > maxLines)
        {
            throw new DomainValidationException("lines", $"at most {maxLines} lines are allowed, got {lines.Count}");
        }

        var skus = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i] ?? throw new DomainValidationException($"lines[{i}]", "is required");
            if (string.IsNullOrWhiteSpace(line.Sku))
            {
                throw new DomainValidationException($"lines[{i}].sku", "is required");
            }

            if (!skus.Add(line.Sku))
            {
                throw new DomainValidationException($"lines[{i}].sku", $"SKU '{line.Sku}' appears on an earlier line; a SKU may appear once per order");
            }

            if (line.Quantity <= 0)
            {
                throw new DomainValidationException($"lines[{i}].quantity", "must be positive");
            }

            if (line.UnitPriceMinor < 0)
            {
                throw new DomainValidationException($"lines[{i}].unit_price_minor", "must not be negative");
            }

            if (line.ListPriceMinor < 0)
            {
                throw new DomainValidationException($"lines[{i}].list_price_minor", "must not be negative (0 means not given)");
            }

            total = AddLine(total, line, $"lines[{i}]");
        }

        var shipTo = command.ShipTo ?? throw new DomainValidationException("ship_to", "is required");
        if (!double.IsFinite(shipTo.Latitude) || shipTo.Latitude is < -90 or > 90)
        {
            throw new DomainValidationException("ship_to.latitude", "must be between -90 and 90 degrees");
        }

        if (!double.IsFinite(shipTo.Longitude) || shipTo.Longitude is < -180 or > 180)
        {
            throw new DomainValidationException("ship_to.longitude", "must be between -180 and 180 degrees");
        }

        if (command.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            throw new DomainValidationException("currency", "must be an ISO 4217 code of three upper-case letters");
        }

        return total;
    }

    /// <summary>Adds quantity × unit price to <paramref name="total"/> in checked arithmetic; overflow is a validation error.</summary>
    public static long AddLine(long total, OrderLine line, string field)
    {
        try
        {
            return checked(total + (line.Quantity * line.UnitPriceMinor));
        }
        catch (OverflowException exception)
        {
            throw new DomainValidationException(field, "the order total overflows a 64-bit amount of minor units", exception);
        }
    }

    /// <summary>
    /// A hash of everything that defines the request, independent of line order, so a replay with the same
    /// payload matches and any difference does not.
    /// </summary>
    /// <remarks>
    /// The hash is SHA-256 over the UTF-8 of the fields, each followed by U+001F, as it always was; it is fed piece by
    /// piece from stack buffers rather than built as one string first (that text, its copies and the boxed numbers were
    /// about 2 KB of garbage per order). <c>FingerprintTests</c> pins the hashes earlier versions stored.
    /// </remarks>
    public static string Fingerprint(PlaceOrderCommand command)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var text = new FingerprintText(hash);
        text.Add(command.Channel);
        text.Add(command.ExternalOrderId);
        text.Add(command.CustomerId);
        text.Add(command.Currency);
        text.Add(command.CampaignId);
        foreach (var line in command.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal))
        {
            text.Add(line.Sku);
            text.Add(string.Empty, line.Quantity);
            text.Add(string.Empty, line.UnitPriceMinor);

            // Only when given, so fingerprints of requests without list prices stay as they were.
            if (line.ListPriceMinor != 0)
            {
                text.Add("list=", line.ListPriceMinor);
            }
        }

        // Only when given, so fingerprints of requests without coupons stay as they were.
        if (!string.IsNullOrEmpty(command.CouponCode))
        {
            text.Add("coupon=", command.CouponCode);
        }

        var shipTo = command.ShipTo!;
        text.Add(shipTo.Recipient);
        text.Add(shipTo.Line1);
        text.Add(shipTo.City);
        text.Add(shipTo.Region);
        text.Add(shipTo.Country);
        text.Add(shipTo.PostalCode);
        text.Add(shipTo.Latitude);
        text.Add(shipTo.Longitude);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexString(digest);
    }

    /// <summary>Feeds fingerprint fields to the hash as UTF-8, each followed by the separator.</summary>
    private readonly ref struct FingerprintText(IncrementalHash hash)
    {
        private static ReadOnlySpan<byte> Separator => [0x1f];

        public void Add(string? value) => Add(string.Empty, value);

        public void Add(string prefix, string? value)
        {
            Append(prefix);
            Append(value);
            hash.AppendData(Separator);
        }

        public void Add(string prefix, long value)
        {
            Span<char> digits = stackalloc char[20];
            value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
            Append(prefix);
            Append(digits[..written]);
            hash.AppendData(Separator);
        }

        public void Add(double value)
        {
            Span<char> digits = stackalloc char[32];
            value.TryFormat(digits, out var written, "R", CultureInfo.InvariantCulture);
            Append(digits[..written]);
            hash.AppendData(Separator);
        }

        // Each piece is a whole string, so the UTF-8 of the pieces in turn is the UTF-8 of their concatenation.
        private void Append(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty)
            {
                return;
            }

            var size = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (size <= 512)
            {
                Span<byte> bytes = stackalloc byte[512];
                hash.AppendData(bytes[..Encoding.UTF8.GetBytes(text, bytes)]);
                return;
            }

            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
            try
            {
                hash.AppendData(rented, 0, Encoding.UTF8.GetBytes(text, rented));
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
