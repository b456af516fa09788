using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// Recent orders of one customer or one delivery address, for the review's velocity rules. Keeps only what the
/// window still covers, so its state is bounded by the orders of one window.
/// </summary>
[GrainType("order-velocity")]
public sealed class OrderVelocityGrain(
    [PersistentState("velocity", OrderGrainsStorage.Name)] IPersistentState<OrderVelocityState> state) : Grain, IOrderVelocityGrain
{
    public async Task<int> CountAsync(string orderId, DateTimeOffset at, TimeSpan window)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        var recent = state.State.Orders;
        var before = recent.Count;
        recent.RemoveAll(o => o.At <= at - window && !string.Equals(o.OrderId, orderId, StringComparison.Ordinal));
        var known = recent.Exists(o => string.Equals(o.OrderId, orderId, StringComparison.Ordinal));
        if (!known)
        {
            recent.Add(new RecentOrder(orderId, at));
        }

        if (!known || recent.Count != before)
        {
            await state.WriteOrDeactivateAsync(this);
        }

        var own = recent.First(o => string.Equals(o.OrderId, orderId, StringComparison.Ordinal)).At;
        return recent.Count(o => o.At > own - window && o.At <= own);
    }
}

/// <summary>Persisted state of <see cref="OrderVelocityGrain"/>.</summary>
public sealed class OrderVelocityState
{
    public List<RecentOrder> Orders { get; set; } = [];
}

/// <summary>An order counted by a velocity rule, and when it was placed.</summary>
public sealed record RecentOrder(string OrderId, DateTimeOffset At);
