using System.Collections.Frozen;

namespace OrderGrains.Erp;

/// <summary>The accounts the OMS posts to. Codes are stable: finance reports key on them.</summary>
public static class ChartOfAccounts
{
    /// <summary>Asset: payments received from the payment provider, not yet settled to the bank.</summary>
    public const string CashClearing = "1010";

    /// <summary>Asset: invoiced but unpaid amounts (e.g. cash on delivery).</summary>
    public const string AccountsReceivable = "1200";

    /// <summary>Liability: paid by the customer, not yet delivered.</summary>
    public const string CustomerAdvances = "2100";

    /// <summary>Liability: VAT charged on sales, owed to the tax authority.</summary>
    public const string OutputVat = "2300";

    /// <summary>Income: net sales.</summary>
    public const string SalesRevenue = "4000";

    /// <summary>Contra-income: promotions and coupons granted on invoiced sales (net of VAT); 4000 less 4100 is what was sold for.</summary>
    public const string SalesDiscounts = "4100";

    /// <summary>Every known account code with its name.</summary>
    public static FrozenDictionary<string, string> Names { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [CashClearing] = "Cash clearing",
        [AccountsReceivable] = "Accounts receivable",
        [CustomerAdvances] = "Customer advances",
        [OutputVat] = "Output VAT",
        [SalesRevenue] = "Sales revenue",
        [SalesDiscounts] = "Sales discounts",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsKnown(string? account) => account is not null && Names.ContainsKey(account);
}
