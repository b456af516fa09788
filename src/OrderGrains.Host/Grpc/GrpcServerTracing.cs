using System.Diagnostics;
using Grpc.Core;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// One Server span per gRPC call (ActivitySource "OrderGrains.Grpc"), with the rpc.* tags of OpenTelemetry's
/// semantic conventions and the final status. It nests under ASP.NET Core's request activity, which already continued
/// the caller's W3C <c>traceparent</c>; when that activity was not created, the header itself is the parent.
/// </summary>
internal static class GrpcServerTracing
{
    public const string SourceName = "OrderGrains.Grpc";

    private const string StatusCodeTag = "rpc.grpc.status_code";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartCall(ServerCallContext context)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        var headers = context.RequestHeaders;
        if (headers.GetValue("traceparent") is { } traceParent
            && ActivityContext.TryParse(traceParent, headers.GetValue("tracestate"), isRemote: true, out var remote)
            && Activity.Current?.TraceId != remote.TraceId)
        {
            parent = remote;
        }

        // context.Method is "/package.Service/Method"; the span is named "package.Service/Method".
        var method = context.Method.AsSpan(1);
        var activity = Source.StartActivity(method.ToString(), ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            var slash = method.IndexOf('/');
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", slash > 0 ? method[..slash].ToString() : method.ToString());
            activity.SetTag("rpc.method", slash > 0 ? method[(slash + 1)..].ToString() : string.Empty);
        }

        return activity;
    }

    /// <summary>Records the call's final status; any status but OK marks the span as failed.</summary>
    public static void SetStatus(Activity? activity, StatusCode code, string detail)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(StatusCodeTag, (int)code);
        if (code != StatusCode.OK)
        {
            activity.SetStatus(ActivityStatusCode.Error, detail.Length > 0 ? detail : code.ToString());
        }
    }
}
