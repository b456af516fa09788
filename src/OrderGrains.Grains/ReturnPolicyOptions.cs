using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrderGrains.Grains;

/// <summary>
/// Returns policy, bound from <see cref="SectionName"/> and checked at start-up by <see cref="ReturnPolicyOptionsValidator"/>:
/// a default for every channel and overrides per channel (<c>OrderGrains:Returns:Channels:&lt;channel&gt;:WindowDays</c>).
/// </summary>
public sealed class ReturnPolicyOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Returns";

    /// <summary>Longest window anyone may configure (ten years); a longer one is a typo.</summary>
    public const int MaxWindowDays = 3650;

    /// <summary>Days after delivery within which a customer may request a return.</summary>
    public int WindowDays { get; set; } = 30;

    /// <summary>
    /// Whether a new RMA waits for an operator's approval before its goods can be received. Off by default: RMAs are
    /// approved by policy as they always were, so channels that do not opt in see no change.
    /// </summary>
    public bool RequireApproval { get; set; }

    /// <summary>Per sales channel (the order id's prefix, e.g. "web"), the settings that differ from the defaults.</summary>
    public Dictionary<string, ChannelReturnPolicy> Channels { get; } = new(StringComparer.Ordinal);

    /// <summary>The rules that apply to orders of <paramref name="channel"/>.</summary>
    public ReturnRules For(string channel) =>
        Channels.TryGetValue(channel, out var own)
            ? new ReturnRules(own.WindowDays ?? WindowDays, own.RequireApproval ?? RequireApproval)
            : new ReturnRules(WindowDays, RequireApproval);
}

/// <summary>One channel's overrides; unset values take the defaults of <see cref="ReturnPolicyOptions"/>.</summary>
public sealed class ChannelReturnPolicy
{
    public int? WindowDays { get; set; }

    public bool? RequireApproval { get; set; }
}

/// <summary>The returns policy of one channel.</summary>
public sealed record ReturnRules(int WindowDays, bool RequireApproval);

/// <summary>Checks <see cref="ReturnPolicyOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class ReturnPolicyOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<ReturnPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, ReturnPolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = ChannelOverrideCheck.Unreadable<ChannelReturnPolicy>(configuration, ReturnPolicyOptions.SectionName).ToList();
        CheckWindow("WindowDays", options.WindowDays);
        foreach (var (channel, policy) in options.Channels)
        {
            if (policy?.WindowDays is { } days)
            {
                CheckWindow($"Channels:{channel}:WindowDays", days);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void CheckWindow(string key, int days)
        {
            if (days is < 1 or > ReturnPolicyOptions.MaxWindowDays)
            {
                failures.Add($"{ReturnPolicyOptions.SectionName}:{key} is '{days}'; it must be between 1 and {ReturnPolicyOptions.MaxWindowDays} days.");
            }
        }
    }
}

/// <summary>Registration of the returns policy (called by <c>AddOrderDomain</c>).</summary>
public static class ReturnPolicyServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ReturnPolicyOptions"/> from <see cref="ReturnPolicyOptions.SectionName"/> and validates it on start.</summary>
    public static IServiceCollection AddReturnPolicy(this IServiceCollection services)
    {
        services.AddOptions<ReturnPolicyOptions>().BindConfiguration(ReturnPolicyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReturnPolicyOptions>, ReturnPolicyOptionsValidator>());
        return services;
    }
}
