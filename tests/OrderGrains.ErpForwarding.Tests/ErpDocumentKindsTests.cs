using OrderGrains.Abstractions;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>
/// The forwarder skips, without reading the payload, events whose type <see cref="ErpDocuments.MayPost"/> says can
/// post nothing: that list must cover every kind <see cref="ErpDocuments.For"/> posts a document for.
/// </summary>
public sealed class ErpDocumentKindsTests
{
    public static TheoryData<OrderEventKind> Kinds() => [.. Enum.GetValues<OrderEventKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_kind_that_can_post_a_document_is_never_skipped_unread(OrderEventKind kind)
    {
        var posts = false;
        foreach (var paid in new[] { true, false })
        {
            foreach (var receivable in new[] { 0L, 500L })
            {
                var e = new OrderEvent("web:1", 3, kind, "web", "ada", "EUR", 11_300, 11_300, paid, [new OrderLine("SKU-1", 1, 11_300)],
                    DateTimeOffset.UnixEpoch, "ref-1", ReceivableMinor: receivable, DueAt: DateTimeOffset.UnixEpoch.AddDays(30), DiscountMinor: 100);
                posts |= ErpDocuments.For(e, 1_900) is not null;
            }
        }

        Assert.True(!posts || ErpDocuments.MayPost(kind.ToString()), $"{kind} posts a document but MayPost says it never does.");
    }

    [Theory]
    [InlineData(OrderEventKind.Accepted)]
    [InlineData(OrderEventKind.Rejected)]
    [InlineData(OrderEventKind.Shipped)]
    public void Acceptances_refusals_and_shipments_are_skipped_unread(OrderEventKind kind) =>
        Assert.False(ErpDocuments.MayPost(kind.ToString()));
}
