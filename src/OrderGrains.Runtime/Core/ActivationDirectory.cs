using System.Collections.Concurrent;

namespace OrderGrains.Runtime.Core;

/// <summary>Maps grain ids to their single activation in this silo.</summary>
internal sealed class ActivationDirectory(GrainRuntime runtime)
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();

    public int Count => _activations.Count;

    public IEnumerable<ActivationData> All => _activations.Values;

    /// <summary>Returns the activation of <paramref name="grainId"/>, creating it when none exists; concurrent callers get the same one.</summary>
    public ActivationData GetOrCreate(GrainClassInfo classInfo, GrainId grainId)
    {
        var activation = _activations.GetOrAdd(grainId, static (id, state) => new ActivationData(state.runtime, state.classInfo, id), (runtime, classInfo));

        // One on its way out removes itself when done; until then callers wait on its Deactivated task and re-route.
        if (activation.IsUsable)
        {
            activation.EnsureActivating();
        }

        return activation;
    }

    public bool TryGet(GrainId grainId, out ActivationData? activation) => _activations.TryGetValue(grainId, out activation);

    public void Remove(ActivationData activation)
    {
        if (_activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation)))
        {
            activation.ClassInfo.Retire(activation.Calls);
        }
    }
}
