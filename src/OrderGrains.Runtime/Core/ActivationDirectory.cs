using System.Collections.Concurrent;

namespace OrderGrains.Runtime.Core;

/// <summary>Maps grain ids to their single activation in this silo.</summary>
internal sealed class ActivationDirectory(GrainRuntime runtime)
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();

    public int Count => _activations.Count;

    /// <summary>
    /// Every activation, enumerated without locks or a copy (<c>Values</c> would take every bucket lock, stalling
    /// activations, and copy 100,000 entries each time the statistics sample).
    /// </summary>
    public IEnumerable<ActivationData> All
    {
        get
        {
            foreach (var entry in _activations)
            {
                yield return entry.Value;
            }
        }
    }

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
