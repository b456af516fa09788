using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Orders from customer ids the OMS has never seen (issue 13 §5): refused by default, or given an account with the
/// channel's tier and credit limit where the channel says so. Real grains on the test silo.
/// </summary>
public sealed class NewCustomerTests
{
    private static readonly Dictionary<string, string?> MarketplaceOpensAccounts = new()
    {
        ["OrderGrains:Customers:Channels:marketplace:UnknownCustomers"] = "Create",
        ["OrderGrains:Customers:Channels:marketplace:Tier"] = "marketplace-new",
        ["OrderGrains:Customers:Channels:marketplace:CreditLimitMinor"] = "5000",
    };

    [Fact]
    public async Task By_default_an_unknown_customer_is_not_found_and_nothing_is_stored()
    {
        await using var oms = await AfterSaleOms.StartAsync(MarketplaceOpensAccounts);
        var order = oms.Order("w-1");

        var refused = await Assert.ThrowsAsync<NotFoundException>(() => order.PlaceAsync(Place("web", "w-1", "stranger", 2)));

        Assert.Equal(("customer", "stranger"), (refused.Entity, refused.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => order.GetAsync());
        Assert.Null(await oms.Grains.GetGrain<ICustomerAccountGrain>("stranger").FindProfileAsync());
    }

    [Fact]
    public async Task A_channel_that_opens_accounts_places_the_order_on_a_new_account_with_its_tier_and_limit()
    {
        await using var oms = await AfterSaleOms.StartAsync(MarketplaceOpensAccounts);

        var placed = (await oms.Order("m-1", "marketplace").PlaceAsync(Place("marketplace", "m-1", "buyer-77", 2))).Order;

        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        var account = await oms.Grains.GetGrain<ICustomerAccountGrain>("buyer-77").GetAsync();
        Assert.Equal(new CustomerProfile("buyer-77", "Ada", "marketplace-new", 5000, false), account.Profile);
        Assert.Equal((placed.TotalMinor, 1), (account.OpenExposureMinor, account.OpenOrders));
        var history = (await oms.Order("m-1", "marketplace").GetHistoryAsync()).Entries;
        Assert.Equal(["customer_account_opened", "accepted"], history.Select(e => e.Event));
        Assert.Equal("channel:marketplace", history[0].Actor);
        Assert.Contains("tier marketplace-new, credit limit 5000", history[0].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_opened_accounts_credit_limit_applies_to_its_first_order()
    {
        await using var oms = await AfterSaleOms.StartAsync(MarketplaceOpensAccounts);

        var placed = (await oms.Order("m-big", "marketplace").PlaceAsync(Place("marketplace", "m-big", "buyer-big", 60))).Order;

        Assert.Equal(OrderStatus.OnHold, placed.Status);
        Assert.Equal(HoldReason.CreditLimit, placed.HoldReason);
    }

    [Fact]
    public async Task Concurrent_first_orders_of_one_buyer_open_one_account_that_carries_every_order()
    {
        await using var oms = await AfterSaleOms.StartAsync(new Dictionary<string, string?> { ["OrderGrains:Customers:UnknownCustomers"] = "Create" });

        var placed = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => oms.Order($"c-{i}", "marketplace").PlaceAsync(Place("marketplace", $"c-{i}", "twin", 1))));

        Assert.All(placed, p => Assert.Equal(OrderStatus.PendingPayment, p.Order.Status));
        var account = await oms.Grains.GetGrain<ICustomerAccountGrain>("twin").GetAsync();
        Assert.Equal(("new", 0L), (account.Profile.Tier, account.Profile.CreditLimitMinor));
        Assert.Equal((20, placed.Sum(p => p.Order.TotalMinor)), (account.OpenOrders, account.OpenExposureMinor));
    }

    [Fact]
    public async Task Opening_never_touches_an_existing_account()
    {
        await using var oms = await AfterSaleOms.StartAsync(MarketplaceOpensAccounts);
        var existing = oms.Grains.GetGrain<ICustomerAccountGrain>("c1");
        await existing.UpsertAsync(new CustomerProfile("c1", "Ada", "gold", 0, Blocked: true));

        var kept = await existing.OpenIfUnknownAsync(new CustomerProfile("c1", "Someone", "new", 100, false));
        var refused = (await oms.Order("m-blocked", "marketplace").PlaceAsync(Place("marketplace", "m-blocked", "c1", 1))).Order;

        Assert.Equal(new CustomerProfile("c1", "Ada", "gold", 0, true), kept);
        Assert.Equal((OrderStatus.Rejected, RejectReason.CustomerBlocked), (refused.Status, refused.RejectReason));
        Assert.Equal(["rejected"], (await oms.Order("m-blocked", "marketplace").GetHistoryAsync()).Entries.Select(e => e.Event));
    }

    [Theory]
    [InlineData("OrderGrains:Customers:CreditLimitMinor", "-1", "OrderGrains:Customers:CreditLimitMinor is '-1'")]
    [InlineData("OrderGrains:Customers:Channels:marketplace:CreditLimitMinor", "-5", "OrderGrains:Customers:Channels:marketplace:CreditLimitMinor is '-5'")]
    [InlineData("OrderGrains:Customers:Channels:marketplace:Tier", " ", "OrderGrains:Customers:Channels:marketplace:Tier is empty")]
    [InlineData("OrderGrains:Customers:UnknownCustomers", "Unspecified", "OrderGrains:Customers:UnknownCustomers is 'Unspecified'")]
    [InlineData("OrderGrains:Customers:Channels:marketplace:UnknownCustomers", "Maybe", "OrderGrains:Customers:Channels:marketplace:UnknownCustomers")]
    public async Task Wrong_settings_stop_start_up_naming_the_key(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain(),
            settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, Messages(error), StringComparison.Ordinal);
    }

    private static PlaceOrderCommand Place(string channel, string externalId, string customerId, int quantity) =>
        new(channel, externalId, customerId, [new OrderLine("SKU-1", quantity, 100)], Oms.Berlin, null, "EUR");

    private static string Messages(Exception? error) => error is null ? string.Empty : error.Message + "\n" + Messages(error.InnerException) +
        (error is AggregateException aggregate ? string.Join("\n", aggregate.InnerExceptions.Select(Messages)) : string.Empty);
}
