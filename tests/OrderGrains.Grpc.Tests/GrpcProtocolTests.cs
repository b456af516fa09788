using Xunit;

namespace OrderGrains.Grpc.Tests;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100%", "100%25")]
    [InlineData("ü", "%C3%BC")]
    [InlineData("a\nb", "a%0Ab")]
    public void Status_message_is_percent_encoded_as_the_spec_requires(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("50%")]
    [InlineData("%zz")]
    public void Malformed_percent_escapes_are_kept_literally(string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("1H", 3600_000.0)]
    [InlineData("2M", 120_000.0)]
    [InlineData("3S", 3000.0)]
    [InlineData("250m", 250.0)]
    [InlineData("1500u", 1.5)]
    [InlineData("2000000n", 2.0)]
    [InlineData("99999999m", 99_999_999.0)]
    public void Grpc_timeout_units_parse(string value, double milliseconds)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    public void Malformed_grpc_timeout_is_rejected(string value)
    {
        Assert.False(GrpcProtocol.TryParseTimeout(value, out _));
    }

    [Fact]
    public void Formatted_timeout_fits_eight_digits_and_never_shortens_the_deadline()
    {
        foreach (var timeout in new[] { TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(250), TimeSpan.FromHours(30), TimeSpan.FromDays(3000) })
        {
            var formatted = GrpcProtocol.FormatTimeout(timeout);
            Assert.InRange(formatted.Length, 2, 9);
            Assert.True(GrpcProtocol.TryParseTimeout(formatted, out var parsed));
            Assert.True(parsed >= timeout, $"{formatted} is shorter than {timeout}");
        }
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Grpc_content_types_are_recognised(string? contentType, bool expected)
    {
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
    }
}
