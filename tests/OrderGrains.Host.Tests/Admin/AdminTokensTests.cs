using Microsoft.Extensions.Configuration;
using OrderGrains.Host.Admin;

namespace OrderGrains.Host.Tests.Admin;

/// <summary>Where admin tokens come from and how they are checked.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AdminTokensTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ordergrains-token-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Configured_tokens_authenticate_their_operator_and_nothing_else()
    {
        var tokens = AdminTokens.Load(Configuration(
            ("0:Token", "alice-token-0123456789"), ("0:Name", "alice"), ("0:Role", "operator"),
            ("1:Token", "victor-token-0123456789"), ("1:Name", "victor"), ("1:Role", "Viewer")), Settings());

        Assert.Equal(new AdminOperator("alice", AdminRole.Operator), tokens.Authenticate("alice-token-0123456789"));
        Assert.Equal(new AdminOperator("victor", AdminRole.Viewer), tokens.Authenticate("victor-token-0123456789"));
        Assert.Null(tokens.Authenticate("alice-token-012345678"));
        Assert.Null(tokens.Authenticate(string.Empty));
        Assert.Null(tokens.GeneratedTokenPath);
        Assert.False(File.Exists(Path.Combine(_dataDirectory, AdminTokens.GeneratedTokenFileName)));
    }

    [Fact]
    public void A_token_may_hold_several_review_roles_separated_by_commas()
    {
        var tokens = AdminTokens.Load(Configuration(
            ("0:Token", "sam-token-0123456789ab"), ("0:Name", "sam"), ("0:Role", "supervisor, Finance"),
            ("1:Token", "rita-token-0123456789a"), ("1:Name", "rita"), ("1:Role", "reviewer")), Settings());

        var sam = tokens.Authenticate("sam-token-0123456789ab")!;
        Assert.Equal(AdminRole.Supervisor | AdminRole.Finance, sam.Role);
        Assert.Equal(["supervisor", "finance"], sam.RoleNames);
        Assert.True(sam.Has(AdminOperator.Deciding));
        Assert.False(sam.Has(AdminRole.Operator));
        Assert.Equal(["reviewer"], tokens.Authenticate("rita-token-0123456789a")!.RoleNames);
        Assert.Null(AdminTokens.ParseRoles("reviewer,boss"));
        Assert.Null(AdminTokens.ParseRoles(" , "));
    }

    [Fact]
    public void Every_wrong_token_setting_is_reported_at_once()
    {
        var error = Assert.Throws<HostSettingsException>(() => AdminTokens.Load(Configuration(
            ("0:Token", "short"), ("0:Name", "alice"), ("0:Role", "operator"),
            ("1:Token", "a-long-enough-token-1"), ("1:Name", " "), ("1:Role", "root"),
            ("2:Token", "a-long-enough-token-1"), ("2:Name", "carol")), Settings()));

        Assert.Contains("OrderGrains:Admin:Tokens:0:Token must be at least 16", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Admin:Tokens:1:Name is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Admin:Tokens:1:Role is 'root'", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Admin:Tokens:2:Token is the same as an earlier token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_configured_tokens_one_operator_token_is_generated_owner_only_and_kept_across_restarts()
    {
        var first = AdminTokens.Load(Configuration(), Settings());

        var path = Assert.IsType<string>(first.GeneratedTokenPath);
        Assert.Equal(Path.Combine(_dataDirectory, AdminTokens.GeneratedTokenFileName), path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var token = File.ReadAllText(path).Trim();
        Assert.Equal(64, token.Length);
        Assert.Equal(new AdminOperator("admin", AdminRole.Operator), first.Authenticate(token));

        var second = AdminTokens.Load(Configuration(), Settings());
        Assert.Equal(new AdminOperator("admin", AdminRole.Operator), second.Authenticate(token));
        Assert.Equal(token, File.ReadAllText(path).Trim());
    }

    [Fact]
    public void A_generated_token_file_readable_by_others_is_made_owner_only_again()
    {
        AdminTokens.Load(Configuration(), Settings());
        var path = Path.Combine(_dataDirectory, AdminTokens.GeneratedTokenFileName);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        AdminTokens.Load(Configuration(), Settings());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private HostSettings Settings() => HostSettings.Read(Configuration(("DataDir", _dataDirectory)));

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(
                v.Key == "DataDir" ? "OrderGrains:DataDir" : "OrderGrains:Admin:Tokens:" + v.Key, v.Value)))
            .Build();
}
