namespace OrderGrains.Runtime;

/// <summary>Settings of a silo. Defaults follow Orleans where Orleans has one.</summary>
public sealed class SiloOptions
{
    /// <summary>A call that has not completed after this long fails with <see cref="TimeoutException"/>.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Idle activations older than this are deactivated (per class: <see cref="CollectionAgeLimitAttribute"/>).</summary>
    public TimeSpan DefaultIdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the idle collector looks for idle activations.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests that may wait in one activation's queue before callers get <see cref="GrainOverloadedException"/>.</summary>
    public int MaxQueuedRequestsPerActivation { get; set; } = 20_000;

    /// <summary>How long <see cref="Grain.OnDeactivateAsync"/> may take at shutdown or collection.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Shortest allowed reminder period (Orleans: one minute; tests lower it).</summary>
    public TimeSpan MinimumReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Pass every argument and result through the runtime serializer, as a call to another silo would.
    /// Tests turn it on to prove calls are serializable; production keeps references (types are immutable records).
    /// </summary>
    public bool SerializeCallArguments { get; set; }
}
