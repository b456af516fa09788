using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderGrains.Runtime;
using OrderGrains.Runtime.Hosting;

namespace OrderGrains.Testing;

/// <summary>
/// A silo started in-process for a test. <c>await using var silo = await TestSilo.StartAsync(storage, b => b.AddGrains(...));</c>
/// Restart it on the same <see cref="TestStorage"/> to prove what survives a process restart.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly OpenedStorage _storage;

    private TestSilo(ServiceProvider services, Silo silo, OpenedStorage storage)
    {
        _services = services;
        Silo = silo;
        _storage = storage;
    }

    public Silo Silo { get; }

    public IGrainFactory GrainFactory => Silo.GrainFactory;

    public IServiceProvider Services => _services;

    /// <summary>Starts a silo whose grains keep state in <paramref name="storage"/>; tests turn on argument serialization.</summary>
    public static async Task<TestSilo> StartAsync(TestStorage storage, Action<SiloBuilder> configure, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services?.Invoke(collection);
        var opened = await storage.OpenAsync();
        collection.AddOrderGrainsSilo(builder =>
        {
            builder.UseStorage(opened.Storage, opened.Reminders);
            builder.Configure(options =>
            {
                options.SerializeCallArguments = true;
                options.MinimumReminderPeriod = TimeSpan.FromMilliseconds(100);
            });
            configure(builder);
        });
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var silo = provider.GetRequiredService<Silo>();
        try
        {
            await silo.StartAsync(CancellationToken.None);
        }
        catch
        {
            await provider.DisposeAsync();
            await opened.DisposeAsync();
            throw;
        }

        return new TestSilo(provider, silo, opened);
    }

    /// <summary>Starts a silo on fresh in-memory storage.</summary>
    public static Task<TestSilo> StartAsync(Action<SiloBuilder> configure, Action<IServiceCollection>? services = null) =>
        StartAsync(TestStorage.Memory(), configure, services);

    /// <summary>Stops the silo (deactivating every grain) and disposes its services, including opened storage providers.</summary>
    public async ValueTask DisposeAsync()
    {
        await Silo.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
        await _storage.DisposeAsync();
    }
}
