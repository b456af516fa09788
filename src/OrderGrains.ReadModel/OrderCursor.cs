using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace OrderGrains.ReadModel;

/// <summary>
/// A position in the read model's stable order (created at descending, then order id descending): the key of the last
/// row of a page. On the wire it is opaque (base64url of "v1|ticks|order id").
/// </summary>
public sealed record OrderCursor(long CreatedAtTicks, string OrderId)
{
    private const string Prefix = "v1|";

    /// <summary>The cursor after <paramref name="row"/>.</summary>
    public static OrderCursor After(OrderRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new OrderCursor(row.CreatedAt.UtcTicks, row.OrderId);
    }

    /// <summary>The opaque text form.</summary>
    public string Encode() => CursorText.Encode(Prefix, CreatedAtTicks, OrderId);

    /// <summary>Reads a cursor this type encoded; false for anything else.</summary>
    public static bool TryDecode(string text, out OrderCursor? cursor)
    {
        cursor = CursorText.TryDecode(text, Prefix, out var ticks, out var orderId) ? new OrderCursor(ticks, orderId) : null;
        return cursor is not null;
    }
}

/// <summary>
/// A position in the review queue's stable order (held since ascending, then order id ascending): the key of the last
/// row of a page. On the wire it is opaque (base64url of "q1|ticks|order id").
/// </summary>
public sealed record ReviewCursor(long HeldSinceTicks, string OrderId)
{
    private const string Prefix = "q1|";

    /// <summary>The cursor after <paramref name="row"/>, a row of a held order.</summary>
    public static ReviewCursor After(OrderRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var hold = row.Hold ?? throw new ArgumentException($"Order {row.OrderId} is not held.", nameof(row));
        return new ReviewCursor(hold.HeldSince.UtcTicks, row.OrderId);
    }

    /// <summary>The opaque text form.</summary>
    public string Encode() => CursorText.Encode(Prefix, HeldSinceTicks, OrderId);

    /// <summary>Reads a cursor this type encoded; false for anything else (an order search's cursor included).</summary>
    public static bool TryDecode(string text, out ReviewCursor? cursor)
    {
        cursor = CursorText.TryDecode(text, Prefix, out var ticks, out var orderId) ? new ReviewCursor(ticks, orderId) : null;
        return cursor is not null;
    }
}

// The text form both cursors share: base64url of "prefix|ticks|order id".
internal static class CursorText
{
    public static string Encode(string prefix, long ticks, string orderId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{prefix}{ticks.ToString(CultureInfo.InvariantCulture)}|{orderId}"));

    public static bool TryDecode(string text, string prefix, out long ticks, out string orderId)
    {
        ticks = 0;
        orderId = string.Empty;
        if (string.IsNullOrEmpty(text) || text.Length > 1024)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return false;
        }

        var value = Encoding.UTF8.GetString(bytes);
        if (!value.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = value[prefix.Length..];
        var bar = rest.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0 || !long.TryParse(rest[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out ticks) || bar == rest.Length - 1)
        {
            return false;
        }

        orderId = rest[(bar + 1)..];
        return true;
    }
}
