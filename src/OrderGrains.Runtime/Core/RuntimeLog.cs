using Microsoft.Extensions.Logging;

namespace OrderGrains.Runtime.Core;

/// <summary>The runtime's log messages, source-generated.</summary>
internal sealed partial class RuntimeLog(ILogger logger)
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Activation of grain {GrainId} failed")]
    public partial void ActivationFailed(Exception exception, GrainId grainId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "OnDeactivateAsync of grain {GrainId} failed")]
    public partial void DeactivationFailed(Exception exception, GrainId grainId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Deactivated grain {GrainId} ({Reason})")]
    public partial void Deactivated(GrainId grainId, DeactivationReason reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Timer tick of grain {GrainId} failed")]
    public partial void TimerFailed(Exception exception, GrainId grainId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Reminder {ReminderName} of grain {GrainId} failed")]
    public partial void ReminderFailed(Exception exception, string reminderName, GrainId grainId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Grain {GrainId} did not finish its running requests within the deactivation timeout; dropped")]
    public partial void ForcedDeactivation(GrainId grainId);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Delivering stream {Namespace} partition {Partition} to {ConsumerType} failed; the batch will be delivered again")]
    public partial void StreamDeliveryFailed(Exception exception, string @namespace, int partition, string consumerType);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Silo started with {GrainClasses} grain classes")]
    public partial void SiloStarted(int grainClasses);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Silo stopped; {Activations} activations deactivated")]
    public partial void SiloStopped(int activations);
}
