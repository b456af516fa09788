namespace OrderGrains.Host.Operations;

/// <summary>
/// Whether this host should receive traffic (<c>/healthz</c>): from the moment the silo's lifecycle reaches
/// <see cref="ServiceLifecycleStage.Active"/> with the membership oracle reporting it active, until the host begins to
/// stop. While starting or stopping, load balancers and scripts see 503.
/// </summary>
internal sealed class SiloReadiness(ISiloStatusOracle oracle, IHostApplicationLifetime lifetime) : ILifecycleParticipant<ISiloLifecycle>
{
    private volatile bool _active;

    public bool IsReady => _active && oracle.CurrentStatus == SiloStatus.Active && !lifetime.ApplicationStopping.IsCancellationRequested;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(SiloReadiness),
            ServiceLifecycleStage.Active,
            _ =>
            {
                _active = true;
                return Task.CompletedTask;
            },
            _ =>
            {
                // The Active stage is the first to stop: the host is not ready from the first moment of shutdown.
                _active = false;
                return Task.CompletedTask;
            });
}
