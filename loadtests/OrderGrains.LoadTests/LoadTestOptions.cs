using System.Globalization;

namespace OrderGrains.LoadTests;

/// <summary>Settings of one load-test run; every field has a command-line switch of the same name in kebab case.</summary>
public sealed class LoadTestOptions
{
    public string Scenario { get; set; } = "flash-sale";

    /// <summary>A running host's gRPC address; null starts one in-process.</summary>
    public Uri? Target { get; set; }

    /// <summary>Caller token for a running host (<c>--target</c>); null reads <see cref="TokenFile"/>.</summary>
    public string? Token { get; set; } = Environment.GetEnvironmentVariable("ORDERGRAINS_TOKEN") is { Length: > 0 } token ? token : null;

    /// <summary>File holding the caller token; by default the token a host started here with no callers generates.</summary>
    public string TokenFile { get; set; } = Path.Combine("data", "caller-token");

    /// <summary>PEM file of the CA that signed an https:// target's certificate; null trusts the machine's CAs.</summary>
    public string? Ca { get; set; }

    /// <summary>Connection string for the in-process host's storage and the baseline; null = SQLite, no baseline.</summary>
    public string? Postgres { get; set; } = Environment.GetEnvironmentVariable("ORDERGRAINS_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null;

    public int Buyers { get; set; } = 2_000;

    public int Units { get; set; } = 300;

    public int Warehouses { get; set; } = 2;

    public int PerCustomerLimit { get; set; } = 1;

    /// <summary>Share of flash-sale attempts by a buyer who already tried (exercises the per-customer limit).</summary>
    public double RepeatFraction { get; set; } = 0.05;

    /// <summary>Flash sale: arrivals spread evenly over this many seconds; 0 = all at once.</summary>
    public double ArrivalSeconds { get; set; } = 1;

    /// <summary>Steady and expiry: offered PlaceOrder rate per second.</summary>
    public double Rate { get; set; } = 1_000;

    public double DurationSeconds { get; set; } = 10;

    public int Skus { get; set; } = 1_000;

    public int Customers { get; set; } = 20_000;

    /// <summary>Steady: a second phase at this fraction of the first phase's achieved accepted rate (0 = none).</summary>
    public double FollowupFraction { get; set; } = 0.8;

    public double FollowupSeconds { get; set; } = 20;

    /// <summary>Expiry: the reservation timeout the in-process host runs with.</summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Most calls outstanding at once, per target; arrivals beyond it wait (and that wait counts as latency).</summary>
    public int MaxInFlight { get; set; } = 2_048;

    /// <summary>gRPC clients (each its own HTTP/2 connection pool) used round-robin.</summary>
    public int Clients { get; set; } = 4;

    public bool Baseline { get; set; } = true;

    public int BaselineConnections { get; set; } = 16;

    public string ResultsDirectory { get; set; } = "results";

    public int Seed { get; set; } = 42;

    /// <summary>Unmeasured orders (500/s, own SKU) before measuring, so JIT compilation is not in the figures.</summary>
    public int WarmupOrders { get; set; } = 1_000;

    /// <summary>Stop sending a phase's remaining orders after this long (they are reported as unsent), so an overloaded run still ends.</summary>
    public double MaxPhaseSeconds { get; set; } = 300;

    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool Progress { get; set; } = !Console.IsErrorRedirected;

    /// <summary>Keep the PostgreSQL schemas of the run for inspection instead of dropping them.</summary>
    public bool KeepSchemas { get; set; }

    /// <summary>Samples the process's allocations per measured phase and prints the top types (GC AllocationTick events).</summary>
    public bool Allocations { get; set; }

    /// <summary>Extra host settings for the in-process host, e.g. <c>--OrderGrains:Admission:MaxInFlight=512</c>.</summary>
    public List<string> HostSettings { get; } = [];

    public static string Usage => """
        usage: OrderGrains.LoadTests [--scenario flash-sale|steady|expiry] [options]
          --target URL               run against a running host, http:// or https:// (default: start one in-process)
          --token T | --token-file F caller token for --target (default: $ORDERGRAINS_TOKEN, else data/caller-token)
          --ca FILE                  PEM file of the CA that signed an https:// target's certificate
          --postgres CONNSTR         PostgreSQL for the in-process host and the baseline (default: $ORDERGRAINS_TEST_POSTGRES; SQLite when absent)
          --buyers N --units N       flash sale: buyers (attempts) and units of the hot SKU (default 2000, 300)
          --warehouses N             warehouses holding the units (default 2)
          --per-customer-limit N     campaign limit per customer (default 1; 0 = no campaign)
          --repeat-fraction F        share of attempts by a buyer who already tried (default 0.05)
          --arrival-seconds S        flash sale: spread arrivals over S seconds, 0 = all at once (default 1)
          --rate R --duration-seconds S   steady/expiry: offered orders/s and length (default 1000, 10)
          --skus N --customers N     steady: catalogue and customer base (default 1000, 20000)
          --followup-fraction F --followup-seconds S   steady: second phase at F x achieved rate (default 0.8, 20)
          --reservation-timeout T    expiry: in-process host's reservation timeout (default 00:00:03)
          --max-in-flight N          outstanding calls per target (default 2048)
          --clients N                gRPC clients / connection pools (default 4)
          --baseline true|false      also run the plain PostgreSQL baseline (default true when PostgreSQL is set)
          --baseline-connections N   baseline connection pool size (default 16)
          --results DIR              report folder root (default results)
          --max-phase-seconds S      stop sending after S seconds per phase; the rest is reported unsent (default 300)
          --warmup-orders N          unmeasured orders at 500/s on their own SKU first (default 1000)
          --seed N --call-timeout T --progress true|false --keep-schemas true|false
          --allocations true|false   sample allocations per measured phase (GC AllocationTick) and print the top types
          --host-setting KEY=VALUE   extra in-process host setting (repeatable)
        """;

    /// <summary>The caller token for <see cref="Target"/>: given, or read from <see cref="TokenFile"/> if it exists.</summary>
    public string? CallerToken() =>
        Token ?? (File.Exists(TokenFile) ? OrderGrains.Client.OrderGrainsClientOptions.ReadTokenFile(TokenFile) : null);

    /// <summary>Parses <c>--name value</c> and <c>--name=value</c> switches; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public static LoadTestOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadTestOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.\n{Usage}");
            }

