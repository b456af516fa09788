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
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Prefix}{CreatedAtTicks.ToString(CultureInfo.InvariantCulture)}|{OrderId}"));

    /// <summary>Reads a cursor this type encoded; false for anything else.</summary>
    public static bool TryDecode(string text, out OrderCursor? cursor)
    {
        cursor = null;
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
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = value[Prefix.Length..];
        var bar = rest.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0 || !long.TryParse(rest[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || bar == rest.Length - 1)
        {
            return false;
        }

        cursor = new OrderCursor(ticks, rest[(bar + 1)..]);
        return true;
    }
}
