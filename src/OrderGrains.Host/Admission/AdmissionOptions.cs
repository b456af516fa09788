using System.Globalization;

namespace OrderGrains.Host.Admission;

/// <summary>
/// Admission control settings (<c>OrderGrains:Admission:*</c>). Size <see cref="MaxInFlight"/> as throughput times the
/// latency a caller will wait: 10,000 orders/s with a 0.5 s budget is 5,000. Beyond it a call fails at once with
/// RESOURCE_EXHAUSTED and a retry hint instead of queueing into its deadline. <see cref="SaleSlack"/> and
/// <see cref="SaleMaxWaiting"/> size the <see cref="SaleQueue"/>: orders of a campaign or SKU on the full path beyond
/// the units it has left, and orders allowed to wait for it. From <see cref="BusyInFlight"/> calls in flight the node
/// counts as busy: the order stream's consumers (read model, ERP forwarding) defer their pulls (see
/// <see cref="IntakeLoad"/>).
/// </summary>
public sealed record AdmissionOptions(bool Enabled, int MaxInFlight, double MaxChannelShare, double ContendedFraction, int RetryAfterMilliseconds, int MaxChannels, int SaleSlack, int SaleMaxWaiting, int BusyInFlight)
{
    public const string Section = "OrderGrains:Admission";

    public static AdmissionOptions Default { get; } = new(Enabled: true, MaxInFlight: 8_192, MaxChannelShare: 0.5, ContendedFraction: 0.75, RetryAfterMilliseconds: 100, MaxChannels: 64, SaleSlack: 64, SaleMaxWaiting: 20_000, BusyInFlight: 256);

    /// <summary>Reads and checks the section; every problem is reported at once, each naming its key.</summary>
    public static AdmissionOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var d = Default;
        var enabled = ReadBool(configuration, "Enabled", d.Enabled, problems);
        var maxInFlight = ReadInt(configuration, "MaxInFlight", d.MaxInFlight, 1, problems);
        var share = ReadDouble(configuration, "MaxChannelShare", d.MaxChannelShare, problems);
        var contended = ReadDouble(configuration, "ContendedFraction", d.ContendedFraction, problems);
        var retryAfter = ReadInt(configuration, "RetryAfterMilliseconds", d.RetryAfterMilliseconds, 0, problems);
        var maxChannels = ReadInt(configuration, "MaxChannels", d.MaxChannels, 1, problems);
        var saleSlack = ReadInt(configuration, "SaleSlack", d.SaleSlack, 1, problems);
        var saleMaxWaiting = ReadInt(configuration, "SaleMaxWaiting", d.SaleMaxWaiting, 0, problems);
        var busyInFlight = ReadInt(configuration, "BusyInFlight", d.BusyInFlight, 1, problems);
        if (problems.Count > 0)
        {
            throw new HostSettingsException(problems);
        }

        return new AdmissionOptions(enabled, maxInFlight, share, contended, retryAfter, maxChannels, saleSlack, saleMaxWaiting, busyInFlight);
    }

    private static bool ReadBool(IConfiguration configuration, string key, bool fallback, List<string> problems)
    {
        var text = configuration[Section + ":" + key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        problems.Add($"{Section}:{key} is '{text}'; set true or false.");
        return fallback;
    }

    private static int ReadInt(IConfiguration configuration, string key, int fallback, int minimum, List<string> problems)
    {
        var text = configuration[Section + ":" + key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum)
        {
            return value;
        }

        problems.Add($"{Section}:{key} is '{text}'; set a whole number of at least {minimum}.");
        return fallback;
    }

    private static double ReadDouble(IConfiguration configuration, string key, double fallback, List<string> problems)
    {
        var text = configuration[Section + ":" + key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= 1)
        {
            return value;
        }

        problems.Add($"{Section}:{key} is '{text}'; set a fraction above 0 and at most 1, e.g. 0.5.");
        return fallback;
    }
}
