using OrderGrains.Abstractions;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>The order events added for the read model (kinds 11 to 16) carry no accounting effect: the forwarder books none of them.</summary>
public sealed class ReadModelEventTests
{
    [Theory]
    [InlineData(OrderEventKind.Rejected, OrderStatus.Rejected)]
    [InlineData(OrderEventKind.HoldApproved, OrderStatus.PendingPayment)]
    [InlineData(OrderEventKind.Released, OrderStatus.Released)]
    [InlineData(OrderEventKind.Delivered, OrderStatus.Delivered)]
    [InlineData(OrderEventKind.ReturnRequested, OrderStatus.ReturnRequested)]
    [InlineData(OrderEventKind.Updated, OrderStatus.PartiallyShipped)]
    public void Read_model_kinds_post_no_document(OrderEventKind kind, OrderStatus status)
    {
        var e = new OrderEvent("web:1", 3, kind, "web", "ada", "EUR", 11_300, 11_300, true, [new OrderLine("SKU-1", 1, 11_300)],
            DateTimeOffset.UnixEpoch, "ref", Status: status, CreatedAt: DateTimeOffset.UnixEpoch);

        Assert.Null(ErpDocuments.For(e, 1300));
    }

    [Fact]
    public void Kinds_keep_their_numbers()
    {
        Assert.Equal(
            [11, 12, 13, 14, 15, 16],
            new[] { OrderEventKind.Rejected, OrderEventKind.HoldApproved, OrderEventKind.Released, OrderEventKind.Delivered, OrderEventKind.ReturnRequested, OrderEventKind.Updated }.Select(k => (int)k));
    }
}
