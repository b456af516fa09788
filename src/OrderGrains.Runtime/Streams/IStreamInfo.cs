using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Runtime.Streams;

/// <summary>Read-only facts about the durable streams, for consumers that report their own lag and backlog.</summary>
public interface IStreamInfo
{
    /// <summary>Partitions per namespace.</summary>
    int PartitionCount { get; }

    /// <summary>The sequence of the newest event of a partition (0 when none).</summary>
    Task<long> GetHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken = default);
}

internal sealed class StreamInfo(IServiceProvider services) : IStreamInfo
{
    private IStreamStorage Storage => services.GetService<IGrainStorage>() as IStreamStorage
        ?? throw new InvalidOperationException("The grain storage keeps no streams.");

    public int PartitionCount => Storage.PartitionCount;

    public Task<long> GetHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken = default) =>
        Storage.ReadHeadAsync(streamNamespace, partition, cancellationToken);
}
