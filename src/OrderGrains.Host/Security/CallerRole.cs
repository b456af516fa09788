namespace OrderGrains.Host.Security;

/// <summary>What a gRPC caller may do; <see cref="CallerAccess"/> maps every RPC to one role. Numbers are never reused.</summary>
public enum CallerRole
{
    /// <summary>OrderIntake, for orders of the caller's channels only (a shop or marketplace adapter).</summary>
    Orders = 1,

    /// <summary>Inventory: warehouses, stock sync and the stock ledger (WMS/ERP sync).</summary>
    Inventory = 2,

    /// <summary>Fulfillment: releases, shipments, deliveries and returns received (warehouses, carriers).</summary>
    Fulfillment = 3,

    /// <summary>Customers and campaigns (prices and promotions).</summary>
    Catalog = 4,
}

/// <summary>A configured caller: its name (logged, never its token), its roles, and the channels its orders may belong to.</summary>
public sealed record Caller(string Name, IReadOnlySet<CallerRole> Roles, IReadOnlySet<string> Channels)
{
    /// <summary>The channel wildcard: every channel.</summary>
    public const string AllChannels = "*";

    public bool MayUse(string channel) => Channels.Contains(AllChannels) || Channels.Contains(channel);
}
