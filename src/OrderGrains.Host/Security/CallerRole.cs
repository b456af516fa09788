using OrderGrains.Abstractions;

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

    /// <summary>Review: reads the review queue, decides holds at reviewer steps, rejects holds.</summary>
    Reviewer = 5,

    /// <summary>Review: reads the review queue, decides holds at supervisor steps, rejects holds.</summary>
    Supervisor = 6,

    /// <summary>Review: reads the review queue, decides holds at finance steps, rejects holds.</summary>
    Finance = 7,
}

/// <summary>A configured caller: its name (logged, never its token), its roles, and the channels its orders may belong to.</summary>
public sealed record Caller(string Name, IReadOnlySet<CallerRole> Roles, IReadOnlySet<string> Channels)
{
    /// <summary>The channel wildcard: every channel.</summary>
    public const string AllChannels = "*";

    private static readonly (CallerRole Role, string Name)[] ReviewRoleOf =
        [(CallerRole.Reviewer, ReviewRoles.Reviewer), (CallerRole.Supervisor, ReviewRoles.Supervisor), (CallerRole.Finance, ReviewRoles.Finance)];

    public bool MayUse(string channel) => Channels.Contains(AllChannels) || Channels.Contains(channel);

    /// <summary>Who the caller is in an order's history and approvers: "caller:&lt;name&gt;" (admin tokens act as "operator:&lt;name&gt;").</summary>
    public string Actor => "caller:" + Name;

    /// <summary>The caller's review roles as approval steps name them ("reviewer", "supervisor", "finance"), in that order.</summary>
    public IReadOnlyList<string> ReviewRoleNames => [.. ReviewRoleOf.Where(p => Roles.Contains(p.Role)).Select(p => p.Name)];
}
