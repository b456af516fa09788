namespace OrderGrains.Runtime;

/// <summary>
/// The method only reads state: it may run interleaved with other read-only requests of the same activation.
/// It still never runs at the same time as a request that may write.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute
{
}

/// <summary>The method may interleave with any request of the activation (at await points; never in parallel).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute
{
}

/// <summary>All requests of this grain class may interleave at await points. Turns still run one at a time.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ReentrantAttribute : Attribute
{
}

/// <summary>Names the grain type (the first half of a <see cref="GrainId"/> and of storage keys). Defaults to the class name without "Grain", lower-cased.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>How long an activation of this class may stay idle before it is deactivated (overrides the silo default).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CollectionAgeLimitAttribute : Attribute
{
    public double Minutes { get; init; }

    public double Seconds { get; init; }

    internal TimeSpan Age => TimeSpan.FromMinutes(Minutes) + TimeSpan.FromSeconds(Seconds);
}

/// <summary>
/// Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/>: the runtime binds it to the
/// state named <paramref name="stateName"/> of this grain in storage <paramref name="storageName"/> (the default
/// provider when null) and loads it before <see cref="Grain.OnActivateAsync"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    public string StateName { get; } = stateName;

    public string? StorageName { get; } = storageName;
}
