using OrderGrains.Erp;

namespace OrderGrains.ErpLedger;

/// <summary>What happened to a post.</summary>
internal enum PostOutcome
{
    /// <summary>A new entry was recorded.</summary>
    Created = 1,

    /// <summary>The key was posted before with the same document; the original entry is returned.</summary>
    Replayed = 2,

    /// <summary>The key was posted before with a different document; the original entry stands.</summary>
    Conflict = 3,
}

/// <summary>The outcome of a post and the entry recorded under its key.</summary>
internal sealed record PostResult(PostOutcome Outcome, JournalEntry Entry);

/// <summary>One account's totals in one currency.</summary>
internal sealed record AccountTotals(string Account, string Currency, long DebitMinor, long CreditMinor);

/// <summary>
/// The durable journal. A key is recorded at most once: the entry row and its lines commit in one transaction,
/// and the key's UNIQUE constraint turns a concurrent duplicate into a replay or a conflict.
/// </summary>
internal interface IJournalStore : IAsyncDisposable
{
    /// <summary>"SQLite" or "PostgreSQL", for logs.</summary>
    string Kind { get; }

    /// <summary>Where the journal lives (a file path, or host/database/schema), without secrets.</summary>
    string Location { get; }

    /// <summary>Creates the schema if missing; idempotent and safe against concurrent starters.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>
    /// Records <paramref name="entry"/> under <paramref name="key"/> unless the key exists; <paramref name="fingerprint"/>
    /// identifies the document so a repeat can be told from a different document.
    /// </summary>
    Task<PostResult> PostAsync(string key, string fingerprint, JournalEntryRequest entry, DateTimeOffset recordedAt, CancellationToken ct);

    /// <summary>The entries of one order, in posting order.</summary>
    Task<IReadOnlyList<JournalEntry>> GetByOrderAsync(string orderId, CancellationToken ct);

    /// <summary>Debit and credit totals per account and currency, from one consistent snapshot.</summary>
    Task<IReadOnlyList<AccountTotals>> GetAccountTotalsAsync(CancellationToken ct);

    /// <summary>Throws when the journal cannot be read.</summary>
    Task CheckAsync(CancellationToken ct);
}
