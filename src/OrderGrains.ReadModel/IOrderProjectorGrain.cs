using Orleans.Concurrency;

namespace OrderGrains.ReadModel;

/// <summary>Projects one partition of the order stream into the read model (key = partition number).</summary>
public interface IOrderProjectorGrain : IGrainWithStringKey
{
    /// <summary>Activates the projector: it then pulls its partition while active, starting at once.</summary>
    Task WakeAsync();

    /// <summary>Replays the partition from its first event (the table was created anew); the checkpoint goes back to 0.</summary>
    /// <remarks>Interleaves with a pull, which notices the request before its next step.</remarks>
    [AlwaysInterleave]
    Task ReplayAsync();
}
