using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace OrderGrains.Host.Security;

/// <summary>
/// The callers of the gRPC port, from <c>OrderGrains:Callers:&lt;n&gt;</c> (Name, Token, Channels, Roles). With none
/// configured and the gRPC port on loopback, one all-roles token for every channel is generated on first start and
/// kept, owner-only, in <c>&lt;data dir&gt;/caller-token</c>, where the CLI looks for it; on any other address the host
/// refuses to start without configured callers.
/// </summary>
/// <remarks>
/// Only SHA-256 digests of the configured tokens stay here, and every check compares the presented token's digest with
/// every known digest in constant time, as <see cref="Admin.AdminTokens"/> does. (A connection remembers the last token
/// that authenticated on it: see <see cref="CallerAuthorizationInterceptor"/>.)
/// </remarks>
public sealed class CallerTokens
{
    public const string Section = "OrderGrains:Callers";

    /// <summary>The file holding the generated token, under the data directory.</summary>
    public const string GeneratedTokenFileName = "caller-token";

    /// <summary>Settings of the limit on failed attempts per remote address.</summary>
    public const string LockoutSection = "OrderGrains:CallerLockout";

    private readonly (byte[] Digest, Caller Caller)[] _tokens;

    private CallerTokens((byte[] Digest, Caller Caller)[] tokens, string? generatedTokenPath, int maxFailures, TimeSpan failureWindow)
    {
        _tokens = tokens;
        GeneratedTokenPath = generatedTokenPath;
        MaxFailures = maxFailures;
        FailureWindow = failureWindow;
    }

    /// <summary>Where the generated token lives; null when callers come from configuration.</summary>
    public string? GeneratedTokenPath { get; }

    /// <summary>Failed attempts one remote address may make per <see cref="FailureWindow"/> before all its calls are refused.</summary>
    public int MaxFailures { get; }

    public TimeSpan FailureWindow { get; }

    /// <summary>Reads the configured callers, or loads or creates the generated token; wrong settings are all reported at once.</summary>
    public static CallerTokens Load(IConfiguration configuration, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        var tokens = new List<(byte[], Caller)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            var key = $"{Section}:{entry.Key}";
            var name = entry["Name"];
            var token = entry["Token"];
            if (string.IsNullOrWhiteSpace(name))
            {
                problems.Add($"{key}:Name is empty; name the caller (it is logged with its calls, the token never is).");
            }

            if (string.IsNullOrEmpty(token) || token.Length < GeneratedTokenFile.MinimumTokenLength || token.Any(char.IsWhiteSpace))
            {
                problems.Add($"{key}:Token must be at least {GeneratedTokenFile.MinimumTokenLength} characters without spaces (e.g. from `openssl rand -hex 32`).");
            }
            else if (!seen.Add(token))
            {
                problems.Add($"{key}:Token is the same as an earlier caller's; give every caller a token of its own.");
            }

            var roles = new HashSet<CallerRole>();
            foreach (var roleText in List(entry.GetSection("Roles")))
            {
                if (ParseRole(roleText) is { } role)
                {
                    roles.Add(role);
                }
                else
                {
                    problems.Add($"{key}:Roles has '{roleText}'; roles are orders, inventory, fulfillment, catalog, reviewer, supervisor and finance.");
                }
            }

            if (roles.Count == 0)
            {
                problems.Add($"{key}:Roles is empty; list at least one of orders, inventory, fulfillment, catalog, reviewer, supervisor, finance.");
            }

            var channels = new HashSet<string>(StringComparer.Ordinal);
            foreach (var channel in List(entry.GetSection("Channels")))
            {
                if (channel.Contains(':', StringComparison.Ordinal) || channel.Any(char.IsWhiteSpace))
                {
                    problems.Add($"{key}:Channels has '{channel}'; a channel has no ':' or spaces ('*' = every channel).");
                }
                else
                {
                    channels.Add(channel);
                }
            }

            if (channels.Count == 0 && roles.Contains(CallerRole.Orders))
            {
                problems.Add($"{key}:Channels is empty but the caller has the orders role; list its channels, or '*' for every channel.");
            }

            if (!string.IsNullOrWhiteSpace(name) && token is not null)
            {
                tokens.Add((GeneratedTokenFile.Digest(token), new Caller(name.Trim(), roles, channels)));
            }
        }

        var maxFailures = ReadPositive(configuration, "MaxFailures", 10, problems);
        var window = TimeSpan.FromSeconds(ReadPositive(configuration, "WindowSeconds", 60, problems));
        if (problems.Count > 0)
        {
            throw new HostSettingsException(problems);
        }

        if (tokens.Count > 0)
        {
            return new CallerTokens([.. tokens], null, maxFailures, window);
        }

        if (!IPAddress.IsLoopback(IPAddress.Parse(settings.ListenAddress)))
        {
            throw new HostSettingsException([
                $"OrderGrains:ListenAddress is {settings.ListenAddress}, reachable from other machines, but no gRPC callers are configured; "
                + $"set {Section}:0:Name, {Section}:0:Token (e.g. from `openssl rand -hex 32`), {Section}:0:Roles:0 (orders, inventory, fulfillment, catalog, reviewer, supervisor or finance) "
                + $"and {Section}:0:Channels:0 (or '*'), or listen on 127.0.0.1 to use the generated token in <data dir>/{GeneratedTokenFileName}.",
            ]);
        }

        var path = Path.Combine(settings.DataDirectory, GeneratedTokenFileName);
        var generated = GeneratedTokenFile.LoadOrCreate(path, Section);
        var everyone = new Caller("local", new HashSet<CallerRole>(Enum.GetValues<CallerRole>()), new HashSet<string>(StringComparer.Ordinal) { Caller.AllChannels });
        return new CallerTokens([(GeneratedTokenFile.Digest(generated), everyone)], path, maxFailures, window);
    }

    /// <summary>The caller behind a presented token, or null for an unknown one.</summary>
    public Caller? Authenticate(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = GeneratedTokenFile.Digest(presented);
        Caller? found = null;
        // No early exit: the time taken does not depend on which token, if any, matched.
        foreach (var (known, caller) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                found = caller;
            }
        }

        return found;
    }

    private static CallerRole? ParseRole(string text) => text.Trim().ToLowerInvariant() switch
    {
        "orders" => CallerRole.Orders,
        "inventory" => CallerRole.Inventory,
        "fulfillment" => CallerRole.Fulfillment,
        "catalog" => CallerRole.Catalog,
        "reviewer" => CallerRole.Reviewer,
        "supervisor" => CallerRole.Supervisor,
        "finance" => CallerRole.Finance,
        _ => null,
    };

    /// <summary>A list given as indexed children (<c>Roles:0</c>, <c>Roles:1</c>) or as one comma-separated value.</summary>
    private static IEnumerable<string> List(IConfigurationSection section)
    {
        var values = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        if (section.Value is { } single)
        {
            values.Add(single);
        }

        return values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static int ReadPositive(IConfiguration configuration, string key, int fallback, List<string> problems)
    {
        var text = configuration[$"{LockoutSection}:{key}"];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        problems.Add($"{LockoutSection}:{key} is '{text}'; set a whole number of at least 1.");
        return fallback;
    }
}