            string name;
            string value;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && !arg.StartsWith("--host-setting=", StringComparison.Ordinal))
            {
                name = arg[2..eq];
                value = arg[(eq + 1)..];
            }
            else if (arg.StartsWith("--host-setting=", StringComparison.Ordinal))
            {
                name = "host-setting";
                value = arg["--host-setting=".Length..];
            }
            else
            {
                name = arg[2..];
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"--{name} needs a value.\n{Usage}");
                }

                value = args[++i];
            }

            options.Set(name, value);
        }

        options.Validate();
        return options;
    }

    public void Validate()
    {
        if (Scenario is not ("flash-sale" or "steady" or "expiry"))
        {
            throw new ArgumentException($"--scenario is '{Scenario}'; use flash-sale, steady or expiry.");
        }

        if (Buyers <= 0 || Units <= 0 || Warehouses <= 0 || Rate <= 0 || DurationSeconds <= 0 || Skus <= 0 || Customers <= 0 || MaxInFlight <= 0 || Clients <= 0)
        {
            throw new ArgumentException("--buyers, --units, --warehouses, --rate, --duration-seconds, --skus, --customers, --max-in-flight and --clients must be positive.");
        }

        if (Target is not null && Target.Scheme != Uri.UriSchemeHttp && Target.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"--target must be an http:// or https:// address (got '{Target}').");
        }

        if (Ca is not null && !File.Exists(Ca))
        {
            throw new ArgumentException($"--ca names '{Ca}', which does not exist.");
        }

        if (RepeatFraction is < 0 or >= 1 || FollowupFraction is < 0 or > 1)
        {
            throw new ArgumentException("--repeat-fraction must be in [0, 1) and --followup-fraction in [0, 1].");
        }
    }

    private void Set(string name, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (name)
        {
            case "scenario": Scenario = value; break;
            case "target": Target = new Uri(value); break;
            case "token": Token = value; break;
            case "token-file": TokenFile = value; break;
            case "ca": Ca = value; break;
            case "postgres": Postgres = value.Length == 0 ? null : value; break;
            case "buyers": Buyers = int.Parse(value, inv); break;
            case "units": Units = int.Parse(value, inv); break;
            case "warehouses": Warehouses = int.Parse(value, inv); break;
            case "per-customer-limit": PerCustomerLimit = int.Parse(value, inv); break;
            case "repeat-fraction": RepeatFraction = double.Parse(value, inv); break;
            case "arrival-seconds": ArrivalSeconds = double.Parse(value, inv); break;
            case "rate": Rate = double.Parse(value, inv); break;
            case "duration-seconds": DurationSeconds = double.Parse(value, inv); break;
            case "skus": Skus = int.Parse(value, inv); break;
            case "customers": Customers = int.Parse(value, inv); break;
            case "followup-fraction": FollowupFraction = double.Parse(value, inv); break;
            case "followup-seconds": FollowupSeconds = double.Parse(value, inv); break;
            case "reservation-timeout": ReservationTimeout = TimeSpan.Parse(value, inv); break;
            case "max-in-flight": MaxInFlight = int.Parse(value, inv); break;
            case "clients": Clients = int.Parse(value, inv); break;
            case "baseline": Baseline = bool.Parse(value); break;
            case "baseline-connections": BaselineConnections = int.Parse(value, inv); break;
            case "results": ResultsDirectory = value; break;
            case "seed": Seed = int.Parse(value, inv); break;
            case "warmup-orders": WarmupOrders = int.Parse(value, inv); break;
            case "max-phase-seconds": MaxPhaseSeconds = double.Parse(value, inv); break;
            case "call-timeout": CallTimeout = TimeSpan.Parse(value, inv); break;
            case "progress": Progress = bool.Parse(value); break;
            case "keep-schemas": KeepSchemas = bool.Parse(value); break;
            case "allocations": Allocations = bool.Parse(value); break;
            case "host-setting": HostSettings.Add(value.StartsWith("--", StringComparison.Ordinal) ? value : "--" + value); break;
            default: throw new ArgumentException($"Unknown option --{name}.\n{Usage}");
        }
    }
}
