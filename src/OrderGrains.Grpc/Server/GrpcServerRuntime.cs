using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderGrains.Grpc.Server;

/// <summary>Server-wide state shared by every bound method: options, exception mapping, shutdown signal.</summary>
internal sealed class GrpcServerRuntime(
    IOptions<GrpcServerOptions> options,
    IEnumerable<IGrpcExceptionMapper> mappers,
    DefaultGrpcExceptionMapper defaultMapper,
    IHostApplicationLifetime lifetime,
    ILogger<GrpcServerRuntime> logger)
{
    private readonly IGrpcExceptionMapper[] _mappers = mappers.ToArray();
    private readonly HashSet<(IEndpointRouteBuilder Endpoints, string Service)> _mappedServices = [];
    private readonly HashSet<IEndpointRouteBuilder> _catchAllMapped = [];

    public GrpcServerOptions Options { get; } = options.Value;

    public ILogger Logger => logger;

    public CancellationToken ServerStopping => lifetime.ApplicationStopping;

    public GrpcStatus Translate(Exception exception, ServerCallContext context)
    {
        if (DefaultGrpcExceptionMapper.TryMapProtocol(exception, context) is { } protocolStatus)
        {
            return protocolStatus;
        }

        foreach (var mapper in _mappers)
        {
            GrpcStatus? status;
            try
            {
                status = mapper.TryMap(exception, context);
            }
            catch (Exception mapperException)
            {
                GrpcServerLog.MapperFailed(logger, mapper.GetType().Name, context.Method, mapperException);
                break;
            }

            if (status is { } mapped)
            {
                return mapped;
            }
        }

        return defaultMapper.Map(exception, context);
    }

    public void RegisterService(IEndpointRouteBuilder endpoints, string serviceName)
    {
        lock (_mappedServices)
        {
            if (!_mappedServices.Add((endpoints, serviceName)))
            {
                throw new InvalidOperationException($"gRPC service {serviceName} is mapped twice; map each service once.");
            }
        }
    }

    public bool TryClaimCatchAll(IEndpointRouteBuilder endpoints)
    {
        lock (_catchAllMapped)
        {
            return _catchAllMapped.Add(endpoints);
        }
    }
}
