using System.Security.Cryptography;
using OrderGrains.Host.Security;

namespace OrderGrains.Host.Admin;

/// <summary>What an admin token allows; a token may hold several (flags). Numbers are never reused.</summary>
[Flags]
public enum AdminRole
{
    None = 0,

    /// <summary>Reads every /admin endpoint (every role reads).</summary>
    Viewer = 1,

    /// <summary>Also acts: approves reviewer steps, rejects holds, cancels, retries dead letters, edits campaigns.</summary>
    Operator = 2,

    /// <summary>Approves or rejects holds at a reviewer step.</summary>
    Reviewer = 4,

    /// <summary>Approves or rejects holds at a supervisor step.</summary>
    Supervisor = 8,

    /// <summary>Approves or rejects holds at a finance step.</summary>
    Finance = 16,
}

/// <summary>The person or system behind a token; <see cref="Name"/> goes into order histories.</summary>
public sealed record AdminOperator(string Name, AdminRole Role)
{
    /// <summary>The roles that decide holds (an approval chain's steps name them).</summary>
    public const AdminRole Deciding = AdminRole.Operator | AdminRole.Reviewer | AdminRole.Supervisor | AdminRole.Finance;

    /// <summary>Whether the token holds <paramref name="role"/>.</summary>
    public bool Has(AdminRole role) => (Role & role) != 0;

    /// <summary>The role names an order grain checks approval steps against ("operator", "reviewer", ...).</summary>
    public IReadOnlyList<string> RoleNames =>
        [.. Enum.GetValues<AdminRole>().Where(r => r != AdminRole.None && Role.HasFlag(r)).Select(r => r.ToString().ToLowerInvariant())];
}

/// <summary>
/// The bearer tokens of the admin API, from <c>OrderGrains:Admin:Tokens</c> (each with Token, Name and Role). With
/// none configured, one operator token is generated on first start and kept, owner-only, in the data directory.
/// </summary>
/// <remarks>
/// Only SHA-256 digests of the tokens stay in memory, and every check compares the presented token's digest with
/// every known digest in constant time, so neither timing nor a memory dump tells a token.
/// </remarks>
public sealed class AdminTokens
{
    /// <summary>The file holding the generated token, under the data directory.</summary>
    public const string GeneratedTokenFileName = "admin-token";

    private const int MinimumTokenLength = GeneratedTokenFile.MinimumTokenLength;

    private readonly (byte[] Digest, AdminOperator Operator)[] _tokens;

    private AdminTokens((byte[] Digest, AdminOperator Operator)[] tokens, string? generatedTokenPath)
    {
        _tokens = tokens;
        GeneratedTokenPath = generatedTokenPath;
    }

    /// <summary>Where the generated token lives; null when tokens come from configuration.</summary>
    public string? GeneratedTokenPath { get; }

    /// <summary>Reads the configured tokens, or loads or creates the generated one; wrong settings are all reported at once.</summary>
    public static AdminTokens Load(IConfiguration configuration, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        var tokens = new List<(byte[], AdminOperator)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in configuration.GetSection("OrderGrains:Admin:Tokens").GetChildren())
        {
            var key = $"OrderGrains:Admin:Tokens:{entry.Key}";
            var token = entry["Token"];
            var name = entry["Name"];
            var roleText = entry["Role"] ?? "viewer";
            if (string.IsNullOrEmpty(token) || token.Length < MinimumTokenLength || token.Any(char.IsWhiteSpace))
            {
                problems.Add($"{key}:Token must be at least {MinimumTokenLength} characters without spaces (e.g. from `openssl rand -hex 32`).");
            }
            else if (!seen.Add(token))
            {
                problems.Add($"{key}:Token is the same as an earlier token; give every operator a token of their own.");
            }

            if (string.IsNullOrWhiteSpace(name))
            {
                problems.Add($"{key}:Name is empty; name the operator (it is recorded in order histories).");
            }

            var role = ParseRoles(roleText);
            if (role is null)
            {
                problems.Add($"{key}:Role is '{roleText}'; set viewer (reads), operator (also acts), or the review roles reviewer, supervisor, finance (several separated by commas).");
            }

            if (token is not null && name is not null && role is not null)
            {
                tokens.Add((Digest(token), new AdminOperator(name.Trim(), role.Value)));
            }
        }

        if (problems.Count > 0)
        {
            throw new HostSettingsException(problems);
        }

        if (tokens.Count > 0)
        {
            return new AdminTokens([.. tokens], null);
        }

        var path = Path.Combine(settings.DataDirectory, GeneratedTokenFileName);
        var generated = LoadOrCreateGeneratedToken(path);
        return new AdminTokens([(Digest(generated), new AdminOperator("admin", AdminRole.Operator))], path);
    }

    /// <summary>The operator behind a presented token, or null for an unknown one.</summary>
    public AdminOperator? Authenticate(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = Digest(presented);
        AdminOperator? found = null;
        // No early exit: the time taken does not depend on which token, if any, matched.
        foreach (var (known, admin) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                found = admin;
            }
        }

        return found;
    }

    /// <summary>"operator" or "reviewer, supervisor" as flags; null when a name is unknown or none is given.</summary>
    internal static AdminRole? ParseRoles(string text)
    {
        var roles = AdminRole.None;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            AdminRole? role = part.ToLowerInvariant() switch
            {
                "viewer" => AdminRole.Viewer,
                "operator" => AdminRole.Operator,
                "reviewer" => AdminRole.Reviewer,
                "supervisor" => AdminRole.Supervisor,
                "finance" => AdminRole.Finance,
                _ => null,
            };
            if (role is null)
            {
                return null;
            }

            roles |= role.Value;
        }

        return roles == AdminRole.None ? null : roles;
    }

    private static byte[] Digest(string token) => GeneratedTokenFile.Digest(token);

    private static string LoadOrCreateGeneratedToken(string path) => GeneratedTokenFile.LoadOrCreate(path, "OrderGrains:Admin:Tokens");
}
