using Microsoft.Extensions.Options;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger;

/// <summary>
/// The ledger's use cases over the configured store: validate, fingerprint and post an entry; read an order's entries;
/// build the trial balance. The store opens once, on first use or at host start, whichever comes first.
/// </summary>
internal sealed class JournalLedger : IAsyncDisposable
{
    private readonly IJournalStore _store;
    private readonly ILogger<JournalLedger> _logger;
    private readonly TimeProvider _time;
    private readonly Lazy<Task> _initialized;

    public JournalLedger(IOptions<ErpLedgerOptions> options, ILogger<JournalLedger> logger, TimeProvider? time = null)
    {
        var settings = options.Value;
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The ERP ledger cannot start:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)));
        }

        _store = settings.UsesPostgres
            ? new PostgresJournalStore(settings.PostgresConnectionString!, settings.PostgresSchema, settings.PostgresMaxPoolSize)
            : new SqliteJournalStore(settings.SqlitePath);
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _initialized = new Lazy<Task>(InitializeCoreAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Opens the store and creates its schema; later calls return the same task.</summary>
    public Task InitializeAsync() => _initialized.Value;

    /// <summary>Validates and posts; returns null and the reason when the document breaks the double-entry rules.</summary>
    public async Task<(PostResult? Result, string? Invalid)> PostAsync(string key, JournalEntryRequest entry, CancellationToken ct)
    {
        if (JournalEntryValidation.Validate(entry) is { } reason)
        {
            Log.EntryInvalid(_logger, key, reason);
            return (null, reason);
        }

        await InitializeAsync().ConfigureAwait(false);
        var normalized = JournalRows.Normalize(entry);
        var result = await _store.PostAsync(key, JournalRows.Fingerprint(normalized), normalized, _time.GetUtcNow(), ct).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case PostOutcome.Created:
                Log.EntryPosted(_logger, result.Entry.EntryId, result.Entry.DocumentType, result.Entry.OrderId, key, result.Entry.Lines.Count, result.Entry.Currency);
                break;
            case PostOutcome.Replayed:
                Log.EntryReplayed(_logger, result.Entry.EntryId, key);
                break;
            case PostOutcome.Conflict:
                Log.KeyConflict(_logger, key, result.Entry.EntryId);
                break;
        }

        return (result, null);
    }

    public async Task<IReadOnlyList<JournalEntry>> GetByOrderAsync(string orderId, CancellationToken ct)
    {
        await InitializeAsync().ConfigureAwait(false);
        return await _store.GetByOrderAsync(orderId, ct).ConfigureAwait(false);
    }

    public async Task<TrialBalance> GetTrialBalanceAsync(CancellationToken ct)
    {
        await InitializeAsync().ConfigureAwait(false);
        var accounts = await _store.GetAccountTotalsAsync(ct).ConfigureAwait(false);
        var rows = accounts
            .Select(a => new TrialBalanceAccount(
                a.Account,
                ChartOfAccounts.Names.GetValueOrDefault(a.Account, a.Account),
                a.Currency,
                a.DebitMinor,
                a.CreditMinor,
                checked(a.DebitMinor - a.CreditMinor)))
            .ToList();
        var totals = rows
            .GroupBy(r => r.Currency, StringComparer.Ordinal)
            .Select(g =>
            {
                var debit = g.Aggregate(0L, (sum, r) => checked(sum + r.DebitMinor));
                var credit = g.Aggregate(0L, (sum, r) => checked(sum + r.CreditMinor));
                return new TrialBalanceTotal(g.Key, debit, credit, checked(debit - credit));
            })
            .OrderBy(t => t.Currency, StringComparer.Ordinal)
            .ToList();
        return new TrialBalance(rows, totals, _time.GetUtcNow());
    }

    /// <summary>Throws when the journal cannot be read.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        await InitializeAsync().ConfigureAwait(false);
        await _store.CheckAsync(ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    private async Task InitializeCoreAsync()
    {
        await _store.InitializeAsync(CancellationToken.None).ConfigureAwait(false);
        Log.StoreOpened(_logger, _store.Kind, _store.Location);
    }
}

/// <summary>Opens the journal when the host starts, so a bad connection string or data directory fails the start.</summary>
internal sealed class JournalLedgerInitializer(JournalLedger ledger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => ledger.InitializeAsync();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
