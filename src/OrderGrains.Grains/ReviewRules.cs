using System.Text;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>The review decisions that need no grain: which approval chain a hold needs, and the address rules.</summary>
internal static class ReviewRules
{
    /// <summary>
    /// The roles that approve a hold of an order of <paramref name="totalMinor"/>, in order: the configured chain with the
    /// highest threshold below the total; the dual-approval threshold of <see cref="OrderOptions"/> counts as a chain of
    /// two reviewers; below every threshold, one reviewer.
    /// </summary>
    public static List<string> ChainFor(long totalMinor, ReviewOptions review, long dualApprovalThresholdMinor)
    {
        var chains = review.Chains.Select(c => (c.AboveMinor, Steps: (IReadOnlyList<string>)c.Steps)).ToList();
        if (dualApprovalThresholdMinor > 0)
        {
            chains.Add((dualApprovalThresholdMinor, [ReviewRoles.Reviewer, ReviewRoles.Reviewer]));
        }

        var chosen = chains.Where(c => totalMinor > c.AboveMinor).OrderByDescending(c => c.AboveMinor).Select(c => c.Steps).FirstOrDefault();
        return chosen is null ? [ReviewRoles.Reviewer] : [.. chosen];
    }

    /// <summary>The steps of a hold placed before chains existed: as many reviewers as approvals it required.</summary>
    public static List<string> LegacyChain(int approvalsRequired) => [.. Enumerable.Repeat(ReviewRoles.Reviewer, Math.Max(1, approvalsRequired))];

    /// <summary>Why the delivery address holds the order (blocked, or a country not served), or null.</summary>
    public static string? AddressReason(ShippingAddress? shipTo, ReviewOptions review)
    {
        if (review.BlockedAddresses.Count > 0 && shipTo is not null)
        {
            var key = AddressKeyOf(shipTo);
            if (review.BlockedAddresses.Any(blocked => string.Equals(AddressKeyOf(blocked), key, StringComparison.Ordinal)))
            {
                return $"delivery address {shipTo.Line1}, {shipTo.PostalCode}, {shipTo.Country} is blocked";
            }
        }

        if (review.ServedCountries.Count > 0)
        {
            var country = shipTo?.Country?.Trim() ?? string.Empty;
            if (!review.ServedCountries.Contains(country, StringComparer.OrdinalIgnoreCase))
            {
                var named = country.Length == 0 ? "no ship-to country" : $"ship-to country {country}";
                return $"{named} is not served (served: {string.Join(", ", review.ServedCountries.Select(c => c.ToUpperInvariant()))})";
            }
        }

        return null;
    }

    /// <summary>The key an address is compared and counted by: line 1, postal code and country, lower case, letters and digits only.</summary>
    public static string AddressKeyOf(ShippingAddress address) =>
        string.Join('|', Normalise(address.Line1), Normalise(address.PostalCode), Normalise(address.Country));

    /// <summary>The key of a configured "line 1, postal code, country"; null when it does not have those three parts.</summary>
    public static string? AddressKeyOf(string configured)
    {
        var parts = (configured ?? string.Empty).Split(',');
        return parts.Length == 3 && parts.All(p => Normalise(p).Length > 0) ? string.Join('|', parts.Select(Normalise)) : null;
    }

    private static string Normalise(string? text)
    {
        var builder = new StringBuilder(text?.Length ?? 0);
        foreach (var c in text ?? string.Empty)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }
}
