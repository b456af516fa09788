using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// A customer's master data and open exposure: the totals of their accepted orders that have not shipped yet,
/// keyed by order id. Paid orders stay exposed until shipment (released by the fulfilment issue); orders on payment
/// terms stay exposed until invoiced, and then their open invoice counts against the limit until paid.
/// </summary>
[GrainType("customer")]
public sealed class CustomerAccountGrain(
    [PersistentState("account", OrderGrainsStorage.Name)] IPersistentState<CustomerAccountState> state,
    TimeProvider clock) : Grain, ICustomerAccountGrain
{
    private CustomerAccountState Account => state.State;

    /// <summary>Creates or replaces the master data; open exposure is kept.</summary>
    public async Task<CustomerProfile> UpsertAsync(CustomerProfile profile)
    {
        profile = Validated(profile);
        if (Account.Profile != profile)
        {
            Account.Profile = profile;
            await PersistAsync();
        }

        return profile;
    }

    /// <summary>Opens the account with <paramref name="profile"/> unless it exists; returns the profile the customer has.</summary>
    public async Task<CustomerProfile> OpenIfUnknownAsync(CustomerProfile profile)
    {
        profile = Validated(profile);
        if (Account.Profile is { } existing)
        {
            return existing;
        }

        Account.Profile = profile;
        await PersistAsync();
        return profile;
    }

    private CustomerProfile Validated(CustomerProfile profile)
    {
        if (profile is null)
        {
            throw new DomainValidationException("customer", "is required");
        }

        if (string.IsNullOrWhiteSpace(profile.CustomerId))
        {
            throw new DomainValidationException("customer_id", "is required");
        }

        if (!string.Equals(profile.CustomerId, this.GetPrimaryKeyString(), StringComparison.Ordinal))
        {
            throw new DomainValidationException("customer_id", $"'{profile.CustomerId}' does not match the addressed customer '{this.GetPrimaryKeyString()}'");
        }

        if (profile.CreditLimitMinor < 0)
        {
            throw new DomainValidationException("credit_limit_minor", "must not be negative (0 means no limit)");
        }

        if (PaymentTerms.Days(profile.PaymentTerms) is null)
        {
            throw new DomainValidationException("payment_terms", $"'{profile.PaymentTerms}' is not NET_<days> with days 1 to {PaymentTerms.MaxDays} (empty: payment before shipment)");
        }

        return string.IsNullOrEmpty(profile.PaymentTerms) ? profile with { PaymentTerms = null } : profile;
    }

    /// <summary>Returns the account or throws <see cref="NotFoundException"/>.</summary>
    public Task<CustomerAccount> GetAsync() =>
        Account.Profile is { } profile
            ? Task.FromResult(new CustomerAccount(profile, Account.OpenExposureMinor, Account.Exposures.Count, OpenReceivablesMinor))
            : throw new NotFoundException("customer", this.GetPrimaryKeyString());

    /// <summary>Returns the profile, or null for an unknown customer.</summary>
    public Task<CustomerProfile?> FindProfileAsync() => Task.FromResult(Account.Profile);

    /// <summary>
    /// The decision a reservation already has (the same order again, or a blocked customer), or null and the profile
    /// to decide with.
    /// </summary>
    private CreditDecision? DecidedBefore(string orderId, long amountMinor, out CustomerProfile? profile)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        ArgumentOutOfRangeException.ThrowIfNegative(amountMinor);
        profile = null;
        if (Account.Exposures.TryGetValue(orderId, out var existing))
        {
            return existing.Decision;
        }

        profile = Account.Profile ?? throw new NotFoundException("customer", this.GetPrimaryKeyString());
        return profile.Blocked ? CreditDecision.Blocked : null;
    }

    /// <summary>Records an order's exposure unless the customer is blocked; over the limit it is recorded and reported.</summary>
    public async Task<CreditDecision> ReserveCreditAsync(CreditReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (DecidedBefore(request.OrderId, request.AmountMinor, out var found) is { } decided)
        {
            return decided;
        }

        var profile = found!;

        var exposure = checked(Account.OpenExposureMinor + request.AmountMinor);
        var decision = profile.CreditLimitMinor > 0 && exposure > profile.CreditLimitMinor ? CreditDecision.OverLimit : CreditDecision.Accepted;
        Account.Exposures[request.OrderId] = new CreditExposure { AmountMinor = request.AmountMinor, Decision = decision };
        Account.OpenExposureMinor = exposure;
        await PersistAsync();
        return decision;
    }

    /// <summary>Removes an order's exposure; an unknown order changes nothing.</summary>
    public async Task ReleaseCreditAsync(string orderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        if (!Account.Exposures.Remove(orderId, out var exposure))
        {
            return;
        }

        Account.OpenExposureMinor -= exposure.AmountMinor;
        await PersistAsync();
    }

    /// <summary>As <see cref="ReserveCreditAsync"/>, with open invoices counted against the limit; an overdue invoice decides Overdue (recorded, as the order keeps its stock while held).</summary>
    public async Task<CreditDecision> ReserveTermsCreditAsync(TermsReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (DecidedBefore(request.OrderId, request.AmountMinor, out var found) is { } decided)
        {
            return decided;
        }

        var profile = found!;

        var now = clock.GetUtcNow();
        var exposure = checked(Account.OpenExposureMinor + request.AmountMinor);
        var decision = Account.Receivables.Values.Any(r => r.OpenMinor > 0 && r.DueAt < now) ? CreditDecision.Overdue
            : profile.CreditLimitMinor > 0 && checked(exposure + OpenReceivablesMinor) > profile.CreditLimitMinor ? CreditDecision.OverLimit
            : CreditDecision.Accepted;
        Account.Exposures[request.OrderId] = new CreditExposure { AmountMinor = request.AmountMinor, Decision = decision };
        Account.OpenExposureMinor = exposure;
        await PersistAsync();
        return decision;
    }

    /// <summary>Moves the order's exposure (if still held) into its receivable and records the open balance; open 0 removes it.</summary>
    public async Task UpdateReceivableAsync(ReceivableUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentException.ThrowIfNullOrEmpty(update.OrderId);
        var changed = false;
        if (Account.Exposures.Remove(update.OrderId, out var exposure))
        {
            Account.OpenExposureMinor -= exposure.AmountMinor;
            changed = true;
        }

        if (update.OpenMinor <= 0)
        {
            changed |= Account.Receivables.Remove(update.OrderId);
        }
        else if (!Account.Receivables.TryGetValue(update.OrderId, out var known)
            || known.OpenMinor != update.OpenMinor || known.InvoicedMinor != update.InvoicedMinor || known.DueAt != update.DueAt)
        {
            Account.Receivables[update.OrderId] = new Receivable
            {
                Currency = update.Currency,
                InvoicedMinor = update.InvoicedMinor,
                OpenMinor = update.OpenMinor,
                InvoicedAt = update.InvoicedAt,
                DueAt = update.DueAt,
            };
            changed = true;
        }

        if (changed)
        {
            await PersistAsync();
        }
    }

    /// <summary>Open invoices with days overdue and bucket, and the totals per currency, as of now.</summary>
    public Task<ReceivablesReport> GetReceivablesAsync()
    {
        var profile = Account.Profile ?? throw new NotFoundException("customer", this.GetPrimaryKeyString());
        var now = clock.GetUtcNow();
        var (receivables, totals) = ReceivableAgeing.Age(Account.Receivables, now);
        return Task.FromResult(new ReceivablesReport(profile.CustomerId, profile.PaymentTerms, profile.CreditLimitMinor, Account.OpenExposureMinor, now, receivables, totals));
    }

    private long OpenReceivablesMinor => Account.Receivables.Values.Sum(r => r.OpenMinor);

    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}
