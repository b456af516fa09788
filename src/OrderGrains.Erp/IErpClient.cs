namespace OrderGrains.Erp;

/// <summary>
/// The one seam between the OMS and an ERP: a real ERP adapter implements this instead of <see cref="HttpErpClient"/>.
/// Failures are <see cref="ErpRejectedException"/> (do not retry) or <see cref="ErpUnavailableException"/> (retry).
/// </summary>
public interface IErpClient
{
    /// <summary>
    /// Posts a journal entry under an idempotency key; posting the same key and document again returns the entry
    /// recorded the first time, so a caller that did not see the answer simply posts again.
    /// </summary>
    Task<JournalEntry> PostJournalEntryAsync(string idempotencyKey, JournalEntryRequest entry, CancellationToken ct);

    /// <summary>The entries of one order, in posting order.</summary>
    Task<IReadOnlyList<JournalEntry>> GetJournalEntriesAsync(string orderId, CancellationToken ct);

    /// <summary>Per account and currency totals of the whole ledger.</summary>
    Task<TrialBalance> GetTrialBalanceAsync(CancellationToken ct);
}
