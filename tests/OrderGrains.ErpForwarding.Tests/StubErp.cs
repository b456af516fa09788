using System.Collections.Concurrent;
using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>
/// A stand-in for the ERP, which lies outside the system: it keeps entries by idempotency key (a repeat returns the
/// original, as a real ERP must), can be "down", and can reject the documents of chosen orders until fixed.
/// </summary>
public sealed class StubErp : IErpClient
{
    private readonly ConcurrentDictionary<string, JournalEntry> _byKey = new();
    private readonly ConcurrentQueue<JournalEntry> _posted = new();
    private long _nextId;
    private int _attempts;

    public volatile bool Down;

    /// <summary>While down, answer 429 with this Retry-After instead of refusing the connection.</summary>
    public TimeSpan? RetryAfter { get; set; }

    /// <summary>Answers 401, as an ERP does to a caller with a wrong API key.</summary>
    public volatile bool RefusesCaller;

    public ConcurrentDictionary<string, bool> RejectedOrders { get; } = new();

    public int Attempts => Volatile.Read(ref _attempts);

    public IReadOnlyList<JournalEntry> Entries => [.. _posted];

    public Task<JournalEntry> PostJournalEntryAsync(string idempotencyKey, JournalEntryRequest entry, CancellationToken ct)
    {
        Interlocked.Increment(ref _attempts);
        if (Down)
        {
            throw RetryAfter is { } wait
                ? new ErpUnavailableException("too many requests (stub ERP)", 429, retryAfter: wait)
                : new ErpUnavailableException("connection refused (stub ERP is down)");
        }

        if (RefusesCaller)
        {
            throw new ErpRejectedException(401, "missing or wrong API key");
        }

        if (RejectedOrders.ContainsKey(entry.OrderId))
        {
            throw new ErpRejectedException(422, "account closed for " + entry.OrderId);
        }

        if (JournalEntryValidation.Validate(entry) is { } reason)
        {
            throw new ErpRejectedException(422, reason);
        }

        var created = _byKey.GetOrAdd(idempotencyKey, key =>
        {
            var e = new JournalEntry(Interlocked.Increment(ref _nextId), key, entry.DocumentType, entry.OrderId, entry.Currency, entry.PostedAt, entry.Reference, entry.Lines, DateTimeOffset.UtcNow);
            _posted.Enqueue(e);
            return e;
        });
        return Task.FromResult(created);
    }

    public Task<IReadOnlyList<JournalEntry>> GetJournalEntriesAsync(string orderId, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<JournalEntry>>([.. _posted.Where(e => e.OrderId == orderId)]);

    public Task<TrialBalance> GetTrialBalanceAsync(CancellationToken ct) => throw new NotSupportedException();
}
