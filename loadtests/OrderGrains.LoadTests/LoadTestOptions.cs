using System.Globalization;

namespace OrderGrains.LoadTests;

/// <summary>Settings of one load-test run; every field has a command-line switch of the same name in kebab case.</summary>
public sealed class LoadTestOptions
{
    public string Scenario { get; set; } = "flash-sale";

    /// <summary>
    /// Running hosts' gRPC addresses (<c>--target URL[,URL...]</c>); empty starts one host in-process, or N silo processes
    /// for <c>failover</c>. Each order goes to the endpoint <c>index % count</c> and its re-sends to the next ones.
    /// </summary>
    public List<Uri> Targets { get; } = [];

    /// <summary>The first of <see cref="Targets"/>; setting it replaces the list with this one address (null empties it).</summary>
    public Uri? Target
    {
        get => Targets.Count > 0 ? Targets[0] : null;
        set
        {
            Targets.Clear();
            if (value is not null)
            {
                Targets.Add(value);
            }
        }
    }

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

    /// <summary>Flash sale and steady on the in-process host: also measure the ceiling (a trivial RPC's calls/s on the same stack).</summary>
    public bool Ceiling { get; set; } = true;

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

    /// <summary>Failover: silo processes to start (out of process, on PostgreSQL).</summary>
    public int Silos { get; set; } = 3;

    /// <summary>Failover: seconds into the measured phase at which one silo gets SIGKILL; 0 = no kill (N silos' throughput).</summary>
    public double KillAtSeconds { get; set; } = 10;

    /// <summary>Failover: the silo (0-based) to kill; null = the last one started.</summary>
    public int? KillSilo { get; set; }

    /// <summary>
    /// Failover (<c>--kill-silo hot</c>): kill the silo hosting the hot SKU's pool, found at the kill in each silo's
    /// <c>/admin/runtime</c> hottest grains; <see cref="EffectiveKillSilo"/> when no silo lists it.
    /// </summary>
    public bool KillHotSilo { get; set; }

    /// <summary>Failover: the host to start; null looks next to this tool, then in the repository's src/OrderGrains.Host/bin.</summary>
    public string? HostDll { get; set; }

    /// <summary>Failover: the load, flash-sale (one hot SKU with a campaign, arrivals at --rate) or steady.</summary>
    public string Mix { get; set; } = "flash-sale";

    /// <summary>
    /// Re-sends of a PlaceOrder that ended without a definite answer (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL,
    /// UNKNOWN, CANCELLED), with the same (channel, external_order_id), each to the next endpoint; null = 60 for failover
    /// or several targets, 0 otherwise (a single-host run reports such calls as errors, as before).
    /// </summary>
    public int? Retries { get; set; }

    /// <summary>The re-sends in effect: <see cref="Retries"/> or its default.</summary>
    public int EffectiveRetries => Retries ?? (Scenario == "failover" || Targets.Count > 1 ? 60 : 0);

    /// <summary>The silo <see cref="KillSilo"/> names, or the last one.</summary>
    public int EffectiveKillSilo => KillSilo ?? (Silos - 1);

    /// <summary>Extra host settings for the in-process host, e.g. <c>--OrderGrains:Admission:MaxInFlight=512</c>.</summary>
    public List<string> HostSettings { get; } = [];

