using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace OrderGrains.Grains;

/// <summary>
/// Finds per-channel settings that cannot be read. The configuration binder silently skips a dictionary entry whose
/// value does not convert (<c>Channels:pos:RequireApproval=sometimes</c> would leave the default in force), so options
/// with per-channel overrides check the raw values themselves and name each bad key.
/// </summary>
internal static class ChannelOverrideCheck
{
    /// <summary>One message per value under <paramref name="sectionName"/>:Channels that does not convert to its property of <typeparamref name="TPolicy"/>.</summary>
    public static IEnumerable<string> Unreadable<TPolicy>(IConfiguration? configuration, string sectionName)
    {
        if (configuration is null)
        {
            yield break;
        }

        var properties = typeof(TPolicy).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var channel in configuration.GetSection(sectionName + ":Channels").GetChildren())
        {
            foreach (var property in properties)
            {
                var raw = channel[property.Name];
                if (raw is not null && !Converts(property.PropertyType, raw))
                {
                    var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                    var expected = target.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(target).Where(n => n != "Unspecified")) : "a " + target.Name;
                    yield return $"{sectionName}:Channels:{channel.Key}:{property.Name} is '{raw}'; it must be {expected}.";
                }
            }
        }
    }

    private static bool Converts(Type type, string raw)
    {
        try
        {
            var converted = TypeDescriptor.GetConverter(type).ConvertFromString(null, CultureInfo.InvariantCulture, raw);
            var target = Nullable.GetUnderlyingType(type) ?? type;
            return !target.IsEnum || (converted is not null && Enum.IsDefined(target, converted));
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }
}
