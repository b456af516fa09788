namespace OrderGrains.Runtime.Core;

/// <summary>
/// The activations a call passed through (innermost first). A request whose chain already contains its target
/// is a call back into a waiting caller (A → B → A); it runs interleaved instead of deadlocking.
/// </summary>
internal sealed class CallChain(ActivationData activation, CallChain? parent)
{
    private static readonly AsyncLocal<CallChain?> CurrentChain = new();

    public static CallChain? Current
    {
        get => CurrentChain.Value;
        set => CurrentChain.Value = value;
    }

    public ActivationData Activation { get; } = activation;

    public CallChain? Parent { get; } = parent;

    public static bool Contains(CallChain? chain, ActivationData activation)
    {
        for (var link = chain; link is not null; link = link.Parent)
        {
            if (ReferenceEquals(link.Activation, activation))
            {
                return true;
            }
        }

        return false;
    }
}
