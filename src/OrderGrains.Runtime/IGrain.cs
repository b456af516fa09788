namespace OrderGrains.Runtime;

/// <summary>Marker for grain interfaces. Every method returns <see cref="Task"/>, <see cref="Task{TResult}"/>, or their ValueTask forms.</summary>
public interface IGrain
{
}

/// <summary>A grain identified by a string key, like Orleans' <c>IGrainWithStringKey</c>.</summary>
public interface IGrainWithStringKey : IGrain
{
}

/// <summary>Hands out references to grains. References are cheap, location-transparent and safe to share.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of interface <typeparamref name="TGrainInterface"/> with key <paramref name="key"/>.</summary>
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}

/// <summary>Identity of a grain: its grain type name and its key. Stable across restarts; storage keys derive from it.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";
}
