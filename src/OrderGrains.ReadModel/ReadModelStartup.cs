using System.Globalization;
using Microsoft.Extensions.Logging;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.ReadModel;

/// <summary>
/// At silo start: creates the read model's tables if missing, and if the orders table was missing (a new database, an
/// upgrade, or an operator dropped it to rebuild) asks every partition to replay from sequence 0; then activates every
/// projector so events written while the host was down are applied at once.
/// </summary>
internal sealed partial class ReadModelStartup(IGrainFactory grains, IOutboxStore outbox, IOrderReadStore store, ILogger<ReadModelStartup> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        var created = await store.EnsureCreatedAsync(cancellationToken);
        if (created)
        {
            // Before any projector activates here, so a new activation reads 0 (ReplayAsync covers those active elsewhere).
            for (var p = 0; p < outbox.PartitionCount; p++)
            {
                await outbox.WriteCheckpointAsync(OrderProjectorGrain.ConsumerName, OrderStreams.Namespace, p, 0, cancellationToken);
            }

            LogRebuilding(logger);
        }

        var projectors = Enumerable.Range(0, outbox.PartitionCount)
            .Select(p => grains.GetGrainCached<IOrderProjectorGrain>(p.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            await Task.WhenAll(projectors.Select(p => created ? p.ReplayAsync() : p.WakeAsync())).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The silo still starts: a projector that could not activate now is activated by its keep-alive reminder.
            LogWakeFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 1404, Level = LogLevel.Information, Message = "Read model: the orders table was created; the order stream is replayed into it from sequence 0")]
    private static partial void LogRebuilding(ILogger logger);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Could not activate every read-model projector at silo start; their keep-alive reminders retry")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception);
}
