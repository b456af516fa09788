using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// Stores the refusal of a sold-out order straight into the order's grain state, insert-only, so the order grain is
/// not activated (an activation, a directory entry and a live object per refused buyer) just to write one row.
/// </summary>
/// <remarks>
/// Idempotency stays with the order's row: the write is made with no ETag, which the storage refuses when the row
/// already exists (<see cref="InconsistentStateException"/>); then the order grain answers, as a duplicate or a
/// conflict. An order grain activated before the row was written sees it on its next read (see
/// <see cref="OrderGrain.GetAsync"/>), and its own first write would fail the same way rather than overwrite it.
/// </remarks>
[StatelessWorker]
[Reentrant]
[GrainType("sold-out-gate")]
public sealed class SoldOutGateGrain(
    IOptions<OrderOptions> options,
    TimeProvider clock,
    StockHints hints,
    ILogger<SoldOutGateGrain> logger) : Grain, ISoldOutGateGrain
{
    private IGrainStorage? _storage;

    private IGrainStorage Storage => _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(OrderGrainsStorage.Name);

    /// <inheritdoc />
    public async Task<PlaceOrderResult?> TryRefuseAsync(PlaceOrderCommand command)
    {
        var now = clock.GetUtcNow();
        var draft = OrderDrafts.From(command, options.Value.MaxLinesPerOrder, now);
        if (hints.SoldOutReason(draft.CampaignId, draft.Lines, now, draft.Channel) is not { } reason)
        {
            return null;
        }

        OrderDrafts.Reject(draft, reason, now);
        try
        {
            // The REJECTED event goes into the same insert, so the read model lists the refused order too.
            await Storage.WriteStateAsync(OrderGrain.StateName, OrderGrain.IdOf(draft.OrderId), new GrainState<OrderState>(draft), [OrderStreamEvents.Rejection(draft)]);
        }
        catch (InconsistentStateException)
        {
            return null;
        }

        if (reason == RejectReason.OutOfStock)
        {
            ServiceProvider.GetRequiredService<OutOfStockTally>().CountRefusal(GrainFactory, draft.Lines, hints, now);
        }

        Log.OrderRejected(logger, draft.OrderId, reason);
        return new PlaceOrderResult(OrderSnapshots.Of(draft), Duplicate: false);
    }
}
