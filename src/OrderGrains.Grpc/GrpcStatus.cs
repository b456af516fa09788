namespace OrderGrains.Grpc;

/// <summary>The outcome of a call: a status code and a human-readable detail (the <c>grpc-message</c>).</summary>
public readonly record struct GrpcStatus(GrpcStatusCode Code, string Detail)
{
    public static GrpcStatus Ok => new(GrpcStatusCode.OK, string.Empty);

    public override string ToString() => Detail.Length == 0 ? Code.ToString() : $"{Code}: {Detail}";
}
