namespace OrderGrains.Grains;

/// <summary>
/// Tells grains that the silo has begun to stop, before Orleans deactivates them. Orleans deactivates an activation
/// only once its running requests have finished, so a request that waits long (the order's watch long poll) ends on
/// <see cref="Stopping"/> instead of holding the silo's stop up until it times out.
/// </summary>
public sealed class SiloShutdown : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the silo's stop reaches the last stage it started (the first it stops).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(
            nameof(SiloShutdown),
            ServiceLifecycleStage.Active,
            _ => Task.CompletedTask,
            _ =>
            {
                _stopping.Cancel();
                return Task.CompletedTask;
            });
    }

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();
}
