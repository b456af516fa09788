using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OrderGrains.Storage.Tests;

/// <summary>A real Orleans silo in this process on free ports, configured by the test; dispose to stop it.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly IAsyncDisposable? _owned;

    private TestSilo(IHost host, IAsyncDisposable? owned)
    {
        _host = host;
        _owned = owned;
    }

    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Starts a silo with localhost clustering unless <paramref name="configure"/> sets clustering itself;
    /// <paramref name="owned"/> (a store) is disposed after the silo stops.
    /// </summary>
    public static async Task<TestSilo> StartAsync(Action<ISiloBuilder> configure, bool localhostClustering = true, string clusterId = "storage-tests", IAsyncDisposable? owned = null)
    {
        var host = new HostBuilder()
            .UseOrleans(silo =>
            {
                if (localhostClustering)
                {
                    silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: clusterId, clusterId: clusterId);
                }
                else
                {
                    silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort());
                    silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
                    {
                        o.ClusterId = clusterId;
                        o.ServiceId = clusterId;
                    });
                }

                configure(silo);
            })
            .Build();
        await host.StartAsync();
        return new TestSilo(host, owned);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A state store in memory whose writes can be counted, held at a gate, or failed (what a full disk would do); the
/// store behind the hook is what "storage holds".
/// </summary>
public sealed class InterceptingStateStore : IStateStore, IOutboxStore, IEntryStore, IStorageStatistics
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _writesByType = new();

    public MemoryStateStore Inner { get; } = new();

    /// <summary>When set, writes wait for it before reaching memory.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public volatile bool FailWrites;

    /// <summary>How long each write takes, as a real commit does (zero: memory speed).</summary>
    public TimeSpan WriteLatency { get; set; }

    public int WritesOfType(string grainType) => _writesByType.GetValueOrDefault(grainType);

    public int PartitionCount => Inner.PartitionCount;

    public long WriteBatches => Inner.WriteBatches;

    public long Writes => Inner.Writes;

    public int LargestBatch => Inner.LargestBatch;

    public Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken) => Inner.ReadAsync(key, cancellationToken);

    public async Task<string> WriteAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, CancellationToken cancellationToken)
    {
        await BeforeWriteAsync(key);
        return await Inner.WriteAsync(key, payload, expectedEtag, cancellationToken);
    }

    public async Task<string> ClearAsync(GrainStateKey key, string? expectedEtag, CancellationToken cancellationToken)
    {
        await BeforeWriteAsync(key);
        return await Inner.ClearAsync(key, expectedEtag, cancellationToken);
    }

    public async Task<string> WriteWithEventsAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, CancellationToken cancellationToken)
    {
        await BeforeWriteAsync(key);
        return await Inner.WriteWithEventsAsync(key, payload, expectedEtag, events, cancellationToken);
    }

    public async Task<string> WriteWithEntriesAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries, CancellationToken cancellationToken)
    {
        await BeforeWriteAsync(key);
        return await Inner.WriteWithEntriesAsync(key, payload, expectedEtag, events, entries, cancellationToken);
    }

    public Task<GrainStateWithEntries> ReadWithEntriesAsync(GrainStateKey key, CancellationToken cancellationToken) => Inner.ReadWithEntriesAsync(key, cancellationToken);

    public Task<IReadOnlyList<StoredStreamEvent>> ReadEventsAsync(string streamNamespace, int partition, long afterSequence, int maxCount, CancellationToken cancellationToken) =>
        Inner.ReadEventsAsync(streamNamespace, partition, afterSequence, maxCount, cancellationToken);

    public Task<long> ReadHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken) => Inner.ReadHeadAsync(streamNamespace, partition, cancellationToken);

    public Task<long> ReadCheckpointAsync(string consumer, string streamNamespace, int partition, CancellationToken cancellationToken) =>
        Inner.ReadCheckpointAsync(consumer, streamNamespace, partition, cancellationToken);

    public Task WriteCheckpointAsync(string consumer, string streamNamespace, int partition, long sequence, CancellationToken cancellationToken) =>
        Inner.WriteCheckpointAsync(consumer, streamNamespace, partition, sequence, cancellationToken);

    private async Task BeforeWriteAsync(GrainStateKey key)
    {
        _writesByType.AddOrUpdate(key.GrainType, 1, (_, n) => n + 1);
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        if (WriteLatency > TimeSpan.Zero)
        {
            await Task.Delay(WriteLatency);
        }

        if (FailWrites)
        {
            throw new IOException("disk full (test)");
        }
    }
}
