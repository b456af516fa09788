using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// What an order from a customer id the OMS has never seen meets, bound from <see cref="SectionName"/> and checked at
/// start-up by <see cref="NewCustomerOptionsValidator"/>: a default for every channel and overrides per channel
/// (<c>OrderGrains:Customers:Channels:&lt;channel&gt;:UnknownCustomers</c>). A marketplace usually opens accounts; the
/// web shop, whose buyers register first, rejects.
/// </summary>
public sealed class NewCustomerOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Customers";

    /// <summary>Reject (NOT_FOUND, as always) or open an account.</summary>
    public UnknownCustomerPolicy UnknownCustomers { get; set; } = UnknownCustomerPolicy.Reject;

    /// <summary>The tier an opened account gets.</summary>
    public string Tier { get; set; } = "new";

    /// <summary>The credit limit (minor units) an opened account gets; 0 = no limit.</summary>
    public long CreditLimitMinor { get; set; }

    /// <summary>Per sales channel (the order id's prefix, e.g. "marketplace"), the settings that differ from the defaults.</summary>
    public Dictionary<string, ChannelNewCustomerPolicy> Channels { get; } = new(StringComparer.Ordinal);

    /// <summary>The rules for unknown customers of <paramref name="channel"/>.</summary>
    public NewCustomerRules For(string channel) =>
        Channels.TryGetValue(channel, out var own)
            ? new NewCustomerRules(own.UnknownCustomers ?? UnknownCustomers, own.Tier ?? Tier, own.CreditLimitMinor ?? CreditLimitMinor)
            : new NewCustomerRules(UnknownCustomers, Tier, CreditLimitMinor);
}

/// <summary>One channel's overrides; unset values take the defaults of <see cref="NewCustomerOptions"/>.</summary>
public sealed class ChannelNewCustomerPolicy
{
    public UnknownCustomerPolicy? UnknownCustomers { get; set; }

    public string? Tier { get; set; }

    public long? CreditLimitMinor { get; set; }
}

/// <summary>What happens to an order whose customer id is unknown.</summary>
public enum UnknownCustomerPolicy
{
    Unspecified = 0,

    /// <summary>The order is refused with NOT_FOUND naming the customer; nothing is stored.</summary>
    Reject = 1,

    /// <summary>An account is opened with the channel's tier and credit limit, then the order is placed as any other.</summary>
    Create = 2,
}

/// <summary>The unknown-customer rules of one channel.</summary>
public sealed record NewCustomerRules(UnknownCustomerPolicy UnknownCustomers, string Tier, long CreditLimitMinor)
{
    /// <summary>The account opened for <paramref name="customerId"/>, named after the order's recipient when it gives one.</summary>
    public CustomerProfile AccountFor(string customerId, ShippingAddress? shipTo) =>
        new(customerId, string.IsNullOrWhiteSpace(shipTo?.Recipient) ? customerId : shipTo.Recipient.Trim(), Tier, CreditLimitMinor, Blocked: false);
}

/// <summary>Checks <see cref="NewCustomerOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class NewCustomerOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<NewCustomerOptions>
{
    public ValidateOptionsResult Validate(string? name, NewCustomerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = ChannelOverrideCheck.Unreadable<ChannelNewCustomerPolicy>(configuration, NewCustomerOptions.SectionName).ToList();
        Check(string.Empty, options.UnknownCustomers, options.Tier, options.CreditLimitMinor);
        foreach (var (channel, policy) in options.Channels)
        {
            Check($"Channels:{channel}:", policy?.UnknownCustomers, policy?.Tier, policy?.CreditLimitMinor);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(string prefix, UnknownCustomerPolicy? policy, string? tier, long? creditLimit)
        {
            if (policy is { } p && (p == UnknownCustomerPolicy.Unspecified || !Enum.IsDefined(p)))
            {
                failures.Add($"{NewCustomerOptions.SectionName}:{prefix}UnknownCustomers is '{p}'; it must be Reject or Create.");
            }

            if (tier is not null && string.IsNullOrWhiteSpace(tier))
            {
                failures.Add($"{NewCustomerOptions.SectionName}:{prefix}Tier is empty; name the tier opened accounts get (e.g. 'new').");
            }

            if (creditLimit is < 0)
            {
                failures.Add($"{NewCustomerOptions.SectionName}:{prefix}CreditLimitMinor is '{creditLimit}'; it must be 0 (no limit) or more.");
            }
        }
    }
}

/// <summary>Registration of the unknown-customer rules (called by <c>AddOrderDomain</c>).</summary>
public static class NewCustomerServiceCollectionExtensions
{
    /// <summary>Binds <see cref="NewCustomerOptions"/> from <see cref="NewCustomerOptions.SectionName"/> and validates it on start.</summary>
    public static IServiceCollection AddNewCustomerRules(this IServiceCollection services)
    {
        services.AddOptions<NewCustomerOptions>().BindConfiguration(NewCustomerOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NewCustomerOptions>, NewCustomerOptionsValidator>());
        return services;
    }
}
