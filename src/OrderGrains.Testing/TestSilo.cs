using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderGrains.Storage;
using Orleans.TestingHost;

namespace OrderGrains.Testing;

/// <summary>
/// Silos started in-process for a test, on Orleans.TestingHost's <see cref="InProcessTestCluster"/>:
/// <c>await using var silo = await TestSilo.StartAsync(storage, b => b.AddOrderDomain());</c>. Restart on the same
/// <see cref="TestStorage"/> to prove what survives a process restart; start with <c>silos: 2</c> so calls cross silos.
/// Every call from <see cref="GrainFactory"/> goes through the cluster client, so arguments, results and exceptions are
/// serialised as they are between processes.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly OpenedStorage _storage;

    private TestSilo(InProcessTestCluster cluster, OpenedStorage storage)
    {
        Cluster = cluster;
        _storage = storage;
    }

    /// <summary>The cluster: its silos, client, and Orleans' helpers (deactivate, kill, restart a silo).</summary>
    public InProcessTestCluster Cluster { get; }

    /// <summary>Makes grain references through the cluster client.</summary>
    public IGrainFactory GrainFactory => Cluster.Client;

    /// <summary>The first silo's services.</summary>
    public IServiceProvider Services => Cluster.Silos[0].SiloHost.Services;

    /// <summary>The store every silo of this start writes to.</summary>
    public IStateStore Store => _storage.Store;

    /// <summary>
    /// Starts <paramref name="silos"/> silos whose grains keep state in <paramref name="storage"/>, with
    /// <paramref name="settings"/> added to each silo host's configuration (e.g. "OrderGrains:Orders:HoldTimeout").
    /// Reminders may be as short as 100 ms, so tests need not wait a minute.
    /// </summary>
    public static async Task<TestSilo> StartAsync(
        TestStorage storage,
        Action<ISiloBuilder> configure,
        Action<IServiceCollection>? services = null,
        short silos = 1,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IClientBuilder>? client = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(configure);
        var opened = await storage.OpenAsync();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = storage.ServiceId;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            opened.Configure(silo);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromMilliseconds(100));
            if (silos > 1)
            {
                // Orleans' default (resource-optimised) placement may keep a short burst of new grains on one silo; random
                // placement spreads them, so a multi-silo test really calls across silos.
                silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
            }

            configure(silo);
        });
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.SetMinimumLevel(LogLevel.Warning);
            if (settings is not null)
            {
                host.Configuration.AddInMemoryCollection(settings);
            }

            services?.Invoke(host.Services);
        });
        if (client is not null)
        {
            builder.ConfigureClient(client);
        }

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            await opened.DisposeAsync();
            throw;
        }

        return new TestSilo(cluster, opened);
    }

    /// <summary>Starts silos on fresh in-memory storage.</summary>
    public static Task<TestSilo> StartAsync(Action<ISiloBuilder> configure, Action<IServiceCollection>? services = null, short silos = 1) =>
        StartAsync(TestStorage.Memory(), configure, services, silos);

    /// <summary>The services of every silo, e.g. to reach a per-silo service on each.</summary>
    public IEnumerable<IServiceProvider> SiloServices => Cluster.Silos.Select(s => s.SiloHost.Services);

    /// <summary>Stops every silo (deactivating every grain, so their last writes commit), then closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Cluster.StopAllSilosAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
            await _storage.DisposeAsync();
        }
    }
}
