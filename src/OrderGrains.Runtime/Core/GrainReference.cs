using System.Collections.Concurrent;
using System.Reflection;

namespace OrderGrains.Runtime.Core;

/// <summary>
/// The object behind every grain interface reference: a proxy that turns interface calls into grain requests.
/// Equal when they name the same grain.
/// </summary>
public class GrainReference : DispatchProxy
{
    internal GrainRuntime Runtime { get; set; } = null!;

    internal GrainClassInfo ClassInfo { get; set; } = null!;

    /// <summary>The grain this reference names.</summary>
    public GrainId GrainId { get; internal set; }

    /// <summary>The grain interface this reference implements.</summary>
    public Type InterfaceType { get; internal set; } = null!;

    // Spares the directory lookup on repeated calls; re-resolved when the activation goes away.
    internal ActivationData? CachedActivation { get; set; }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is GrainReference other && other.GrainId == GrainId;

    /// <inheritdoc />
    public override int GetHashCode() => GrainId.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => GrainId.ToString();

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod is null || !ClassInfo.Methods.TryGetValue(targetMethod, out var method))
        {
            throw new NotSupportedException($"{targetMethod?.Name} is not a grain method of {InterfaceType.Name}.");
        }

        return Runtime.Invoke(this, method, args ?? []);
    }
}

/// <summary>Creates references; one compiled proxy constructor per interface.</summary>
internal sealed class GrainFactory(GrainRuntime runtime) : IGrainFactory
{
    private static readonly MethodInfo CreateProxy = typeof(DispatchProxy).GetMethod(nameof(DispatchProxy.Create), 2, Type.EmptyTypes)!;
    private readonly ConcurrentDictionary<Type, Func<object>> _proxyFactories = new();

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var classInfo = runtime.Registry.ForInterface(typeof(TGrainInterface));
        return (TGrainInterface)Create(typeof(TGrainInterface), classInfo, new GrainId(classInfo.TypeName, key));
    }

    /// <summary>A reference of interface <paramref name="grainInterface"/> to a grain known by id (reminders, deserialized references).</summary>
    public object GetGrain(Type grainInterface, GrainId grainId) =>
        Create(grainInterface, runtime.Registry.ForTypeName(grainId.Type), grainId);

    private object Create(Type grainInterface, GrainClassInfo classInfo, GrainId grainId)
    {
        var factory = _proxyFactories.GetOrAdd(grainInterface, static type =>
            CreateProxy.MakeGenericMethod(type, typeof(GrainReference)).CreateDelegate<Func<object>>());
        var proxy = factory();
        var reference = (GrainReference)proxy;
        reference.Runtime = runtime;
        reference.ClassInfo = classInfo;
        reference.GrainId = grainId;
        reference.InterfaceType = grainInterface;
        return proxy;
    }
}
