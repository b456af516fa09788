using Orleans.Storage;

namespace OrderGrains.Storage;

/// <summary>The errors every storage provider raises, worded alike so that logs read the same whatever the store.</summary>
public static class StateStoreErrors
{
    /// <summary>The ETag check of a write or clear failed; nothing was changed.</summary>
    public static InconsistentStateException EtagMismatch(GrainStateKey key, string? expectedEtag, string? storedEtag) =>
        new(
            $"ETag mismatch on grain state {key}: the write expected ETag '{expectedEtag ?? "<none>"}' but storage holds '{storedEtag ?? "<none>"}'.",
            storedEtag,
            expectedEtag);

    /// <summary>Parses a version-number ETag; an ETag no provider of this kind could have issued yields -1, which matches no row.</summary>
    public static long ParseVersionEtag(string? etag) =>
        etag is null ? 0
        : long.TryParse(etag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long version) && version > 0 ? version
        : -1;
}
