using System.Collections;

namespace OrderGrains.Grpc;

/// <summary>
/// gRPC custom metadata (request headers, response trailers): ordered ASCII key/value pairs with lower-case keys.
/// Keys ending in <c>-bin</c> carry base64 of binary values, as the spec requires.
/// </summary>
public sealed class Metadata : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _entries = [];

    public int Count => _entries.Count;

    public void Add(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var normalized = key.ToLowerInvariant();
        if (normalized.StartsWith("grpc-", StringComparison.Ordinal) || normalized.StartsWith(':'))
        {
            throw new ArgumentException($"Metadata key '{key}' is reserved for the gRPC protocol.", nameof(key));
        }

        if (normalized.EndsWith("-bin", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metadata key '{key}' ends in -bin; add binary values with Add(string, byte[]).", nameof(key));
        }

        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7E)
            {
                throw new ArgumentException($"Metadata value for '{key}' must be printable ASCII; use a -bin key for other data.", nameof(value));
            }
        }

        _entries.Add(new(normalized, value));
    }

    public void Add(string key, byte[] value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var normalized = key.ToLowerInvariant();
        if (!normalized.EndsWith("-bin", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Binary metadata key '{key}' must end in -bin.", nameof(key));
        }

        _entries.Add(new(normalized, Convert.ToBase64String(value)));
    }

    /// <summary>The last value of <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i].Value;
            }
        }

        return null;
    }

    /// <summary>The last value of a <c>-bin</c> key, decoded; senders may omit base64 padding, so it is restored first.</summary>
    public byte[]? GetBytes(string key)
    {
        if (GetValue(key) is not { } value)
        {
            return null;
        }

        var padding = (4 - (value.Length % 4)) % 4;
        return Convert.FromBase64String(padding == 0 ? value : value + new string('=', padding));
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Adds a pair received from the wire, where reserved and binary keys are legitimate.</summary>
    internal void AddReceived(string key, string value) => _entries.Add(new(key.ToLowerInvariant(), value));
}
