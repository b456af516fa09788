using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>A customer's master data and open credit exposure (key = customer id).</summary>
public interface ICustomerAccountGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the customer's master data; exposure is kept.</summary>
    Task<CustomerProfile> UpsertAsync(CustomerProfile profile);

    /// <summary>
    /// Opens the account with <paramref name="profile"/> if the customer is unknown and returns the profile the customer
    /// now has: an existing account is returned untouched, so concurrent first orders of one buyer open it once.
    /// </summary>
    Task<CustomerProfile> OpenIfUnknownAsync(CustomerProfile profile);

    /// <summary>Returns the account; throws <see cref="NotFoundException"/> for an unknown customer.</summary>
    [ReadOnly]
    Task<CustomerAccount> GetAsync();

    /// <summary>Returns the profile, or null for an unknown customer.</summary>
    [ReadOnly]
    Task<CustomerProfile?> FindProfileAsync();

    /// <summary>Takes an order's total into the open exposure unless blocked (idempotent per order id).</summary>
    Task<CreditDecision> ReserveCreditAsync(CreditReservationRequest request);

    /// <summary>Removes an order's exposure; a no-op for an unknown order.</summary>
    Task ReleaseCreditAsync(string orderId);

    /// <summary>Takes an order on payment terms into the exposure unless blocked or overdue (idempotent per order id).</summary>
    Task<CreditDecision> ReserveTermsCreditAsync(TermsReservationRequest request);

    /// <summary>Records an order's invoice on terms as it stands now (absolute; open 0 settles it).</summary>
    Task UpdateReceivableAsync(ReceivableUpdate update);

    /// <summary>Open receivables and their ageing as of now; throws <see cref="NotFoundException"/> for an unknown customer.</summary>
    [ReadOnly]
    Task<ReceivablesReport> GetReceivablesAsync();
}
