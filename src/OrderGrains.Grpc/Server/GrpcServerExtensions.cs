using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProtoServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace OrderGrains.Grpc.Server;

/// <summary>Registers the gRPC server and maps services described by protobuf descriptors.</summary>
public static class GrpcServerExtensions
{
    private const string CatchAllParameter = "grpcUnknownMethod";

    /// <summary>Adds the gRPC server's services; call once, before <c>MapGrpcService</c>.</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddRouting();
        services.TryAddSingleton<DefaultGrpcExceptionMapper>();
        services.TryAddSingleton<GrpcServerRuntime>();
        return services;
    }

    /// <summary>Adds a mapper from (domain) exceptions to statuses; mappers are asked in registration order.</summary>
    public static IServiceCollection AddGrpcExceptionMapper<TMapper>(this IServiceCollection services)
        where TMapper : class, IGrpcExceptionMapper
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IGrpcExceptionMapper, TMapper>());
        return services;
    }

    /// <summary>
    /// Maps every RPC of <paramref name="service"/> to the method of <paramref name="handler"/> named after it
    /// (see <see cref="GrpcServiceBinder"/> for the signatures). Throws at start-up if an RPC has no handler method.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, ProtoServiceDescriptor service, object handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return MapGrpcService(endpoints, service, handler.GetType(), _ => handler);
    }

    /// <summary>As the other overload, with the handler resolved from the request's services on each call.</summary>
    public static IEndpointConventionBuilder MapGrpcService<THandler>(this IEndpointRouteBuilder endpoints, ProtoServiceDescriptor service)
        where THandler : class =>
        MapGrpcService(endpoints, service, typeof(THandler), static http => http.RequestServices.GetRequiredService<THandler>());

    private static IEndpointConventionBuilder MapGrpcService(
        IEndpointRouteBuilder endpoints, ProtoServiceDescriptor service, Type handlerType, Func<HttpContext, object> handlerFactory)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        var runtime = endpoints.ServiceProvider.GetService<GrpcServerRuntime>()
            ?? throw new InvalidOperationException("The gRPC server is not registered: call services.AddGrpcServer() before MapGrpcService.");

        var handlers = GrpcServiceBinder.Bind(service, handlerType, handlerFactory, runtime);
        runtime.RegisterService(endpoints, service.FullName);

        var builders = new List<IEndpointConventionBuilder>(handlers.Count);
        foreach (var methodHandler in handlers)
        {
            var method = methodHandler.Method;
            var builder = endpoints.MapPost($"/{method.Service.FullName}/{method.Name}", new RequestDelegate(methodHandler.HandleCallAsync))
                .WithDisplayName($"gRPC {method.FullName}")
                .WithMetadata(method);
            builders.Add(builder);
        }

        if (runtime.TryClaimCatchAll(endpoints))
        {
            MapUnimplemented(endpoints);
        }

        return new CompositeEndpointConventionBuilder(builders);
    }

    /// <summary>
    /// Answers gRPC requests for services or methods nobody mapped with UNIMPLEMENTED instead of HTTP 404, which
    /// gRPC clients would report as an opaque transport error. Matches only gRPC content types, after every other route.
    /// </summary>
    private static void MapUnimplemented(IEndpointRouteBuilder endpoints)
    {
        var pattern = RoutePatternFactory.Parse(
            "/{**" + CatchAllParameter + "}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { [CatchAllParameter] = new GrpcContentTypeRouteConstraint() });
        endpoints.Map(pattern, RespondUnimplementedAsync)
            .WithDisplayName("gRPC unimplemented")
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Post]))
            .Add(builder => ((RouteEndpointBuilder)builder).Order = int.MaxValue - 1);
    }

    private static Task RespondUnimplementedAsync(HttpContext httpContext)
    {
        var path = httpContext.Request.Path.Value ?? string.Empty;
        var slash = path.LastIndexOf('/');
        var detail = slash > 0
            ? $"Method '{path[(slash + 1)..]}' of service '{path[1..slash]}' is not implemented."
            : $"Path '{path}' names no gRPC method.";
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = "12";
        response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(detail);
        return response.CompleteAsync();
    }

    private sealed class GrpcContentTypeRouteConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            routeDirection == RouteDirection.IncomingRequest && GrpcProtocol.IsGrpcContentType(httpContext?.Request.ContentType);
    }

    private sealed class CompositeEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
