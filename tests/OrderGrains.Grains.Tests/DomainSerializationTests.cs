using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Abstractions;
using Orleans.Serialization;

namespace OrderGrains.Grains.Tests;

/// <summary>Domain exceptions keep what the host's status mapping reads when they cross silos (Orleans' serializer, as between processes).</summary>
public sealed class DomainSerializationTests
{
    [Fact]
    public async Task Domain_exceptions_keep_their_properties_through_orleans_serialization()
    {
        await using var oms = await Oms.StartAsync();
        var serializer = oms.Silo.Services.GetRequiredService<Serializer>();
        T RoundTrip<T>(T value) => serializer.Deserialize<T>(serializer.SerializeToArray(value))!;

        var validation = RoundTrip(new DomainValidationException("lines[2].quantity", "must be positive"));
        Assert.Equal(("lines[2].quantity", "must be positive", "lines[2].quantity: must be positive"), (validation.Field, validation.Reason, validation.Message));
        var notFound = RoundTrip(new NotFoundException("order", "web:1"));
        Assert.Equal(("order", "web:1"), (notFound.Entity, notFound.Id));
        var conflict = RoundTrip(new IdempotencyConflictException("pay-1", "different amount"));
        Assert.Equal("pay-1", conflict.IdempotencyKey);
        Assert.Contains("different amount", conflict.Message, StringComparison.Ordinal);
        var rule = RoundTrip(new RuleViolationException("order 'web:1' line SKU-1", "over-shipment"));
        Assert.Equal(("order 'web:1' line SKU-1", "over-shipment"), (rule.Subject, rule.Reason));
        var illegal = RoundTrip(new IllegalTransitionException("web:1", OrderStatus.Cancelled, OrderStatus.Paid, OrderTrigger.ConfirmPayment));
        Assert.Equal(("web:1", OrderStatus.Cancelled, OrderStatus.Paid, OrderTrigger.ConfirmPayment), (illegal.OrderId, illegal.From, illegal.To, illegal.Trigger));
        Assert.Equal("Order 'web:1' cannot go from CANCELLED to PAID (ConfirmPayment).", illegal.Message);
        var roleMissing = RoundTrip(new ApprovalRoleException("web:1", 1, 2, "supervisor", "caller:fiona", ["finance"]));
        Assert.Equal(("web:1", "supervisor", "order 'web:1': approval step 1 of 2 needs the supervisor role; caller:fiona has finance"), (roleMissing.OrderId, roleMissing.Role, roleMissing.Message));
    }
}
