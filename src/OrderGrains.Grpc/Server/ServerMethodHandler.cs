using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;

namespace OrderGrains.Grpc.Server;

/// <summary>
/// The per-call pipeline shared by all method kinds: protocol checks, deadline and cancellation, exception
/// translation and the final status. Subclasses only read the request and run the handler.
/// </summary>
internal abstract class ServerMethodHandler(MethodDescriptor method, Func<HttpContext, object> handlerFactory, GrpcServerRuntime runtime, bool streaming)
{
    private readonly string _spanName = $"{method.Service.FullName}/{method.Name}";

    public MethodDescriptor Method => method;

    protected MessageParser RequestParser { get; } = method.InputType.Parser;

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            // gRPC needs trailers, which HTTP/1.1 responses cannot carry here.
            httpContext.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            httpContext.Response.Headers.Upgrade = "h2c";
            return;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var activity = GrpcServerTracing.StartCall(httpContext, _spanName, method.Service.FullName, method.Name);
        var context = new ServerCallContext(httpContext, method, runtime, streaming) { Activity = activity };
        try
        {
            if (context.Start(runtime.ServerStopping) is { } startError)
            {
                await context.FinishAsync(startError, errorTrailers: null, includeHandlerTrailers: false);
                return;
            }

            Task call;
            try
            {
                call = StartCall(context, handlerFactory(httpContext));
            }
            catch (Exception ex)
            {
                call = Task.FromException(ex);
            }

            if (!call.IsCompleted && await Task.WhenAny(call, context.Cancelled) != call)
            {
                await EndCancelledCallAsync(context, call);
                return;
            }

            GrpcStatus status;
            Metadata? errorTrailers = null;
            try
            {
                await call;
                CompleteSuccessfulCall(context, call);
                status = GrpcStatus.Ok;
            }
            catch (Exception ex)
            {
                status = runtime.Translate(ex, context);
                errorTrailers = (ex as GrpcStatusException)?.Trailers;
            }

            if (context.CancellationReason == CallCancellationReason.ClientAborted)
            {
                GrpcServerLog.ClientCancelled(runtime.Logger, context.Method);
                GrpcServerTracing.SetStatus(activity, new GrpcStatus(GrpcStatusCode.Cancelled, "The client cancelled the call."));
                return;
            }

            await context.FinishAsync(status, errorTrailers, includeHandlerTrailers: true);
        }
        finally
        {
            context.Dispose();
            if (context.CancellationReason == CallCancellationReason.ClientAborted)
            {
                GrpcServerTracing.SetStatus(activity, new GrpcStatus(GrpcStatusCode.Cancelled, "The client cancelled the call."));
            }

            activity?.Dispose();
        }
    }

    /// <summary>Reads the request and runs the handler; the task's outcome is the call's outcome.</summary>
    protected abstract Task StartCall(ServerCallContext context, object handler);

    /// <summary>Sends whatever a successful call still owes the client (the unary response).</summary>
    protected abstract void CompleteSuccessfulCall(ServerCallContext context, Task completedCall);

    /// <summary>
    /// The call was cancelled while the handler still runs: the client gets its status now (unless it is gone),
    /// and the request stays open until the handler returns, because the HttpContext must outlive it.
    /// </summary>
    private async Task EndCancelledCallAsync(ServerCallContext context, Task call)
    {
        var reason = context.CancellationReason;
        GrpcServerLog.CallEndedEarly(runtime.Logger, context.Method, reason);
        if (reason != CallCancellationReason.ClientAborted)
        {
            await context.FinishAsync(DefaultGrpcExceptionMapper.StatusFor(reason), errorTrailers: null, includeHandlerTrailers: false);
        }

        try
        {
            await call;
        }
        catch (Exception ex)
        {
            GrpcServerLog.HandlerFailedAfterCallEnded(runtime.Logger, context.Method, reason, ex);
        }
    }
}

internal sealed class UnaryServerMethodHandler<TRequest, TResponse>(
    MethodDescriptor method,
    Func<HttpContext, object> handlerFactory,
    GrpcServerRuntime runtime,
    Func<object, TRequest, ServerCallContext, Task<TResponse>> invoker)
    : ServerMethodHandler(method, handlerFactory, runtime, streaming: false)
    where TRequest : class, IMessage
    where TResponse : class, IMessage
{
    protected override Task StartCall(ServerCallContext context, object handler) => InvokeAsync(context, handler);

    protected override void CompleteSuccessfulCall(ServerCallContext context, Task completedCall) =>
        context.WriteUnaryResponse(((Task<TResponse>)completedCall).Result);

    private async Task<TResponse> InvokeAsync(ServerCallContext context, object handler)
    {
        var request = await context.ReadSingleMessageAsync<TRequest>(RequestParser);
        return await invoker(handler, request, context);
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(
    MethodDescriptor method,
    Func<HttpContext, object> handlerFactory,
    GrpcServerRuntime runtime,
    Func<object, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>? writerInvoker,
    Func<object, TRequest, ServerCallContext, IAsyncEnumerable<TResponse>>? enumerableInvoker)
    : ServerMethodHandler(method, handlerFactory, runtime, streaming: true)
    where TRequest : class, IMessage
    where TResponse : class, IMessage
{
    protected override Task StartCall(ServerCallContext context, object handler) => InvokeAsync(context, handler);

    protected override void CompleteSuccessfulCall(ServerCallContext context, Task completedCall)
    {
    }

    private async Task InvokeAsync(ServerCallContext context, object handler)
    {
        var request = await context.ReadSingleMessageAsync<TRequest>(RequestParser);
        var writer = new ServerStreamWriter<TResponse>(context);
        if (writerInvoker is not null)
        {
            await writerInvoker(handler, request, writer, context);
            return;
        }

        await foreach (var message in enumerableInvoker!(handler, request, context).WithCancellation(context.CancellationToken))
        {
            await writer.WriteAsync(message, context.CancellationToken);
        }
    }
}
