using OrderGrains.Runtime.Core;

namespace OrderGrains.Runtime;

/// <summary>
/// Base class of grain implementations. The runtime creates instances (never <c>new</c> one yourself), runs
/// one request at a time on them unless a method or class opts into interleaving, and deactivates them when idle.
/// </summary>
public abstract class Grain
{
    private readonly ActivationData _activation;

    protected Grain()
    {
        _activation = ActivationData.Constructing
            ?? throw new InvalidOperationException("Grains are created by the runtime: call IGrainFactory.GetGrain instead of constructing one.");
    }

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => _activation.GrainId;

    /// <summary>Factory for references to other grains (and to this one).</summary>
    protected IGrainFactory GrainFactory => _activation.Runtime.GrainFactory;

    internal ActivationData Activation => _activation;

    /// <summary>This grain's key.</summary>
    public string GetPrimaryKeyString() => _activation.GrainId.Key;

    /// <summary>Runs after persistent state is loaded and before the first request.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before the activation is dropped; not guaranteed on a crash.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Cancelled once this activation is asked to deactivate (idle, <see cref="DeactivateOnIdle"/>, silo shutdown).
    /// Deactivation waits for running requests, so a request that waits long, such as a long poll, should end when it
    /// fires instead of holding the deactivation up until the deactivation timeout drops it.
    /// </summary>
    protected CancellationToken DeactivationRequested => _activation.DeactivationRequested;

    /// <summary>Deactivates this activation once the current request completes.</summary>
    protected void DeactivateOnIdle() => _activation.RequestDeactivation(DeactivationReason.ApplicationRequested);

    /// <summary>Keeps this activation alive for at least <paramref name="period"/>, whatever the idle limit.</summary>
    protected void DelayDeactivation(TimeSpan period) => _activation.DelayDeactivation(period);

    /// <summary>
    /// Starts a timer bound to this activation. Ticks are delivered like requests (one at a time with the others unless
    /// <paramref name="interleave"/>), never overlap themselves, do not keep the activation alive, and stop with it.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave = false)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return _activation.RegisterTimer(callback, dueTime, period, interleave);
    }

    /// <summary>Registers or updates a durable reminder; this grain must implement <see cref="IRemindable"/>.</summary>
    protected Task<IGrainReminder> RegisterOrUpdateReminderAsync(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (this is not IRemindable)
        {
            throw new InvalidOperationException($"Grain {GrainId} registers a reminder but does not implement {nameof(IRemindable)}.");
        }

        return _activation.Runtime.Reminders.RegisterOrUpdateAsync(GrainId, reminderName, dueTime, period);
    }

    /// <summary>Removes a durable reminder of this grain; does nothing if it does not exist.</summary>
    protected Task UnregisterReminderAsync(string reminderName) =>
        _activation.Runtime.Reminders.UnregisterAsync(GrainId, reminderName);

    /// <summary>Finds a reminder of this grain by name.</summary>
    protected Task<IGrainReminder?> GetReminderAsync(string reminderName) =>
        Task.FromResult(_activation.Runtime.Reminders.Get(GrainId, reminderName));
}

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReason
{
    /// <summary>No requests arrived within the idle limit.</summary>
    Idle = 1,

    /// <summary>The grain asked for it.</summary>
    ApplicationRequested = 2,

    /// <summary>A state write conflicted; the next call reloads state in a fresh activation.</summary>
    InconsistentState = 3,

    /// <summary>The silo is shutting down.</summary>
    ShuttingDown = 4,

    /// <summary>Activation failed.</summary>
    ActivationFailed = 5,
}

/// <summary>A grain timer handle.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes when the timer next fires and its period.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}

/// <summary>Implemented by grains that receive durable reminders.</summary>
public interface IRemindable : IGrainWithStringKey
{
    /// <summary>A reminder of this grain is due.</summary>
    Task ReceiveReminderAsync(string reminderName, TickStatus status);
}

/// <summary>When a reminder tick was due and when it fired.</summary>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);

/// <summary>A registered reminder.</summary>
public interface IGrainReminder
{
    /// <summary>The reminder's name, unique per grain.</summary>
    string ReminderName { get; }

    /// <summary>Time between ticks.</summary>
    TimeSpan Period { get; }
}
