using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// Order review, bound from <see cref="SectionName"/> and checked at start-up by <see cref="ReviewOptionsValidator"/>:
/// which approval chain a held order needs, and the risk rules that hold an order for MANUAL_REVIEW.
/// </summary>
/// <remarks>
/// The amount thresholds of review itself (<c>ManualReviewThresholdMinor</c>, <c>ManualReviewDiscountPercent</c>,
/// <c>DualApprovalThresholdMinor</c>) stay in <see cref="OrderOptions"/>, where they always were.
/// </remarks>
public sealed class ReviewOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Review";

    /// <summary>
    /// Approval chains by order total: a held order whose total is above a chain's <see cref="ApprovalChainRule.AboveMinor"/>
    /// needs that chain's steps (the chain with the highest threshold below the total wins). Below every threshold one
    /// reviewer approves.
    /// </summary>
    public List<ApprovalChainRule> Chains { get; } = [];

    /// <summary>Delivery addresses that hold an order for review, each "line 1, postal code, country" (compared ignoring case, spaces and punctuation).</summary>
    public List<string> BlockedAddresses { get; } = [];

    /// <summary>ISO country codes the business delivers to; an order to any other country is held. Empty: every country.</summary>
    public List<string> ServedCountries { get; } = [];

    /// <summary>More orders than this from one customer within <see cref="VelocityWindow"/> are held; 0 turns the rule off.</summary>
    public int MaxOrdersPerCustomer { get; set; }

    /// <summary>More orders than this to one delivery address within <see cref="VelocityWindow"/> are held; 0 turns the rule off.</summary>
    public int MaxOrdersPerAddress { get; set; }

    /// <summary>The sliding window of the two velocity rules.</summary>
    public TimeSpan VelocityWindow { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>One approval chain: above <see cref="AboveMinor"/> (order total, minor units) the <see cref="Steps"/> approve in order.</summary>
public sealed class ApprovalChainRule
{
    public long AboveMinor { get; set; }

    /// <summary>The role each step needs: reviewer, supervisor or finance.</summary>
    public List<string> Steps { get; } = [];
}

/// <summary>Checks <see cref="ReviewOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class ReviewOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<ReviewOptions>
{
    private const string Section = ReviewOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ReviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        // The binder skips list entries whose values do not convert; read the thresholds raw so a typo is reported.
        foreach (var chain in configuration?.GetSection(Section + ":Chains").GetChildren() ?? [])
        {
            if (chain["AboveMinor"] is { } raw && !long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                failures.Add($"{Section}:Chains:{chain.Key}:AboveMinor is '{raw}'; it must be a whole amount in minor units, 0 or more.");
            }
        }

        for (var i = 0; i < options.Chains.Count; i++)
        {
            var chain = options.Chains[i];
            if (chain.AboveMinor < 0)
            {
                failures.Add($"{Section}:Chains:{i}:AboveMinor is '{chain.AboveMinor}'; it must be 0 or more.");
            }

            if (chain.Steps.Count == 0)
            {
                failures.Add($"{Section}:Chains:{i}:Steps is empty; name at least one role (reviewer, supervisor, finance).");
            }

            for (var s = 0; s < chain.Steps.Count; s++)
            {
                if (!ReviewRoles.StepRoles.Contains(chain.Steps[s], StringComparer.Ordinal))
                {
                    failures.Add($"{Section}:Chains:{i}:Steps:{s} is '{chain.Steps[s]}'; a step needs reviewer, supervisor or finance.");
                }
            }
        }

        foreach (var duplicate in options.Chains.GroupBy(c => c.AboveMinor).Where(g => g.Count() > 1))
        {
            failures.Add($"{Section}:Chains has {duplicate.Count()} chains above {duplicate.Key}; give each chain its own threshold.");
        }

        for (var i = 0; i < options.BlockedAddresses.Count; i++)
        {
            if (ReviewRules.AddressKeyOf(options.BlockedAddresses[i]) is null)
            {
                failures.Add($"{Section}:BlockedAddresses:{i} is '{options.BlockedAddresses[i]}'; write it as 'line 1, postal code, country'.");
            }
        }

        for (var i = 0; i < options.ServedCountries.Count; i++)
        {
            var country = options.ServedCountries[i];
            if (country is null || country.Length != 2 || !country.All(char.IsAsciiLetter))
            {
                failures.Add($"{Section}:ServedCountries:{i} is '{country}'; use two-letter ISO codes (DE, AT, ...).");
            }
        }

        if (options.MaxOrdersPerCustomer < 0)
        {
            failures.Add($"{Section}:MaxOrdersPerCustomer is '{options.MaxOrdersPerCustomer}'; it must be 0 (off) or more.");
        }

        if (options.MaxOrdersPerAddress < 0)
        {
            failures.Add($"{Section}:MaxOrdersPerAddress is '{options.MaxOrdersPerAddress}'; it must be 0 (off) or more.");
        }

        if (options.VelocityWindow <= TimeSpan.Zero || options.VelocityWindow > TimeSpan.FromDays(30))
        {
            failures.Add($"{Section}:VelocityWindow is '{options.VelocityWindow}'; it must be more than 0 and at most 30 days.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Registration of the review rules (called by <c>AddOrderDomain</c>).</summary>
public static class ReviewServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ReviewOptions"/> from <see cref="ReviewOptions.SectionName"/> and validates it on start.</summary>
    public static IServiceCollection AddReviewRules(this IServiceCollection services)
    {
        services.AddOptions<ReviewOptions>().BindConfiguration(ReviewOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReviewOptions>, ReviewOptionsValidator>());
        return services;
    }
}
