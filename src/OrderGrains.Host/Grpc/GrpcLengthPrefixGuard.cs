using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// Ends a unary or server-streaming gRPC call RESOURCE_EXHAUSTED when its request's length prefix claims more than
/// 2 GiB. Grpc.AspNetCore checks smaller claims against <c>MaxReceiveMessageSize</c> itself, but for a prefix past
/// <see cref="int.MaxValue"/> it throws before any interceptor runs and answers UNKNOWN. The guard looks at the first
/// five bytes without consuming them, so Grpc.AspNetCore reads the request exactly as it arrived.
/// </summary>
internal static class GrpcLengthPrefixGuard
{
    private const int PrefixLength = 5;

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is { Method.Type: MethodType.Unary or MethodType.ServerStreaming }
            && await ClaimsMoreThanAnArrayAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = "Received message exceeds the maximum configured message size.";
            return;
        }

        await next(context);
    }

    private static async Task<bool> ClaimsMoreThanAnArrayAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAtLeastAsync(PrefixLength, context.RequestAborted);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // The client went away; Grpc.AspNetCore reports what is left of the call as it does without the guard.
            return false;
        }

        var buffer = read.Buffer;
        var tooLarge = false;
        if (buffer.Length >= PrefixLength)
        {
            Span<byte> prefix = stackalloc byte[PrefixLength];
            buffer.Slice(0, PrefixLength).CopyTo(prefix);
            tooLarge = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]) > int.MaxValue;
        }

        // Nothing consumed or examined: the next read returns these bytes again.
        reader.AdvanceTo(buffer.Start);
        return tooLarge;
    }
}
