using Grpc.AspNetCore.Server.Model;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// The gRPC server stack of the host: Grpc.AspNetCore with our settings, the one error interceptor, small replies
/// left uncompressed, and server reflection. The wire tests build their echo server with this same call, so they
/// test what the host runs.
/// </summary>
public static class GrpcServerWiring
{
    public static IServiceCollection AddOrderGrainsGrpc(this IServiceCollection services, GrpcSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // A singleton, not activated per call: the interceptor holds no per-call state.
        services.AddSingleton<GrpcErrorInterceptor>();
        services.AddSingleton<SmallReplyCompression>();
        services.AddGrpc(options =>
        {
            settings.ApplyTo(options);
            options.Interceptors.Add<GrpcErrorInterceptor>();
            if (settings.CompressResponses)
            {
                options.Interceptors.Add<SmallReplyCompression>();
            }
        });
        // After Grpc.AspNetCore's own setup, which adds the default gzip and deflate providers when none are set.
        services.PostConfigure<global::Grpc.AspNetCore.Server.GrpcServiceOptions>(options => CheckedCompressionProvider.WrapAll(options.CompressionProviders));
        services.AddGrpcReflection();

        // In place of Grpc.AspNetCore's own binder (the only method provider it registers), so that undecodable
        // requests end INTERNAL like in other gRPC servers; see ParseFailureMethodProvider.
        var binder = services.Single(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true);
        services.Remove(binder);
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(ParseFailureMethodProvider<>));
        return services;
    }
}
