namespace OrderGrains.Grpc.Server;

/// <summary>Why a call's <see cref="ServerCallContext.CancellationToken"/> fired; the first cause wins.</summary>
public enum CallCancellationReason
{
    None = 0,
    DeadlineExceeded = 1,
    ClientAborted = 2,
    ServerShuttingDown = 3,
}
