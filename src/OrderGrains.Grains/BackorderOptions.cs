using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrderGrains.Grains;

/// <summary>
/// Whether a channel's orders short of stock are accepted with the missing units backordered, bound from
/// <see cref="SectionName"/> and checked at start-up: a default for every channel and overrides per channel
/// (<c>OrderGrains:Backorders:Channels:&lt;channel&gt;:AllowBackorders</c>). A SKU can allow backorders, or go on
/// presale, by itself (<see cref="SalePolicyRules"/>); a presale limit binds every channel.
/// </summary>
public sealed class BackorderOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Backorders";

    /// <summary>False (the default): an order short of stock is REJECTED OUT_OF_STOCK unless its SKU sells without stock.</summary>
    public bool AllowBackorders { get; set; }

    /// <summary>Per sales channel (the order id's prefix, e.g. "b2b"), the settings that differ from the defaults.</summary>
    public Dictionary<string, ChannelBackorderPolicy> Channels { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether orders of <paramref name="channel"/> backorder what no warehouse has.</summary>
    public bool AllowsBackorders(string channel) =>
        Channels.Count > 0 && Channels.TryGetValue(channel, out var own) && own.AllowBackorders is { } allows ? allows : AllowBackorders;
}

/// <summary>One channel's override; unset takes <see cref="BackorderOptions.AllowBackorders"/>.</summary>
public sealed class ChannelBackorderPolicy
{
    public bool? AllowBackorders { get; set; }
}

/// <summary>Checks <see cref="BackorderOptions"/> when the host starts; each failure names its configuration key.</summary>
internal sealed class BackorderOptionsValidator(IConfiguration? configuration = null) : IValidateOptions<BackorderOptions>
{
    public ValidateOptionsResult Validate(string? name, BackorderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = ChannelOverrideCheck.Unreadable<ChannelBackorderPolicy>(configuration, BackorderOptions.SectionName).ToList();
        failures.AddRange(options.Channels.Where(c => string.IsNullOrWhiteSpace(c.Key)).Select(_ => $"{BackorderOptions.SectionName}:Channels has an empty channel name."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Registration of the backorder settings (called by <c>AddOrderDomain</c>).</summary>
public static class BackorderServiceCollectionExtensions
{
    /// <summary>Binds <see cref="BackorderOptions"/> from <see cref="BackorderOptions.SectionName"/> and validates it on start.</summary>
    public static IServiceCollection AddBackorderRules(this IServiceCollection services)
    {
        services.AddOptions<BackorderOptions>().BindConfiguration(BackorderOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackorderOptions>, BackorderOptionsValidator>());
        return services;
    }
}
