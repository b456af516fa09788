using Microsoft.Playwright;

namespace OrderGrains.Host.Tests.Dashboard;

/// <summary>
/// One real host with an operator token and one headless Debian Chromium driven by Playwright, shared by the
/// dashboard tests. Never a browser Playwright downloaded: the machines have a closed network, and CI gets
/// <c>/usr/bin/chromium</c> from <c>./test.sh</c>.
/// </summary>
public sealed class DashboardBrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public const string OperatorToken = "dashboard-test-operator-token";

    public const string FinanceToken = "dashboard-test-finance-token";

    // Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses.
    internal static readonly string[] ChromiumFlags =
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    private readonly string _profileDirectory = Path.Combine(Path.GetTempPath(), "ordergrains-dashboard-tests", Guid.NewGuid().ToString("N"));
    private TestHost? _host;
    private IPlaywright? _playwright;
    private IBrowserContext? _browser;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public IBrowserContext Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public Uri AdminUrl => new($"http://127.0.0.1:{Host.AdminPort}/");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"{ChromiumPath} is missing: the dashboard tests need Debian's chromium. Run ./test.sh (it installs it) or, as root, apt-get install -y chromium.");
        }

        _host = await TestHost.StartAsync(
            null,
            $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
            "--OrderGrains:Admin:Tokens:0:Name=dashboard-test",
            "--OrderGrains:Admin:Tokens:0:Role=operator",
            $"--OrderGrains:Admin:Tokens:1:Token={FinanceToken}",
            "--OrderGrains:Admin:Tokens:1:Name=dashboard-finance",
            "--OrderGrains:Admin:Tokens:1:Role=finance",
            // Holds above 5,000.00 need a supervisor and then finance (the Review page's refusals); the other tests hold nothing.
            "--OrderGrains:Review:Chains:0:AboveMinor=500000",
            "--OrderGrains:Review:Chains:0:Steps:0=supervisor",
            "--OrderGrains:Review:Chains:0:Steps:1=finance");

        // The driver (Node.js and the Playwright package) comes from the build output; nothing is fetched.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Directory.CreateDirectory(_profileDirectory);
        _browser = await _playwright.Chromium.LaunchPersistentContextAsync(_profileDirectory, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumFlags,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (Directory.Exists(_profileDirectory))
        {
            Directory.Delete(_profileDirectory, recursive: true);
        }
    }
}
