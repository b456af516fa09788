using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace OrderGrains.Grpc.Server;

/// <summary>One Server span per gRPC call (ActivitySource "OrderGrains.Grpc"), continuing the caller's W3C trace.</summary>
internal static class GrpcServerTracing
{
    public const string SourceName = "OrderGrains.Grpc";

    private const string StatusCodeTag = "rpc.grpc.status_code";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartCall(HttpContext httpContext, string spanName, string service, string method)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        // ASP.NET Core may already have started a request Activity from the same header; nest under it then, so the
        // trace has no gap. Otherwise the header itself is the parent.
        ActivityContext parent = default;
        var headers = httpContext.Request.Headers;
        string? traceParent = headers[GrpcProtocol.TraceParentHeader];
        if (traceParent is not null
            && ActivityContext.TryParse(traceParent, headers[GrpcProtocol.TraceStateHeader], isRemote: true, out var remote)
            && Activity.Current?.TraceId != remote.TraceId)
        {
            parent = remote;
        }

        var activity = Source.StartActivity(spanName, ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
        }

        return activity;
    }

    /// <summary>Records the call's final status once (the first status wins, as on the wire); any status but OK marks the span as failed.</summary>
    public static void SetStatus(Activity? activity, GrpcStatus status)
    {
        if (activity is null || activity.GetTagItem(StatusCodeTag) is not null)
        {
            return;
        }

        activity.SetTag(StatusCodeTag, (int)status.Code);
        if (status.Code != GrpcStatusCode.OK)
        {
            activity.SetStatus(ActivityStatusCode.Error, status.Detail.Length > 0 ? status.Detail : status.Code.ToString());
        }
    }
}
