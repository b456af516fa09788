using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Approval chains and risk rules (issue 13 §2) on real grains with a fake clock: the chain a hold needs by total, each
/// step's role, one person per step, and the rules that hold an order for MANUAL_REVIEW.
/// </summary>
public sealed class ReviewChainTests
{
    private static readonly Dictionary<string, string?> Chains = new()
    {
        ["OrderGrains:Orders:ManualReviewThresholdMinor"] = "500",
        ["OrderGrains:Review:Chains:0:AboveMinor"] = "1000",
        ["OrderGrains:Review:Chains:0:Steps:0"] = "supervisor",
        ["OrderGrains:Review:Chains:1:AboveMinor"] = "10000",
        ["OrderGrains:Review:Chains:1:Steps:0"] = "supervisor",
        ["OrderGrains:Review:Chains:1:Steps:1"] = "finance",
    };

    [Fact]
    public async Task The_total_picks_the_chain_with_the_highest_threshold_below_it()
    {
        await using var oms = await AfterSaleOms.StartAsync(Chains);

        var small = await PlaceAsync(oms, "small", 6);
        var middle = await PlaceAsync(oms, "middle", 20);
        var large = await PlaceAsync(oms, "large", 200);

        Assert.All(new[] { small, middle, large }, o => Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview), (o.Status, o.HoldReason)));
        Assert.Equal(["reviewer"], small.ApprovalSteps!);
        Assert.Equal(["supervisor"], middle.ApprovalSteps!);
        Assert.Equal(["supervisor", "finance"], large.ApprovalSteps!);
        Assert.Equal(2, large.ApprovalsRequired);
        Assert.Equal("total above 500", large.HoldDetails);
    }

    [Fact]
    public async Task Each_step_needs_its_role_in_order_and_one_person_approves_one_step()
    {
        await using var oms = await AfterSaleOms.StartAsync(Chains);
        await PlaceAsync(oms, "large", 200);
        var order = oms.Order("large");

        var financeFirst = await Assert.ThrowsAsync<ApprovalRoleException>(() => order.ApproveHoldAsync(new HoldApproval("operator:fiona", ["finance"])));
        var first = await order.ApproveHoldAsync(new HoldApproval("operator:sam", ["supervisor", "finance"]));
        var samAgain = await order.ApproveHoldAsync(new HoldApproval("operator:sam", ["supervisor", "finance"]));
        var supervisorSecond = await Assert.ThrowsAsync<ApprovalRoleException>(() => order.ApproveHoldAsync(new HoldApproval("operator:sue", ["supervisor"])));
        var approved = await order.ApproveHoldAsync(new HoldApproval("operator:fiona", ["finance"]));

        Assert.Contains("approval step 1 of 2 needs the supervisor role; operator:fiona has finance", financeFirst.Message, StringComparison.Ordinal);
        Assert.Equal((OrderStatus.OnHold, 1), (first.Status, first.Approvers.Count));
        Oms.AssertSameOrder(first, samAgain);
        Assert.Contains("approval step 2 of 2 needs the finance role; operator:sue has supervisor", supervisorSecond.Message, StringComparison.Ordinal);
        Assert.Equal(OrderStatus.PendingPayment, approved.Status);
        Assert.Equal(["operator:sam", "operator:fiona"], approved.Approvers);
        Assert.Null(approved.HoldDetails);
        var history = (await order.GetHistoryAsync()).Entries;
        Assert.Equal(["held", "approval", "approved"], history.Select(e => e.Event));
        Assert.Contains("step 1 of 2 (supervisor) approved; next: finance", history[1].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_approves_a_reviewer_step_but_a_reviewer_cannot_approve_a_supervisor_step()
    {
        await using var oms = await AfterSaleOms.StartAsync(Chains);
        await PlaceAsync(oms, "small", 6);
        await PlaceAsync(oms, "middle", 20);

        var byOperator = await oms.Order("small").ApproveHoldAsync(new HoldApproval("operator:olga", ["operator"]));
        var byReviewer = await Assert.ThrowsAsync<ApprovalRoleException>(() => oms.Order("middle").ApproveHoldAsync(new HoldApproval("operator:rita", ["reviewer", "operator"])));
        var noRole = await Assert.ThrowsAsync<ApprovalRoleException>(() => oms.Order("middle").ApproveHoldAsync(new HoldApproval("operator:nobody", [])));

        Assert.Equal(OrderStatus.PendingPayment, byOperator.Status);
        Assert.Contains("needs the supervisor role; operator:rita has reviewer, operator", byReviewer.Message, StringComparison.Ordinal);
        Assert.Contains("operator:nobody has no role", noRole.Message, StringComparison.Ordinal);
        Assert.Equal(OrderStatus.OnHold, (await oms.Order("middle").GetAsync()).Status);
    }

    [Fact]
    public async Task The_dual_approval_threshold_is_a_chain_of_two_reviewers()
    {
        await using var oms = await AfterSaleOms.StartAsync(new Dictionary<string, string?>
        {
            ["OrderGrains:Orders:ManualReviewThresholdMinor"] = "500",
            ["OrderGrains:Orders:DualApprovalThresholdMinor"] = "1000",
        });

        var held = await PlaceAsync(oms, "dual", 20);

        Assert.Equal(["reviewer", "reviewer"], held.ApprovalSteps!);
    }

    [Fact]
    public async Task A_blocked_address_and_a_country_not_served_hold_the_order_saying_why()
    {
        await using var oms = await AfterSaleOms.StartAsync(new Dictionary<string, string?>
        {
            ["OrderGrains:Review:BlockedAddresses:0"] = "unter den linden 1 , 10117, de",
            ["OrderGrains:Review:ServedCountries:0"] = "DE",
            ["OrderGrains:Review:ServedCountries:1"] = "AT",
        });

        var blocked = await PlaceAsync(oms, "blocked", 1);
        var vienna = await PlaceAsync(oms, "vienna", 1, Oms.Berlin with { Line1 = "Ring 1", PostalCode = "1010", Country = "AT" });
        var paris = await PlaceAsync(oms, "paris", 1, Oms.Berlin with { Line1 = "Rue 1", PostalCode = "75001", Country = "FR" });

        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview), (blocked.Status, blocked.HoldReason));
        Assert.Equal("delivery address Unter den Linden 1, 10117, DE is blocked", blocked.HoldDetails);
        Assert.Equal(OrderStatus.PendingPayment, vienna.Status);
        Assert.Equal(OrderStatus.OnHold, paris.Status);
        Assert.Equal("ship-to country FR is not served (served: DE, AT)", paris.HoldDetails);
        Assert.Equal(["reviewer"], paris.ApprovalSteps!);
    }

    [Fact]
    public async Task More_orders_than_allowed_from_one_customer_or_to_one_address_within_the_window_are_held()
    {
        await using var oms = await AfterSaleOms.StartAsync(new Dictionary<string, string?>
        {
            ["OrderGrains:Review:MaxOrdersPerCustomer"] = "2",
            ["OrderGrains:Review:MaxOrdersPerAddress"] = "3",
            ["OrderGrains:Review:VelocityWindow"] = "01:00:00",
        });
        await oms.Grains.GetGrain<ICustomerAccountGrain>("c2").UpsertAsync(new CustomerProfile("c2", "Bea", "gold", 0, false));

        var first = await PlaceAsync(oms, "v1", 1);
        var second = await PlaceAsync(oms, "v2", 1);
        var third = await PlaceAsync(oms, "v3", 1);
        var thirdAgain = await oms.Order("v3").PlaceAsync(Command("v3", 1));
        var otherCustomerSameAddress = await PlaceAsync(oms, "v4", 1, customer: "c2");
        oms.Clock.Advance(TimeSpan.FromMinutes(61));
        var later = await PlaceAsync(oms, "v5", 1);

        Assert.Equal([OrderStatus.PendingPayment, OrderStatus.PendingPayment, OrderStatus.OnHold], new[] { first.Status, second.Status, third.Status });
        Assert.Equal("3 orders from customer c1 within 01:00:00 (at most 2)", third.HoldDetails);
        Assert.True(thirdAgain.Duplicate);
        Assert.Equal(OrderStatus.OnHold, otherCustomerSameAddress.Status);
        Assert.Equal("4 orders to Unter den Linden 1, 10117 within 01:00:00 (at most 3)", otherCustomerSameAddress.HoldDetails);
        Assert.Equal(OrderStatus.PendingPayment, later.Status);
    }

    [Theory]
    [InlineData("OrderGrains:Review:Chains:0:Steps:0", "boss", "OrderGrains:Review:Chains:0:Steps:0 is 'boss'")]
    [InlineData("OrderGrains:Review:Chains:0:AboveMinor", "lots", "OrderGrains:Review:Chains:0:AboveMinor is 'lots'")]
    [InlineData("OrderGrains:Review:ServedCountries:0", "DEU", "OrderGrains:Review:ServedCountries:0 is 'DEU'")]
    [InlineData("OrderGrains:Review:BlockedAddresses:0", "Main St 1", "OrderGrains:Review:BlockedAddresses:0 is 'Main St 1'")]
    [InlineData("OrderGrains:Review:VelocityWindow", "00:00:00", "OrderGrains:Review:VelocityWindow is '00:00:00'")]
    public async Task Wrong_review_settings_stop_start_up_naming_the_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("OrderGrains:Review:Chains:0:AboveMinor", StringComparison.Ordinal))
        {
            settings["OrderGrains:Review:Chains:0:Steps:0"] = "supervisor";
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(TestStorage.Memory(), b => b.AddOrderDomain(), settings: settings));

        Assert.Contains(expected, Messages(error), StringComparison.Ordinal);
    }

    private static async Task<OrderSnapshot> PlaceAsync(AfterSaleOms oms, string externalId, int quantity, ShippingAddress? shipTo = null, string customer = "c1") =>
        (await oms.Order(externalId).PlaceAsync(Command(externalId, quantity, shipTo, customer))).Order;

    private static PlaceOrderCommand Command(string externalId, int quantity, ShippingAddress? shipTo = null, string customer = "c1") =>
        new("web", externalId, customer, [new OrderLine("SKU-1", quantity, 100)], shipTo ?? Oms.Berlin, null, "EUR");

    private static string Messages(Exception? error) => error is null ? string.Empty : error.Message + "\n" + Messages(error.InnerException) +
        (error is AggregateException aggregate ? string.Join("\n", aggregate.InnerExceptions.Select(Messages)) : string.Empty);
}