    public static string Usage => """
        usage: OrderGrains.LoadTests [--scenario flash-sale|steady|expiry|failover] [options]
          --target URL[,URL...]      run against running hosts, http:// or https:// (default: start one in-process);
                                     order i goes to endpoint i % count, its re-sends to the next endpoints
          --token T | --token-file F caller token for --target, all endpoints (default: $ORDERGRAINS_TOKEN, else data/caller-token)
          --ca FILE                  PEM file of the CA that signed the https:// targets' certificates
          --retries N                re-sends of a PlaceOrder that got no definite answer, same order id, next endpoint
                                     (default 60, about a minute, for failover or several targets; else 0)
        failover (starts N silo processes on PostgreSQL, SIGKILLs one under load; no baseline):
          --silos N                  silo processes (default 3)
          --kill-at-seconds S|none   SIGKILL at S s into the measured phase; none or 0 = no kill (default 10)
          --kill-silo I|hot          silo to kill, 0-based, or hot: the one hosting the hot SKU's pool (default the last)
          --mix flash-sale|steady    flash-sale: one hot SKU with a campaign, buyers at --rate for --duration-seconds,
                                     --units default 60% of the buyers; steady: the steady mix (default flash-sale)
                                     (failover defaults: --rate 200 --duration-seconds 30)
          --host-dll PATH            OrderGrains.Host.dll to start (default: the copy the build put beside this tool, else
                             the repository's src/OrderGrains.Host/bin/<config>/net10.0); the tool builds nothing
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
          --ceiling true|false       flash-sale/steady on the in-process host: also time a trivial echo RPC on the
                                     same stack and report PlaceOrder's rate as a fraction of it (default true)
          --results DIR              report folder root (default results)
          --max-phase-seconds S      stop sending after S seconds per phase; the rest is reported unsent (default 300)
          --warmup-orders N          unmeasured orders at 500/s on their own SKU first (default 1000)
          --seed N --call-timeout T --progress true|false --keep-schemas true|false (failover: also keeps the silo logs' data dirs)
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
        var given = new HashSet<string>(StringComparer.Ordinal);
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
            given.Add(name);
        }

        if (options.Scenario == "failover")
        {
            // A flash sale still selling when the silo dies: arrivals over 30 s, stock for 60% of the buyers.
            options.Rate = given.Contains("rate") ? options.Rate : 200;
            options.DurationSeconds = given.Contains("duration-seconds") ? options.DurationSeconds : 30;
            options.Units = given.Contains("units") ? options.Units : (int)Math.Max(1, Math.Round(options.Rate * options.DurationSeconds * 0.6));
        }

        options.Validate();
        return options;
    }

    public void Validate()
    {
        if (Scenario is not ("flash-sale" or "steady" or "expiry" or "failover"))
        {
            throw new ArgumentException($"--scenario is '{Scenario}'; use flash-sale, steady, expiry or failover.");
        }

        if (Scenario == "failover")
        {
            ValidateFailover();
        }

        if (Buyers <= 0 || Units <= 0 || Warehouses <= 0 || Rate <= 0 || DurationSeconds <= 0 || Skus <= 0 || Customers <= 0 || MaxInFlight <= 0 || Clients <= 0)
        {
            throw new ArgumentException("--buyers, --units, --warehouses, --rate, --duration-seconds, --skus, --customers, --max-in-flight and --clients must be positive.");
        }

        if (Targets.FirstOrDefault(t => t.Scheme != Uri.UriSchemeHttp && t.Scheme != Uri.UriSchemeHttps) is { } bad)
        {
            throw new ArgumentException($"--target must be http:// or https:// addresses (got '{bad}').");
        }

        if (Retries < 0)
        {
            throw new ArgumentException("--retries must be 0 or more.");
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

    private void ValidateFailover()
    {
        if (Targets.Count > 0)
        {
            throw new ArgumentException("--scenario failover starts its own silos; leave out --target.");
        }

        if (Postgres is null)
        {
            throw new ArgumentException("--scenario failover runs its silos on PostgreSQL: set ORDERGRAINS_TEST_POSTGRES or --postgres.");
        }

        if (Silos is < 1 or > 9)
        {
            throw new ArgumentException($"--silos must be 1 to 9 (got {Silos}).");
        }

        if (KillAtSeconds < 0 || (KillAtSeconds > 0 && Silos < 2))
        {
            throw new ArgumentException("--kill-at-seconds must be 0 (none) or positive, and a kill needs --silos 2 or more.");
        }

        if (KillSilo is { } silo && (silo < 0 || silo >= Silos))
        {
            throw new ArgumentException($"--kill-silo must be 0 to {Silos - 1} (got {silo}).");
        }

        if (Mix is not ("flash-sale" or "steady"))
        {
            throw new ArgumentException($"--mix is '{Mix}'; use flash-sale or steady.");
        }

        if (KillHotSilo && Mix != "flash-sale")
        {
            throw new ArgumentException("--kill-silo hot needs --mix flash-sale (the steady mix has no hot SKU).");
        }

        if (HostDll is not null && !File.Exists(HostDll))
        {
            throw new ArgumentException($"--host-dll names '{HostDll}', which does not exist.");
        }
    }

    private void Set(string name, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (name)
        {
            case "scenario": Scenario = value; break;
            case "target": Target = null; Targets.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => new Uri(t))); break;
            case "silos": Silos = int.Parse(value, inv); break;
            case "kill-at-seconds": KillAtSeconds = value is "none" ? 0 : double.Parse(value, inv); break;
            case "kill-silo" when value == "hot": KillHotSilo = true; break;
            case "kill-silo": KillSilo = int.Parse(value, inv); break;
            case "host-dll": HostDll = value; break;
            case "mix": Mix = value; break;
            case "retries": Retries = int.Parse(value, inv); break;
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
            case "ceiling": Ceiling = bool.Parse(value); break;
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
