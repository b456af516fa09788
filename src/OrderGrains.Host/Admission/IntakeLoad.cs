using OrderGrains.Storage;

namespace OrderGrains.Host.Admission;

/// <summary>The node is busy while <see cref="AdmissionControl.IsBusy"/>: many calls in flight, or had been a moment ago.</summary>
public sealed class IntakeLoad(AdmissionControl admission) : IForegroundLoad
{
    public bool IsBusy => admission.IsBusy;
}
