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
    public static string Fingerprint(PlaceOrderCommand command)
    {
        const char Separator = '\u001f';
        var text = new StringBuilder();
        void Add(string? value) => text.Append(value ?? string.Empty).Append(Separator);
        void AddNumber(IFormattable value) => Add(value.ToString(null, CultureInfo.InvariantCulture));

        Add(command.Channel);
        Add(command.ExternalOrderId);
        Add(command.CustomerId);
        Add(command.Currency);
        Add(string.IsNullOrEmpty(command.CampaignId) ? string.Empty : command.CampaignId);
        foreach (var line in command.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal))
        {
            Add(line.Sku);
            AddNumber(line.Quantity);
            AddNumber(line.UnitPriceMinor);

            // Only when given, so fingerprints of requests without list prices stay as they were.
            if (line.ListPriceMinor != 0)
            {
                Add("list=" + line.ListPriceMinor.ToString(CultureInfo.InvariantCulture));
            }
        }

        // Only when given, so fingerprints of requests without coupons stay as they were.
        if (!string.IsNullOrEmpty(command.CouponCode))
        {
            Add("coupon=" + command.CouponCode);
        }

        var shipTo = command.ShipTo!;
        Add(shipTo.Recipient);
        Add(shipTo.Line1);
        Add(shipTo.City);
        Add(shipTo.Region);
        Add(shipTo.Country);
        Add(shipTo.PostalCode);
        Add(shipTo.Latitude.ToString("R", CultureInfo.InvariantCulture));
        Add(shipTo.Longitude.ToString("R", CultureInfo.InvariantCulture));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
