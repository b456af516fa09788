using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrderGrains.Host.Operations;
using OrderGrains.Storage;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// Healthy while the silo runs and storage answers a read; unhealthy once the host begins to stop, so the standard
/// gRPC health service (grpc.health.v1) says NOT_SERVING and a load balancer drains this node first.
/// </summary>
internal sealed class SiloHealthCheck(SiloReadiness silo, HostStorage storage, IHostApplicationLifetime lifetime) : IHealthCheck
{
    private static readonly GrainStateKey Probe = new("health", "probe", "state");
    private static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The host is shutting down.");
        }

        if (!silo.IsReady)
        {
            return HealthCheckResult.Unhealthy("The silo is starting or stopping.");
        }

        try
        {
            // A read of a key that is never written: a round trip to the store that changes nothing.
            await storage.Store.ReadAsync(Probe, cancellationToken).WaitAsync(StorageTimeout, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("Storage does not answer: " + exception.Message, exception);
        }
    }
}
