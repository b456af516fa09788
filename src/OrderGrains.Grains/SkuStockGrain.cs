using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using Orleans.Concurrency;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// The stock pool of one SKU over all warehouses. Every reservation of the SKU passes through this one activation,
/// which is what keeps 0 ≤ reserved ≤ on hand true under any concurrency: requests run one at a time.
/// </summary>
/// <remarks>
/// <para>
/// When stock in a warehouse drops below what is reserved there, the newest reservations give up units first and are
/// re-sourced from other warehouses (oldest first); what no warehouse has becomes backordered. New stock fills
/// backorders oldest first. Orders learn of such moves through a persisted outbox, delivered outside this grain's turn:
/// an order may be calling this pool at that moment, and waiting for it here would deadlock both.
/// </para>
/// <para>
/// In a flash sale every buyer of the SKU arrives here within seconds, so decisions are group-committed
/// (<see cref="CommitBatcher"/>): requests take turns in arrival order and decide in memory, and one write persists
/// every decision made while the previous write was in flight. Each caller hears back once its decision is durable;
/// reads wait for that too. The invariants are checked before every write, over everything the batch changed.
/// </para>
/// </remarks>
[GrainType("sku-stock")]
[Reentrant]
public sealed class SkuStockGrain(
    [PersistentState("stock", OrderGrainsStorage.Name)] IPersistentState<SkuStockState> state,
    IOptions<OrderOptions> options,
    IOptions<InventoryAlertOptions> alertOptions,
    TimeProvider clock,
    StockHints hints,
    OutOfStockTally outOfStock,
    ILogger<SkuStockGrain> logger) : Grain, ISkuStockGrain
{
    private const int InvariantScanEveryBatchUpTo = 64;

    private static readonly TimeSpan InvariantScanInterval = TimeSpan.FromSeconds(1);

    private readonly OrderOptions _options = options.Value;
    private readonly InventoryAlertOptions _alertOptions = alertOptions.Value;
    private StockAlerting? _alerting;

    private CommitBatcher? _commits;

    // Set by a decision that changed state; read when its turn ends. Only the turn holder touches it.
    private bool _changed;

    // State up to this sequence is durable: notices never tell an order about a change that might still be lost.
    private long _durableSequence;

    // When the invariants were last checked (TimeProvider timestamp); see CheckInvariantsIfDue.
    private long _invariantsCheckedAt;

    // Notices delivered by background sends, as (order id, version); folded into the outbox by the next turn.
    private readonly ConcurrentQueue<(string OrderId, long Version)> _acknowledged = new();

    // Orders whose notice is being sent right now, so the retry timer does not send it twice.
    private readonly ConcurrentDictionary<string, long> _inFlight = new(StringComparer.Ordinal);

    // Cached copy of the warehouse directory; -1 until first fetched. Refreshed by version, at most once per cache duration.
    private Dictionary<string, WarehouseInfo> _warehouses = new(StringComparer.Ordinal);
    private long _directoryVersion = -1;
    private long _directoryCheckedAt;

    // Units held per channel's orders, for the channel split; null = rebuild from the reservations (see HeldByChannel).
    private Dictionary<string, int>? _heldByChannel;

    // Alerts raised by the change being made; appended with its state write, in the same transaction.
    private readonly List<StreamEvent> _alerts = [];

    private SkuStockState Stock => state.State;

    private StockAlerting Alerting => _alerting ??= new StockAlerting(Sku, Stock.Alerting, _alertOptions.SalesWindowDays);

    private string Sku => this.GetPrimaryKeyString();

    private CommitBatcher Commits => _commits ??= new CommitBatcher(
        WriteBatch,
        // Memory may now differ from storage: the next call must start from a fresh load.
        _ => DeactivateOnIdle(),
        $"SKU pool '{Sku}'",
        _options.MaxWaitingPerHotGrain);

    /// <summary>Redelivers notices a crash left in the outbox and keeps retrying undelivered ones.</summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _durableSequence = Stock.Sequence;
        PublishHint();
        this.RegisterGrainTimer(
            _ => RetryNoticesAsync(),
            new GrainTimerCreationOptions { DueTime = _options.StockNoticeRetryPeriod, Period = _options.StockNoticeRetryPeriod, Interleave = true, KeepAlive = false });
        SendNotices();
        return Task.CompletedTask;
    }

    /// <summary>Sets the absolute on-hand count of one warehouse; a replayed sync id changes nothing.</summary>
    public Task<SkuAvailability> SetStockAsync(SetStockCommand command) => InTurnAsync(() => SetStockCoreAsync(command));

    private async Task<SkuAvailability> SetStockCoreAsync(SetStockCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.WarehouseId))
        {
            throw new DomainValidationException("warehouse_id", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.SyncId))
        {
            throw new DomainValidationException("sync_id", "is required");
        }

        if (command.OnHand < 0)
        {
            throw new DomainValidationException("on_hand", "must not be negative");
        }

        Stock.Warehouses.TryGetValue(command.WarehouseId, out var entry);
        if (entry is not null && entry.RecentSyncIds.Contains(command.SyncId, StringComparer.Ordinal))
        {
            return Availability();
        }

        entry ??= await AddWarehouseAsync(command.WarehouseId);
        var delta = command.OnHand - entry.OnHand;
        entry.OnHand = command.OnHand;
        Remember(entry.RecentSyncIds, command.SyncId);
        Record(StockMovementKind.SetStock, command.WarehouseId, delta, null, command.SyncId);
        await AfterStockChangeAsync(command.WarehouseId, command.SyncId);
        _changed = true;
        return Availability();
    }

    /// <summary>Adds a delta to one warehouse's on-hand; a replayed adjustment id changes nothing.</summary>
    public Task<SkuAvailability> AdjustStockAsync(AdjustStockCommand command) => InTurnAsync(() => AdjustStockCoreAsync(command));

    private async Task<SkuAvailability> AdjustStockCoreAsync(AdjustStockCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.WarehouseId))
        {
            throw new DomainValidationException("warehouse_id", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.AdjustmentId))
        {
            throw new DomainValidationException("adjustment_id", "is required");
        }

        if (command.Delta == 0)
        {
            throw new DomainValidationException("delta", "must not be zero");
        }

        if (command.Reason == StockAdjustmentReason.Unspecified || !Enum.IsDefined(command.Reason))
        {
            throw new DomainValidationException("reason", "is required (STOCK_ADJUSTMENT_REASON_RECEIVED, _DAMAGED, _COUNT_CORRECTION or _SHORT_PICK)");
        }

        Stock.Warehouses.TryGetValue(command.WarehouseId, out var entry);
        var earlier = entry?.RecentAdjustments.Find(a => string.Equals(a.Id, command.AdjustmentId, StringComparison.Ordinal));
        if (earlier is not null)
        {
            return earlier.Delta == command.Delta
                ? Availability()
                : throw new IdempotencyConflictException(command.AdjustmentId, $"it adjusted by {earlier.Delta}, not {command.Delta}");
        }

        entry ??= await AddWarehouseAsync(command.WarehouseId);
        if ((long)entry.OnHand + command.Delta < 0)
        {
            throw new DomainValidationException("delta", $"{command.Delta} would take on_hand in warehouse '{command.WarehouseId}' below zero (it is {entry.OnHand})");
        }

        entry.OnHand += command.Delta;
        RememberAdjustment(entry, command.AdjustmentId, command.Delta);
        Record(StockMovementKind.Adjust, command.WarehouseId, command.Delta, null, $"{command.AdjustmentId} ({command.Reason})");
        await AfterStockChangeAsync(command.WarehouseId, command.AdjustmentId);
        _changed = true;
        return Availability();
    }

    /// <summary>Returns the availability; a SKU never given stock nor a sale policy is not found.</summary>
    public Task<SkuAvailability> GetAvailabilityAsync() =>
        ReadAsync(() => IsKnown ? Availability() : throw new NotFoundException("sku", Sku));

    /// <summary>Sets the sale policy; presold units stay counted, so lowering the limit below them only stops new presales.</summary>
    public Task<SkuAvailability> SetSalePolicyAsync(SkuSalePolicy policy)
    {
        SkuSalePolicy.Validate(policy);
        return InTurnAsync(() =>
        {
            var sale = Stock.Sale ??= new SkuSaleState();
            if (sale.BackordersAllowed != policy.BackordersAllowed || sale.PresaleLimit != policy.PresaleLimit)
            {
                sale.BackordersAllowed = policy.BackordersAllowed;
                sale.PresaleLimit = policy.PresaleLimit;
                _changed = true;
                Log.SalePolicySet(logger, Sku, policy.BackordersAllowed, policy.PresaleLimit, sale.Presold);
            }

            return Task.FromResult(Availability());
        });
    }

    /// <summary>Replaces the channel split; the reservations stay as they are (a split never takes back units already held).</summary>
    public Task<SkuAvailability> SetChannelSharesAsync(IReadOnlyList<ChannelStockShare> shares)
    {
        ChannelStockShare.Validate(shares);
        return InTurnAsync(() =>
        {
            Stock.ChannelShares = [.. shares.Select(s => new ChannelShareState { Channel = s.Channel, Quantity = s.Quantity, Percent = s.Percent })];
            _changed = true;
            Log.ChannelSharesSet(logger, Sku, string.Join(", ", shares.Select(s => s.Quantity > 0 ? $"{s.Channel} {s.Quantity} units" : $"{s.Channel} {s.Percent}%")));
            return Task.FromResult(Availability());
        });
    }

    /// <summary>The availability with <paramref name="channel"/>'s available-to-promise.</summary>
    public Task<SkuAvailability> GetChannelAvailabilityAsync(string channel) =>
        ReadAsync(() =>
        {
            if (string.IsNullOrWhiteSpace(channel))
            {
                throw new DomainValidationException("channel", "is required");
            }

            if (!IsKnown)
            {
                throw new NotFoundException("sku", Sku);
            }

            var availability = Availability();
            return availability with { Channel = channel, ChannelAvailable = (int)Math.Min(int.MaxValue, Promisable(channel, FreeUnits())) };
        });

    // Free units the channel may promise: all of them without a split; otherwise less what is set aside for the others.
    private long Promisable(string channel, long free) =>
        Stock.ChannelShares.Count == 0 ? free : ChannelSplit.AvailableTo(channel, free, Stock.ChannelShares, OnHandUnits(), HeldByChannel());

    private long OnHandUnits() => Stock.Warehouses.Values.Sum(w => (long)w.OnHand);

    // Units held per channel; rebuilt after any movement but a reservation, which adds to it (a flash sale only reserves).
    private Dictionary<string, int> HeldByChannel()
    {
        if (_heldByChannel is null)
        {
            _heldByChannel = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (holder, reservation) in Stock.Reservations)
            {
                var channel = ChannelSplit.ChannelOf(holder);
                _heldByChannel[channel] = _heldByChannel.GetValueOrDefault(channel) + reservation.Held.Sum(h => h.Quantity);
            }
        }

        return _heldByChannel;
    }

    // A SKU with warehouses, or one that has had a sale policy (a presale sells before any warehouse has it).
    private bool IsKnown => Stock.Warehouses.Count > 0 || Stock.Sale is not null;

    // Presale room comes back with cancelled presold units, filled or not: they are no longer sold.
    private void GiveBackPresold(ReservationEntry reservation, int units)
    {
        var back = Math.Min(reservation.Presold, units);
        if (back > 0)
        {
            reservation.Presold -= back;
            Stock.Sale!.Presold -= back;
        }
    }

    /// <summary>Reserves one line from the nearest active warehouse that can fill it, else the fewest warehouses; all or nothing.</summary>
    public Task<StockReservationResult> ReserveAsync(StockReservationRequest request) => InTurnAsync(() => ReserveCoreAsync(request));

    private async Task<StockReservationResult> ReserveCoreAsync(StockReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.OrderId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.Quantity);
        if (Stock.Reservations.TryGetValue(request.OrderId, out var held))
        {
            return new StockReservationResult(StockReservationOutcome.Reserved, HeldAsList(held), held.Version, held.Backordered, held.Presold);
        }

        if (!IsKnown)
        {
            return new StockReservationResult(StockReservationOutcome.UnknownSku, []);
        }

        var candidates = await CandidatesAsync(request.Latitude, request.Longitude);
        var channel = ChannelSplit.ChannelOf(request.OrderId);
        var promisable = Promisable(channel, candidates.Sum(c => (long)c.Available));
        var allocations = promisable >= request.Quantity ? StockSourcing.Choose(candidates, request.Quantity) : null;
        var shortfall = new ShortfallDecision(0, 0);
        if (allocations is null)
        {
            // Short of stock: what is free is reserved and the rest backordered, when the sale policy or channel allows.
            var free = (int)Math.Min(promisable, request.Quantity);
            if (SalePolicyRules.Decide(Stock.Sale, request.Quantity - free, request.AllowBackorder) is not { } decision)
            {
                outOfStock.Add(Sku, clock.GetUtcNow());
                RaiseOutOfStockIfDue();
                return new StockReservationResult(StockReservationOutcome.OutOfStock, []);
            }

            shortfall = decision;
            allocations = free > 0 ? StockSourcing.Choose(candidates, free)! : [];
        }

        Alerting.CountSale(clock.GetUtcNow(), request.Quantity);

        var reservation = new ReservationEntry
        {
            Arrival = ++Stock.Sequence,
            Version = Stock.Sequence,
            Latitude = request.Latitude,
            Longitude = request.Longitude,
        };
        foreach (var allocation in allocations)
        {
            Stock.Warehouses[allocation.WarehouseId].Reserved += allocation.Quantity;
            reservation.Held.Add(new HeldUnits { WarehouseId = allocation.WarehouseId, Quantity = allocation.Quantity });
            Record(StockMovementKind.Reserve, allocation.WarehouseId, allocation.Quantity, request.OrderId, request.OrderId);
        }

        if (shortfall.Backordered > 0)
        {
            reservation.Backordered = shortfall.Backordered;
            reservation.Presold = shortfall.Presold;
            Stock.TotalBackordered += shortfall.Backordered;
            if (shortfall.Presold > 0)
            {
                Stock.Sale!.Presold += shortfall.Presold;
            }

            Record(StockMovementKind.Backorder, string.Empty, shortfall.Backordered, request.OrderId, shortfall.Presold > 0 ? "presale" : "placement");
        }

        Stock.Reservations[request.OrderId] = reservation;
        if (_heldByChannel is not null)
        {
            _heldByChannel[channel] = _heldByChannel.GetValueOrDefault(channel) + allocations.Sum(a => a.Quantity);
        }

        _changed = true;
        return new StockReservationResult(StockReservationOutcome.Reserved, allocations, reservation.Version, shortfall.Backordered, shortfall.Presold);
    }

    /// <summary>Gives back what an order holds; nothing happens (and nothing is written) for an order holding nothing.</summary>
    public Task ReleaseAsync(string orderId) => InTurnAsync(() => ReleaseCoreAsync(orderId));

    private async Task ReleaseCoreAsync(string orderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        if (!Stock.Reservations.Remove(orderId, out var held))
        {
            return;
        }

        foreach (var units in held.Held)
        {
            Stock.Warehouses[units.WarehouseId].Reserved -= units.Quantity;
            Record(StockMovementKind.Release, units.WarehouseId, units.Quantity, orderId, orderId);
        }

        Stock.TotalBackordered -= held.Backordered;
        GiveBackPresold(held, held.Presold);
        Stock.Outbox.Remove(orderId);
        await FillBackordersAsync(orderId);
        _changed = true;
    }

    /// <summary>Deducts shipped units: from the shipping warehouse's on-hand and the order's reservation there, then from its other holds.</summary>
    public Task<StockReservation?> DeductAsync(StockDeduction deduction) => InTurnAsync(() => DeductCoreAsync(deduction));

    private async Task<StockReservation?> DeductCoreAsync(StockDeduction deduction)
    {
        ArgumentNullException.ThrowIfNull(deduction);
        ArgumentException.ThrowIfNullOrEmpty(deduction.OrderId);
        ArgumentException.ThrowIfNullOrEmpty(deduction.ShipmentId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(deduction.Quantity);
        var key = "ship:" + deduction.ShipmentId;
        if (!Stock.Reservations.TryGetValue(deduction.OrderId, out var reservation))
        {
            // Reservations are removed only when nothing is left to ship: this is a replay of an applied deduction.
            return null;
        }

        if (reservation.AppliedKeys.Contains(key, StringComparer.Ordinal))
        {
            return Snapshot(deduction.OrderId, reservation);
        }

        var entry = Stock.Warehouses.GetValueOrDefault(deduction.WarehouseId)
            ?? throw new RuleViolationException($"SKU '{Sku}'", $"warehouse '{deduction.WarehouseId}' holds no stock of it");
        var here = reservation.Held.Find(h => string.Equals(h.WarehouseId, deduction.WarehouseId, StringComparison.Ordinal));
        var fromHere = Math.Min(here?.Quantity ?? 0, deduction.Quantity);
        if (here is not null)
        {
            here.Quantity -= fromHere;
            entry.Reserved -= fromHere;
        }

        // The order's view may lag a re-sourcing: units shipped beyond its hold here are taken off its other holds.
        var freed = TakeFromReservation(deduction.OrderId, reservation, deduction.Quantity - fromHere, backorderFirst: false);
        entry.OnHand = Math.Max(0, entry.OnHand - deduction.Quantity);
        reservation.AppliedKeys.Add(key);
        Changed(deduction.OrderId, reservation);
        Record(StockMovementKind.Deduct, deduction.WarehouseId, -deduction.Quantity, deduction.OrderId, deduction.ShipmentId);
        var result = Snapshot(deduction.OrderId, reservation);
        DropIfDone(deduction.OrderId, reservation);
        await AfterStockChangeAsync(deduction.WarehouseId, deduction.ShipmentId);
        if (freed > 0)
        {
            await FillBackordersAsync(deduction.ShipmentId);
        }

        _changed = true;
        return result;
    }

    /// <summary>Gives up units of an order, backordered ones first.</summary>
    public Task<StockReservation?> CancelUnitsAsync(string orderId, string cancellationId, int quantity) => InTurnAsync(() => CancelUnitsCoreAsync(orderId, cancellationId, quantity));

    private async Task<StockReservation?> CancelUnitsCoreAsync(string orderId, string cancellationId, int quantity)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        ArgumentException.ThrowIfNullOrEmpty(cancellationId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        var key = "cancel:" + cancellationId;
        if (!Stock.Reservations.TryGetValue(orderId, out var reservation))
        {
            return null;
        }

        if (reservation.AppliedKeys.Contains(key, StringComparer.Ordinal))
        {
            return Snapshot(orderId, reservation);
        }

        var fromBackorder = Math.Min(reservation.Backordered, quantity);
        reservation.Backordered -= fromBackorder;
        Stock.TotalBackordered -= fromBackorder;
        GiveBackPresold(reservation, quantity);
        if (fromBackorder > 0)
        {
            Record(StockMovementKind.CancelBackorder, string.Empty, fromBackorder, orderId, cancellationId);
        }

        var freed = TakeFromReservation(orderId, reservation, quantity - fromBackorder, backorderFirst: false);
        reservation.AppliedKeys.Add(key);
        Changed(orderId, reservation);
        var result = Snapshot(orderId, reservation);
        DropIfDone(orderId, reservation);
        if (freed > 0)
        {
            await FillBackordersAsync(cancellationId);
        }

        _changed = true;
        return result;
    }

    /// <summary>Restocks returned units; the (order, RMA) pair is remembered like an adjustment id.</summary>
    public Task<SkuAvailability> RestockReturnAsync(ReturnRestock restock) => InTurnAsync(() => RestockReturnCoreAsync(restock));

    private async Task<SkuAvailability> RestockReturnCoreAsync(ReturnRestock restock)
    {
        ArgumentNullException.ThrowIfNull(restock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(restock.Quantity);
        var id = $"return:{restock.OrderId}:{restock.RmaId}";
        Stock.Warehouses.TryGetValue(restock.WarehouseId, out var entry);
        if (entry is not null && entry.RecentAdjustments.Exists(a => string.Equals(a.Id, id, StringComparison.Ordinal)))
        {
            return Availability();
        }

        entry ??= await AddWarehouseAsync(restock.WarehouseId);
        entry.OnHand = checked(entry.OnHand + restock.Quantity);
        RememberAdjustment(entry, id, restock.Quantity);
        Record(StockMovementKind.Restock, restock.WarehouseId, restock.Quantity, restock.OrderId, restock.RmaId);
        await FillBackordersAsync(restock.RmaId);
        _changed = true;
        return Availability();
    }

    /// <summary>What the order holds here, or null.</summary>
    public Task<StockReservation?> GetReservationAsync(string orderId) =>
        ReadAsync(() => Stock.Reservations.TryGetValue(orderId, out var reservation) ? Snapshot(orderId, reservation) : null);

    /// <summary>The newest <paramref name="limit"/> ledger entries with the totals.</summary>
    public Task<StockLedger> GetLedgerAsync(int limit) =>
        ReadAsync(() =>
        {
            var take = Math.Clamp(limit, 0, Stock.Ledger.Count);
            var newest = Stock.Ledger.Values.OrderBy(m => m.Sequence).Skip(Stock.Ledger.Count - take).ToList();
            return new StockLedger(Sku, newest, Stock.TotalMovements, Stock.InvariantViolations);
        });

    /// <summary>Sets or removes the low-stock threshold, checks it at once, and records it in the threshold directory.</summary>
    public async Task<LowStockStatus> SetLowStockThresholdAsync(LowStockThreshold? threshold)
    {
        if (threshold is not null)
        {
            LowStockThreshold.Validate(threshold.MinAvailable, threshold.DaysOfCover, "min_available", "days_of_cover");
        }

        var status = await InTurnAsync(() =>
        {
            Stock.Alerting.Threshold = threshold;
            EvaluateLowStock();
            _changed = true;
            return Task.FromResult(Alerting.Status(FreeUnitsClamped(), clock.GetUtcNow()));
        });
        await GrainFactory.GetGrainCached<ILowStockThresholdDirectoryGrain>(ILowStockThresholdDirectoryGrain.Key).RecordAsync(Sku, threshold);
        return status;
    }

    /// <summary>The threshold and where the SKU stands against it.</summary>
    public Task<LowStockStatus> GetLowStockStatusAsync() => ReadAsync(() => Alerting.Status(FreeUnitsClamped(), clock.GetUtcNow()));

    /// <summary>Raises the OUT_OF_STOCK alert for refusals counted on this silo, when one is due; cheap when none is.</summary>
    public Task NoteOutOfStockAsync() =>
        outOfStock.Pending(Sku) > 0 && Alerting.OutOfStockAlertDue(clock.GetUtcNow(), _alertOptions.OutOfStockAlertInterval)
            ? InTurnAsync(() =>
            {
                RaiseOutOfStockIfDue();
                return Task.CompletedTask;
            })
            : Task.CompletedTask;

    // In a turn: takes the tally into one alert when the last is at least the interval old; a write once per interval at most.
    private void RaiseOutOfStockIfDue()
    {
        var now = clock.GetUtcNow();
        if (!Alerting.OutOfStockAlertDue(now, _alertOptions.OutOfStockAlertInterval) || outOfStock.Take(Sku) is not { } taken)
        {
            return;
        }

        _alerts.Add(Alerting.OutOfStock(taken.Count, taken.Since, now));
        Log.OutOfStockAlert(logger, Sku, taken.Count, taken.Since);
        _changed = true;
    }

    // In a turn, after a change: a downward crossing of the threshold raises its alert once; back above re-arms it.
    private void EvaluateLowStock()
    {
        if (Stock.Warehouses.Count > 0 && Alerting.Evaluate(FreeUnitsClamped(), clock.GetUtcNow()) is { } alert)
        {
            _alerts.Add(alert);
            Log.LowStockChanged(logger, Sku, alert.EventType, FreeUnitsClamped());
        }
    }

    private int FreeUnitsClamped() => (int)Math.Min(FreeUnits(), int.MaxValue);

    /// <summary>
    /// Reads without queueing for a turn, so operators and dashboards never wait behind a flash sale, then answers
    /// once what it read is durable. A decision suspended mid-way (only while the warehouse directory is refreshed)
    /// may show between two of its steps; every step keeps 0 ≤ reserved ≤ on hand.
    /// </summary>
    private async Task<T> ReadAsync<T>(Func<T> read)
    {
        var result = read();
        await Commits.WhenDurableAsync();
        return result;
    }

    /// <summary>Runs one decision in this request's turn, then answers once everything it saw or changed is durable.</summary>
    private async Task<T> InTurnAsync<T>(Func<Task<T>> decide)
    {
        Task durable;
        T result;
        using (await Commits.EnterAsync())
        {
            _changed = false;
            result = await decide();
            if (_changed)
            {
                EvaluateLowStock();
            }

            durable = _changed ? Commits.CommitAsync() : Commits.WhenDurableAsync();
            if (_changed)
            {
                PublishHint();
            }
        }

        await durable;
        return result;
    }

    private async Task InTurnAsync(Func<Task> decide) =>
        await InTurnAsync(async () =>
        {
            await decide();
            return true;
        });

    // A SKU without warehouses is unknown, not sold out: it gets no hint, so orders for it learn UNKNOWN_SKU here.
    // Presale room and backorders count as units that can be promised: such a SKU is sold out only when they are gone.
    private void PublishHint()
    {
        if (IsKnown)
        {
            hints.Publish(Sku, FreeUnits() + SalePolicyRules.ExtraCapacity(Stock.Sale));
        }
    }

    /// <summary>Units free in some warehouse (active or not): zero means nothing can be promised.</summary>
    private long FreeUnits()
    {
        long free = 0;
        foreach (var entry in Stock.Warehouses.Values)
        {
            free += Math.Max(0, entry.OnHand - entry.Reserved);
        }

        return free;
    }

    private async Task<WarehouseStockEntry> AddWarehouseAsync(string warehouseId)
    {
        var warehouses = await WarehousesAsync(mustRefresh: !_warehouses.ContainsKey(warehouseId));
        if (!warehouses.ContainsKey(warehouseId))
        {
            throw new NotFoundException("warehouse", warehouseId);
        }

        var entry = new WarehouseStockEntry();
        Stock.Warehouses[warehouseId] = entry;
        return entry;
    }

    /// <summary>After on-hand changed in one warehouse: a shortage there is re-sourced or backordered; a surplus fills backorders.</summary>
    private async Task AfterStockChangeAsync(string warehouseId, string reference)
    {
        var entry = Stock.Warehouses[warehouseId];
        if (entry.Reserved > entry.OnHand)
        {
            await ResolveShortageAsync(warehouseId, entry.Reserved - entry.OnHand, reference);
        }
        else
        {
            await FillBackordersAsync(reference);
        }
    }

    private async Task ResolveShortageAsync(string warehouseId, int shortfall, string reference)
    {
        Log.ShortageDetected(logger, Sku, warehouseId, shortfall, reference);
        var alertId = $"{Sku}#{Stock.Sequence}:{warehouseId}:{_alerts.Count}";
        var (shortage, backorderedBefore) = (shortfall, Stock.TotalBackordered);
        var entry = Stock.Warehouses[warehouseId];

        // The newest reservations give up their units here first, so the oldest orders keep their stock.
        var affected = new List<(string OrderId, ReservationEntry Reservation)>();
        foreach (var (orderId, reservation) in Stock.Reservations.OrderByDescending(r => r.Value.Arrival))
        {
            if (shortfall == 0)
            {
                break;
            }

            var here = reservation.Held.Find(h => string.Equals(h.WarehouseId, warehouseId, StringComparison.Ordinal));
            if (here is null)
            {
                continue;
            }

            var take = Math.Min(here.Quantity, shortfall);
            here.Quantity -= take;
            reservation.Held.RemoveAll(h => h.Quantity == 0);
            entry.Reserved -= take;
            reservation.Backordered += take;
            Stock.TotalBackordered += take;
            shortfall -= take;
            affected.Add((orderId, reservation));
            Record(StockMovementKind.Backorder, warehouseId, take, orderId, reference);
        }

        var candidates = await CandidatesAsync(0, 0);
        foreach (var (orderId, reservation) in affected.OrderBy(a => a.Reservation.Arrival))
        {
            var moved = Fill(orderId, reservation, candidates, StockMovementKind.Resource, reference);
            Changed(orderId, reservation);
            Stock.Outbox[orderId] = reservation.Backordered > 0 ? $"backordered after a shortage in {warehouseId}" : $"re-sourced after a shortage in {warehouseId}";
            if (moved > 0)
            {
                candidates = await CandidatesAsync(0, 0);
            }
        }

        Log.ShortageResolved(logger, Sku, warehouseId, affected.Count, affected.Sum(a => a.Reservation.Backordered));
        var backordered = Math.Max(0, Stock.TotalBackordered - backorderedBefore);
        _alerts.Add(StockAlerting.Shortage(alertId, new ShortageAlert(Sku, warehouseId, shortage, reference, clock.GetUtcNow(), backordered)));
    }

    /// <summary>Gives backordered units stock wherever some is free, oldest reservation first.</summary>
    private async Task FillBackordersAsync(string reference)
    {
        if (Stock.TotalBackordered == 0)
        {
            return;
        }

        var candidates = await CandidatesAsync(0, 0);
        if (!candidates.Exists(c => c.Available > 0))
        {
            return;
        }

        foreach (var (orderId, reservation) in Stock.Reservations.Where(r => r.Value.Backordered > 0).OrderBy(r => r.Value.Arrival).ToList())
        {
            if (Fill(orderId, reservation, candidates, StockMovementKind.FillBackorder, reference) == 0)
            {
                continue;
            }

            Changed(orderId, reservation);
            Stock.Outbox[orderId] = reservation.Backordered > 0 ? "backorder partly filled" : "backorder filled";
            candidates = await CandidatesAsync(0, 0);
            if (!candidates.Exists(c => c.Available > 0))
            {
                break;
            }
        }
    }

    /// <summary>Moves a reservation's backordered units onto free stock, nearest warehouse to its ship-to first; returns the units moved.</summary>
    private int Fill(string orderId, ReservationEntry reservation, List<SourcingCandidate> candidates, StockMovementKind kind, string reference)
    {
        var moved = 0;
        var byDistance = candidates
            .Where(c => c.Available > 0)
            .Select(c => (c.WarehouseId, c.Available, Distance: DistanceTo(reservation, c.WarehouseId)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.WarehouseId, StringComparer.Ordinal);
        foreach (var (warehouseId, available, _) in byDistance)
        {
            if (reservation.Backordered == 0)
            {
                break;
            }

            var take = Math.Min(available, reservation.Backordered);
            var held = reservation.Held.Find(h => string.Equals(h.WarehouseId, warehouseId, StringComparison.Ordinal));
            if (held is null)
            {
                reservation.Held.Add(held = new HeldUnits { WarehouseId = warehouseId });
            }

            held.Quantity += take;
            Stock.Warehouses[warehouseId].Reserved += take;
            reservation.Backordered -= take;
            Stock.TotalBackordered -= take;
            moved += take;
            Record(kind, warehouseId, take, orderId, reference);
        }

        return moved;
    }

    /// <summary>Removes units from a reservation's holds (largest first); returns the units of stock freed.</summary>
    private int TakeFromReservation(string orderId, ReservationEntry reservation, int quantity, bool backorderFirst)
    {
        if (backorderFirst)
        {
            var fromBackorder = Math.Min(reservation.Backordered, quantity);
            reservation.Backordered -= fromBackorder;
            Stock.TotalBackordered -= fromBackorder;
            quantity -= fromBackorder;
        }

        var freed = 0;
        foreach (var held in reservation.Held.OrderByDescending(h => h.Quantity).ToList())
        {
            if (quantity == 0)
            {
                break;
            }

            var take = Math.Min(held.Quantity, quantity);
            held.Quantity -= take;
            Stock.Warehouses[held.WarehouseId].Reserved -= take;
            quantity -= take;
            freed += take;
            Record(StockMovementKind.Release, held.WarehouseId, take, orderId, orderId);
        }

        reservation.Held.RemoveAll(h => h.Quantity == 0);
        if (quantity > 0)
        {
            var fromBackorder = Math.Min(reservation.Backordered, quantity);
            reservation.Backordered -= fromBackorder;
            Stock.TotalBackordered -= fromBackorder;
        }

        return freed;
    }

    // Every change made in place to a reservation ends here: its new version tells the order, and the mark has the next
    // batch store its row (the entry set tracks only adds and removes by itself).
    private void Changed(string orderId, ReservationEntry reservation)
    {
        reservation.Version = ++Stock.Sequence;
        Stock.Reservations.MarkChanged(orderId);
    }

    private void DropIfDone(string orderId, ReservationEntry reservation)
    {
        reservation.Held.RemoveAll(h => h.Quantity == 0);
        if (reservation.Held.Count == 0 && reservation.Backordered == 0)
        {
            Stock.Reservations.Remove(orderId);
            Stock.Outbox.Remove(orderId);
        }
    }

    private double DistanceTo(ReservationEntry reservation, string warehouseId) =>
        _warehouses.TryGetValue(warehouseId, out var warehouse)
            ? StockSourcing.DistanceKm(reservation.Latitude, reservation.Longitude, warehouse.Latitude, warehouse.Longitude)
            : double.MaxValue;

    /// <summary>Active warehouses with free units, with their distance to the given point.</summary>
    private async Task<List<SourcingCandidate>> CandidatesAsync(double latitude, double longitude)
    {
        var warehouses = await WarehousesAsync(mustRefresh: Stock.Warehouses.Keys.Any(id => !_warehouses.ContainsKey(id)));
        var candidates = new List<SourcingCandidate>(Stock.Warehouses.Count);
        foreach (var (warehouseId, entry) in Stock.Warehouses)
        {
            if (warehouses.TryGetValue(warehouseId, out var warehouse) && warehouse.Active && entry.OnHand > entry.Reserved)
            {
                var distance = StockSourcing.DistanceKm(latitude, longitude, warehouse.Latitude, warehouse.Longitude);
                candidates.Add(new SourcingCandidate(warehouseId, entry.OnHand - entry.Reserved, distance));
            }
        }

        return candidates;
    }

    private void Record(StockMovementKind kind, string warehouseId, int quantity, string? orderId, string reference)
    {
        if (kind != StockMovementKind.Reserve)
        {
            _heldByChannel = null;
        }

        Stock.TotalMovements++;
        Stock.Ledger[SkuStockState.LedgerKey(Stock.TotalMovements)] = new StockMovement(Stock.TotalMovements, clock.GetUtcNow(), kind, warehouseId, quantity, orderId, reference);
        InventoryMetrics.Recorded(kind, quantity);

        // Trimmed in batches so a full ledger is not sorted on every movement.
        if (Stock.Ledger.Count > _options.LedgerEntriesKept + (_options.LedgerEntriesKept / 4))
        {
            foreach (var oldest in Stock.Ledger.Values.OrderBy(m => m.Sequence).Take(Stock.Ledger.Count - _options.LedgerEntriesKept).ToList())
            {
                Stock.Ledger.Remove(SkuStockState.LedgerKey(oldest.Sequence));
            }
        }
    }

    /// <summary>Checks the pool's invariants; a violation is logged and counted, never repaired.</summary>
    private void CheckInvariants()
    {
        var sums = new Dictionary<string, int>(Stock.Warehouses.Count, StringComparer.Ordinal);
        var backordered = 0;
        long presold = 0;
        foreach (var (orderId, reservation) in Stock.Reservations)
        {
            backordered += reservation.Backordered;
            presold += reservation.Presold;
            if (reservation.Backordered < 0 || reservation.Held.Exists(h => h.Quantity <= 0))
            {
                Violation($"reservation of '{orderId}' holds a non-positive quantity");
            }

            foreach (var held in reservation.Held)
            {
                sums[held.WarehouseId] = sums.GetValueOrDefault(held.WarehouseId) + held.Quantity;
            }
        }

        // Shipped presale units leave their reservation but stay counted, so the count is at least the live ones.
        if (presold > (Stock.Sale?.Presold ?? 0) || Stock.Sale?.Presold < 0)
        {
            Violation($"presold units {Stock.Sale?.Presold ?? 0} are fewer than the reservations' {presold}");
        }

        if (backordered != Stock.TotalBackordered)
        {
            Violation($"backordered units {Stock.TotalBackordered} differ from the reservations' {backordered}");
        }

        foreach (var (warehouseId, entry) in Stock.Warehouses)
        {
            var sum = sums.GetValueOrDefault(warehouseId);
            if (entry.Reserved != sum)
            {
                Violation($"warehouse '{warehouseId}' reserved {entry.Reserved} differs from the reservations' {sum}");
            }

            if (entry.Reserved < 0 || entry.Reserved > entry.OnHand)
            {
                Violation($"warehouse '{warehouseId}' breaks 0 <= reserved ({entry.Reserved}) <= on_hand ({entry.OnHand})");
            }
        }
    }

    /// <summary>
    /// The check reads every open reservation, so it runs before every batch only while a pool has at most
    /// <see cref="InvariantScanEveryBatchUpTo"/> of them, and at most once a second beyond: in steady load a pool with
    /// thousands open and a batch per order spent more time checking than deciding, and with 1,000 pools of a few hundred
    /// open each (512 was the bound then) the scan was still the top symbol of a profile, 4% of the machine.
    /// </summary>
    private void CheckInvariantsIfDue()
    {
        if (Stock.Reservations.Count > InvariantScanEveryBatchUpTo && clock.GetElapsedTime(_invariantsCheckedAt) < InvariantScanInterval)
        {
            return;
        }

        _invariantsCheckedAt = clock.GetTimestamp();
        CheckInvariants();
    }

    private void Violation(string detail)
    {
        Stock.InvariantViolations++;
        Log.InvariantViolated(logger, Sku, detail);
    }

    /// <summary>
    /// Runs in a turn of its own (see <see cref="CommitBatcher"/>): folds in acknowledged notices, checks the
    /// invariants and starts the write of everything decided since the last one, alerts in the same transaction.
    /// </summary>
    private Task WriteBatch()
    {
        while (_acknowledged.TryDequeue(out var ack))
        {
            if (!Stock.Reservations.TryGetValue(ack.OrderId, out var reservation) || reservation.Version <= ack.Version)
            {
                Stock.Outbox.Remove(ack.OrderId);
            }
        }

        CheckInvariantsIfDue();
        var sequence = Stock.Sequence;
        Task write;
        if (_alerts.Count == 0)
        {
            write = state.WriteStateSnapshotAsync();
        }
        else
        {
            // The state and events are serialised before the write first yields; later alerts go with the next batch.
            write = state.WriteStateSnapshotAsync([.. _alerts]);
            _alerts.Clear();
        }

        return AfterWriteAsync(write, sequence);
    }

    private async Task AfterWriteAsync(Task write, long sequence)
    {
        await write;
        _durableSequence = Math.Max(_durableSequence, sequence);
        if (Stock.Outbox.Count > 0)
        {
            _ = SendNoticesInTurnAsync();
        }
    }

    private async Task RetryNoticesAsync()
    {
        await SendNoticesInTurnAsync();
        try
        {
            // Refusals counted while an alert was not yet due are raised here once it is, without another refusal.
            await NoteOutOfStockAsync();
        }
        catch (StateWriteFailedException)
        {
            // The grain is reloading; the next activation's timer raises it.
        }
    }

    private async Task SendNoticesInTurnAsync()
    {
        try
        {
            using (await Commits.EnterAsync())
            {
                SendNotices();
            }
        }
        catch (StateWriteFailedException)
        {
            // The grain is reloading; the persisted outbox is sent again by the next activation.
        }
    }

    /// <summary>Starts sending the outbox's notices outside this turn (see the class remarks).</summary>
    private void SendNotices()
    {
        if (Stock.Outbox.Count == 0)
        {
            return;
        }

        var notices = new List<StockReservationChange>();
        foreach (var (orderId, cause) in Stock.Outbox.ToList())
        {
            if (!Stock.Reservations.TryGetValue(orderId, out var reservation))
            {
                Stock.Outbox.Remove(orderId);
                continue;
            }

            if (reservation.Version > _durableSequence || (_inFlight.TryGetValue(orderId, out var sending) && sending >= reservation.Version))
            {
                continue;
            }

            _inFlight[orderId] = reservation.Version;
            notices.Add(new StockReservationChange(Sku, Snapshot(orderId, reservation), cause));
        }

        if (notices.Count == 0)
        {
            return;
        }

        var grains = GrainFactory;
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => DeliverAsync(grains, notices));
        }
    }

    private async Task DeliverAsync(IGrainFactory grains, List<StockReservationChange> notices)
    {
        await Parallel.ForEachAsync(notices, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (notice, _) =>
        {
            var orderId = notice.Reservation.OrderId;
            try
            {
                // An exchange's replacement is held under its own key; the order that owns it hears of the move.
                await grains.GetGrainCached<IOrderGrain>(ReservationHolders.OrderOf(orderId)).ApplyStockChangeAsync(notice);
                _acknowledged.Enqueue((orderId, notice.Reservation.Version));
            }
            catch (Exception exception)
            {
                Log.NoticeFailed(logger, exception, Sku, orderId);
            }
            finally
            {
                _inFlight.TryRemove(new KeyValuePair<string, long>(orderId, notice.Reservation.Version));
            }
        });
    }

    private StockReservation Snapshot(string orderId, ReservationEntry reservation) =>
        new(orderId, reservation.Version, HeldAsList(reservation), reservation.Backordered);

    private static List<WarehouseQuantity> HeldAsList(ReservationEntry reservation) =>
        [.. reservation.Held.Where(h => h.Quantity > 0).Select(h => new WarehouseQuantity(h.WarehouseId, h.Quantity))];

    private void Remember(List<string> ids, string id)
    {
        ids.Add(id);
        if (ids.Count > _options.RememberedSyncIdsPerWarehouse)
        {
            ids.RemoveRange(0, ids.Count - _options.RememberedSyncIdsPerWarehouse);
        }
    }

    private void RememberAdjustment(WarehouseStockEntry entry, string id, int delta)
    {
        entry.RecentAdjustments.Add(new RecentAdjustment { Id = id, Delta = delta });
        if (entry.RecentAdjustments.Count > _options.RememberedSyncIdsPerWarehouse)
        {
            entry.RecentAdjustments.RemoveRange(0, entry.RecentAdjustments.Count - _options.RememberedSyncIdsPerWarehouse);
        }
    }

    private SkuAvailability Availability()
    {
        var warehouses = Stock.Warehouses
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => new WarehouseStock(w.Key, w.Value.OnHand, w.Value.Reserved, w.Value.OnHand - w.Value.Reserved))
            .ToList();
        var onHand = checked(warehouses.Sum(w => w.OnHand));
        var reserved = checked(warehouses.Sum(w => w.Reserved));
        var sale = Stock.Sale;
        return new SkuAvailability(
            Sku, onHand, reserved, onHand - reserved, warehouses, Stock.TotalBackordered,
            sale?.BackordersAllowed ?? false,
            sale?.PresaleLimit ?? 0,
            sale?.Presold ?? 0,
            sale is { PresaleLimit: > 0 } ? Math.Max(0, sale.PresaleLimit - sale.Presold) : 0,
            Stock.ChannelShares.Count == 0 ? [] : ChannelSplit.Describe(Stock.ChannelShares, onHand, HeldByChannel()));
    }

    private async ValueTask<Dictionary<string, WarehouseInfo>> WarehousesAsync(bool mustRefresh)
    {
        var now = clock.GetTimestamp();
        if (!mustRefresh && _directoryVersion >= 0 && clock.GetElapsedTime(_directoryCheckedAt, now) < _options.WarehouseDirectoryCacheDuration)
        {
            return _warehouses;
        }

        var directory = GrainFactory.GetGrainCached<IWarehouseDirectoryGrain>(IWarehouseDirectoryGrain.Key);
        var changed = await directory.GetIfChangedAsync(_directoryVersion);
        if (changed is not null)
        {
            _warehouses = changed.Warehouses.ToDictionary(w => w.WarehouseId, StringComparer.Ordinal);
            _directoryVersion = changed.Version;
        }

        _directoryCheckedAt = now;
        return _warehouses;
    }
}
