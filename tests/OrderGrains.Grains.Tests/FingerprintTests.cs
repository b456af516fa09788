using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// A PlaceOrder replay is matched to its order by fingerprint, and orders keep the fingerprint they were stored with:
/// however it is computed, the same request must give the same hash as every earlier version did.
/// </summary>
public sealed class FingerprintTests
{
    private static readonly ShippingAddress Berlin = new("Ada", "Unter den Linden 1", "Berlin", "BE", "DE", "10117", 52.5200, 13.4050);

    private static readonly ShippingAddress Unicode = new("Zoë 李小龍 😀", "Straße 7\u00ADb", "Kraków", "", "PL", "", -33.868820000000003, 151.20929);

    // Computed by the StringBuilder implementation every order stored before XXH128 was fingerprinted with.
    [Theory]
    [InlineData("simple", "1CE9BB69A0D5E3536C0018B274A0EEED0E0C47A528B781FE061AB56EC6B2E353")]
    [InlineData("full", "0D65875C000DDD7B8C987A4E9595ADDA89DE84D1C22C866C0D9F0ADA2F2B5040")]
    [InlineData("empty", "5747481AB7807A8EE7308B07AFEE5296EED35968BA7E321CF5FCE9F88F5ADFF9")]
    public void The_legacy_fingerprint_of_a_request_is_the_one_earlier_versions_stored(string request, string expected) =>
        Assert.Equal(expected, PlaceOrderValidation.LegacyFingerprint(Request(request)));

    // Pinned when XXH128 fingerprints were introduced: orders keep them, so they must never change.
    [Theory]
    [InlineData("simple", "xxh128:D95B7F204EA1B71B9325455DB4768233")]
    [InlineData("full", "xxh128:D7343A5BFE67C476BC9B9D1DE5F3F4F3")]
    [InlineData("empty", "xxh128:E26B1AABEB22B9A6C49485C440D615D2")]
    public void The_fingerprint_of_a_request_never_changes(string request, string expected) =>
        Assert.Equal(expected, PlaceOrderValidation.Fingerprint(Request(request)));

    [Fact]
    public void Line_order_does_not_change_the_fingerprint_and_any_field_does()
    {
        var full = Request("full");
        var reversed = full with { Lines = [.. full.Lines.Reverse()] };

        Assert.Equal(PlaceOrderValidation.Fingerprint(full), PlaceOrderValidation.Fingerprint(reversed));
        Assert.NotEqual(PlaceOrderValidation.Fingerprint(full), PlaceOrderValidation.Fingerprint(full with { CouponCode = "SUMMER2" }));
        Assert.NotEqual(PlaceOrderValidation.Fingerprint(full), PlaceOrderValidation.Fingerprint(full with { ShipTo = full.ShipTo! with { Latitude = 52.52 } }));
        Assert.NotEqual(PlaceOrderValidation.Fingerprint(full), PlaceOrderValidation.Fingerprint(full with { Lines = [full.Lines[0] with { ListPriceMinor = 1 }, .. full.Lines.Skip(1)] }));
    }

    [Fact]
    public void Both_fingerprints_hash_the_whole_text_also_past_the_stack_buffer()
    {
        var longName = string.Concat(Enumerable.Repeat("Grüße 李 ", 200));
        var command = Request("simple") with { ShipTo = Berlin with { Line1 = longName } };

        // The text the hashes are defined over, built in one piece as the first version did.
        var text = string.Join('\u001f', "web", "1001", "c1", "EUR", "", "SKU-1", "2", "1999", "Ada", longName, "Berlin", "BE", "DE", "10117", "52.52", "13.405") + '\u001f';
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);

        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)), PlaceOrderValidation.LegacyFingerprint(command));
        Assert.Equal("xxh128:" + Convert.ToHexString(System.IO.Hashing.XxHash128.Hash(bytes)), PlaceOrderValidation.Fingerprint(command));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_stored_fingerprint_matches_its_replay_whichever_way_it_was_made(bool legacy)
    {
        var full = Request("full");
        var stored = legacy ? PlaceOrderValidation.LegacyFingerprint(full) : PlaceOrderValidation.Fingerprint(full);
        var changed = full with { CouponCode = "SUMMER2" };

        Assert.True(PlaceOrderValidation.SameRequest(stored, PlaceOrderValidation.Fingerprint(full), full));
        Assert.False(PlaceOrderValidation.SameRequest(stored, PlaceOrderValidation.Fingerprint(changed), changed));
    }

    private static PlaceOrderCommand Request(string name) => name switch
    {
        "simple" => new("web", "1001", "c1", [new OrderLine("SKU-1", 2, 1999)], Berlin, null, "EUR"),
        "full" => new("marketplace", "ext-ÄÖÜ-42", "customer-ß", [
            new OrderLine("SKU-B", 1, 250_000, ListPriceMinor: 300_000),
            new OrderLine("SKU-A", int.MaxValue, long.MinValue + 1),
            new OrderLine("SKU-€", 3, 0, ListPriceMinor: -5),
        ], Unicode, "flash-1", "PLN", "SUMMER"),
        "empty" => new("", "", "", [], Berlin with { Recipient = "", Line1 = "", Latitude = 0, Longitude = -0.0 }, "", "", ""),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
