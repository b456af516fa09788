using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// OUT_OF_STOCK refusals per SKU counted in memory on this silo, so a flash sale's thousands of refusals per second
/// cost an increment each, not a write: the SKU pool takes the count when its rate-limited alert is due.
/// </summary>
/// <remarks>
/// Refusals happen where the silo's stock hints say sold out (the sold-out gate, an order grain) or in the pool
/// itself; hints are published by the pool on its own silo, so the tally that counts a SKU's refusals sits on the
/// silo hosting its pool. Counts not yet taken are lost with the silo: an alert, not a ledger.
/// </remarks>
public sealed class OutOfStockTally(IOptions<InventoryAlertOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // A pool told of pending refusals raises their alert when due (its timer looks again), so once per interval is enough.
    private readonly TimeSpan _tellEvery = options.Value.OutOfStockAlertInterval;

    /// <summary>Counts one refusal; true when the caller should tell the pool (the first since the count was taken, or the last telling is older than the alert interval).</summary>
    public bool Add(string sku, DateTimeOffset now)
    {
        var entry = _entries.GetOrAdd(sku, static _ => new Entry());
        lock (entry)
        {
            if (entry.Count++ == 0)
            {
                entry.Since = now;
            }

            if (entry.ToldAt is { } told && now - told < _tellEvery)
            {
                return false;
            }

            entry.ToldAt = now;
            return true;
        }
    }

    /// <summary>Refusals counted and not yet taken.</summary>
    public long Pending(string sku)
    {
        if (!_entries.TryGetValue(sku, out var entry))
        {
            return 0;
        }

        lock (entry)
        {
            return entry.Count;
        }
    }

    /// <summary>Takes the count and when counting began; null when nothing is pending.</summary>
    public (long Count, DateTimeOffset Since)? Take(string sku)
    {
        if (!_entries.TryGetValue(sku, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            if (entry.Count == 0)
            {
                return null;
            }

            var taken = (entry.Count, entry.Since);
            entry.Count = 0;
            entry.ToldAt = null;
            return taken;
        }
    }

    /// <summary>
    /// Counts an order refused OUT_OF_STOCK on the stock hints: each of its lines whose SKU the hints call sold out, and
    /// tells those pools (one-way) when due.
    /// </summary>
    public void CountRefusal(IGrainFactory grains, IReadOnlyList<OrderLine> lines, StockHints hints, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(hints);
        foreach (var line in lines)
        {
            if (line?.Sku is { } sku && hints.IsSoldOut(sku) && Add(sku, now))
            {
                _ = grains.GetGrainCached<ISkuStockGrain>(sku).NoteOutOfStockAsync();
            }
        }
    }

    private sealed class Entry
    {
        public long Count;
        public DateTimeOffset Since;
        public DateTimeOffset? ToldAt;
    }
}
