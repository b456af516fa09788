using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
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

    /// <summary>The prefix of fingerprints made with <see cref="Fingerprint"/>; a stored one without it is a <see cref="LegacyFingerprint"/>.</summary>
    public const string FingerprintPrefix = "xxh128:";

    /// <summary>
    /// A hash of everything that defines the request, independent of line order, so a replay with the same
    /// payload matches and any difference does not: XXH128 of the canonical text (<see cref="CanonicalText"/>), as
    /// <c>xxh128:</c> and 32 hex digits.
    /// </summary>
    /// <remarks>
    /// Not a cryptographic hash, on purpose: it tells a replay from a different request under the same idempotency
    /// key, and a caller who crafted a collision would only get its own earlier order back. Orders stored before
    /// carry the SHA-256 of the same text (<see cref="LegacyFingerprint"/>); <see cref="SameRequest"/> compares with
    /// either. SHA-256 through OpenSSL cost about 10% of the host's CPU in a flash sale, a context and several native
    /// calls per order; XXH128 runs in managed code over the same bytes.
    /// </remarks>
    public static string Fingerprint(PlaceOrderCommand command) => HashCanonicalText(command, static bytes =>
    {
        Span<byte> digest = stackalloc byte[16];
        XxHash128.Hash(bytes, digest);
        Span<char> chars = stackalloc char[FingerprintPrefix.Length + 32];
        FingerprintPrefix.AsSpan().CopyTo(chars);
        Convert.TryToHexString(digest, chars[FingerprintPrefix.Length..], out _);
        return new string(chars);
    });

    /// <summary>The fingerprint orders were stored with before <see cref="Fingerprint"/>: SHA-256 of the same text, 64 hex digits.</summary>
    public static string LegacyFingerprint(PlaceOrderCommand command) => HashCanonicalText(command, static bytes =>
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bytes, digest);
        return Convert.ToHexString(digest);
    });

    private static string HashCanonicalText(PlaceOrderCommand command, Func<ReadOnlySpan<byte>, string> hash)
    {
        var text = new CanonicalText(stackalloc byte[1024]);
        try
        {
            Write(command, ref text);
            return hash(text.Written);
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>Whether a stored order's fingerprint is that of <paramref name="command"/>, whichever way it was made.</summary>
    public static bool SameRequest(string storedFingerprint, string fingerprint, PlaceOrderCommand command)
    {
        ArgumentNullException.ThrowIfNull(storedFingerprint);
        if (storedFingerprint.StartsWith(FingerprintPrefix, StringComparison.Ordinal))
        {
            return string.Equals(storedFingerprint, fingerprint, StringComparison.Ordinal);
        }

        return string.Equals(storedFingerprint, LegacyFingerprint(command), StringComparison.Ordinal);
    }

    // The canonical text: the UTF-8 of the fields, each followed by U+001F, lines sorted by SKU. Earlier versions
    // stored its SHA-256, so it never changes; a new field is added only when given, as list prices and coupons were.
    private static void Write(PlaceOrderCommand command, ref CanonicalText text)
    {
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
            if (line.ListPriceMinor != 0)
            {
                text.Add("list=", line.ListPriceMinor);
            }
        }

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
    }

    /// <summary>The canonical text's bytes, in a stack buffer that moves to a pooled array when a request outgrows it.</summary>
    private ref struct CanonicalText(Span<byte> initial)
    {
        private const byte Separator = 0x1f;

        private Span<byte> _buffer = initial;
        private byte[]? _rented;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void Add(string? value) => Add(string.Empty, value);

        public void Add(string prefix, string? value)
        {
            Append(prefix);
            Append(value);
            AppendSeparator();
        }

        public void Add(string prefix, long value)
        {
            Span<char> digits = stackalloc char[20];
            value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
            Append(prefix);
            Append(digits[..written]);
            AppendSeparator();
        }

        public void Add(double value)
        {
            Span<char> digits = stackalloc char[32];
            value.TryFormat(digits, out var written, "R", CultureInfo.InvariantCulture);
            Append(digits[..written]);
            AppendSeparator();
        }

        public readonly void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<byte>.Shared.Return(_rented);
            }
        }

        private void AppendSeparator()
        {
            Reserve(1);
            _buffer[_length++] = Separator;
        }

        // Each piece is a whole string, so the UTF-8 of the pieces in turn is the UTF-8 of their concatenation.
        private void Append(scoped ReadOnlySpan<char> value)
        {
            if (value.IsEmpty)
            {
                return;
            }

            Reserve(Encoding.UTF8.GetMaxByteCount(value.Length));
            _length += Encoding.UTF8.GetBytes(value, _buffer[_length..]);
        }

        private void Reserve(int size)
        {
            if (_buffer.Length - _length >= size)
            {
                return;
            }

            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + size));
            _buffer[.._length].CopyTo(grown);
            if (_rented is not null)
            {
                ArrayPool<byte>.Shared.Return(_rented);
            }

            _rented = grown;
            _buffer = grown;
        }
    }
}
