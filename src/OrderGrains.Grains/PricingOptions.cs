using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrderGrains.Grains;

/// <summary>
/// Price checks and the per-silo pricing cache, bound from <see cref="SectionName"/> and checked at start-up by
/// <see cref="PricingOptionsValidator"/>: a default for every channel and overrides per channel
/// (<c>OrderGrains:Pricing:Channels:&lt;channel&gt;:PriceMismatch</c>).
/// </summary>
public sealed class PricingOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Pricing";

    /// <summary>Longest cache duration anyone may configure; a longer one would hide price changes for too long.</summary>
    public static readonly TimeSpan MaxCacheDuration = TimeSpan.FromMinutes(10);

    /// <summary>What an order with a line priced below its list price less promotions meets.</summary>
    public PriceMismatchPolicy PriceMismatch { get; set; } = PriceMismatchPolicy.Reject;

    /// <summary>
    /// How long a silo trusts a list price or the promotion set it read before asking again. Changes made on the same silo
    /// show at once; other silos see them within this time. Zero asks on every order.
    /// </summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Per sales channel (the order id's prefix), the settings that differ from the defaults.</summary>
    public Dictionary<string, ChannelPricingPolicy> Channels { get; } = new(StringComparer.Ordinal);

    /// <summary>The price-mismatch policy of <paramref name="channel"/>.</summary>
    public PriceMismatchPolicy MismatchFor(string channel) =>
        Channels.TryGetValue(channel, out var own) && own.PriceMismatch is { } policy ? policy : PriceMismatch;
}

/// <summary>One channel's overrides; unset values take the defaults of <see cref="PricingOptions"/>.</summary>
public sealed class ChannelPricingPolicy
{
    public PriceMismatchPolicy? PriceMismatch { get; set; }
}

/// <summary>What happens to an order with a line priced below its list price less the promotions that apply.</summary>
public enum PriceMismatchPolicy
{
    Unspecified = 0,

    /// <summary>REJECTED with PRICE_MISMATCH; nothing stays reserved.</summary>
    Reject = 1,

    /// <summary>ON_HOLD with PRICE_REVIEW, priced at the OMS's price, until a reviewer decides.</summary>
    Hold = 2,
}

/// <summary>Checks <see cref="PricingOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class PricingOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<PricingOptions>
{
    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = ChannelOverrideCheck.Unreadable<ChannelPricingPolicy>(configuration, PricingOptions.SectionName).ToList();
        Check(string.Empty, options.PriceMismatch);
        foreach (var (channel, policy) in options.Channels)
        {
            Check($"Channels:{channel}:", policy?.PriceMismatch);
        }

        if (options.CacheDuration < TimeSpan.Zero || options.CacheDuration > PricingOptions.MaxCacheDuration)
        {
            failures.Add($"{PricingOptions.SectionName}:CacheDuration is '{options.CacheDuration}'; it must be between 00:00:00 and {PricingOptions.MaxCacheDuration}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(string prefix, PriceMismatchPolicy? policy)
        {
            if (policy is { } p && (p == PriceMismatchPolicy.Unspecified || !Enum.IsDefined(p)))
            {
                failures.Add($"{PricingOptions.SectionName}:{prefix}PriceMismatch is '{p}'; it must be Reject or Hold.");
            }
        }
    }
}

/// <summary>Registration of prices and promotions (called by <c>AddOrderDomain</c>).</summary>
public static class PricingServiceCollectionExtensions
{
    /// <summary>Binds <see cref="PricingOptions"/>, validates it on start and adds the per-silo <see cref="PricingCache"/>.</summary>
    public static IServiceCollection AddPricing(this IServiceCollection services)
    {
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PricingOptions>, PricingOptionsValidator>());
        services.TryAddSingleton<PricingCache>();
        return services;
    }
}
