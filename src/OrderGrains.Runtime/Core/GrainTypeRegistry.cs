using System.Collections.Frozen;
using System.Reflection;
using OrderGrains.Runtime.Serialization;

namespace OrderGrains.Runtime.Core;

/// <summary>A grain class: its type name, the interfaces it serves, and its callable methods.</summary>
internal sealed class GrainClassInfo
{
    private long _retiredCalls;

    public GrainClassInfo(Type grainClass, string typeName, bool reentrant, TimeSpan? idleTimeout, FrozenDictionary<MethodInfo, MethodDescriptor> methods)
    {
        GrainClass = grainClass;
        TypeName = typeName;
        Reentrant = reentrant;
        IdleTimeout = idleTimeout;
        Methods = methods;
    }

    public Type GrainClass { get; }

    public string TypeName { get; }

    public bool Reentrant { get; }

    public TimeSpan? IdleTimeout { get; }

    /// <summary>Keyed by interface method.</summary>
    public FrozenDictionary<MethodInfo, MethodDescriptor> Methods { get; }

    /// <summary>Calls received by activations of this class that are gone; the live ones hold their own counts.</summary>
    public long RetiredCalls => Interlocked.Read(ref _retiredCalls);

    public void Retire(long calls) => Interlocked.Add(ref _retiredCalls, calls);
}

/// <summary>Finds grain classes, checks the runtime's rules on them, and maps interfaces to implementations.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly FrozenDictionary<Type, GrainClassInfo> _byInterface;
    private readonly FrozenDictionary<string, GrainClassInfo> _byTypeName;

    public GrainTypeRegistry(IEnumerable<Type> grainClasses, GrainSerializer serializer)
    {
        var byInterface = new Dictionary<Type, GrainClassInfo>();
        var byTypeName = new Dictionary<string, GrainClassInfo>(StringComparer.Ordinal);
        foreach (var grainClass in grainClasses.Distinct())
        {
            var info = Describe(grainClass, serializer);
            if (!byTypeName.TryAdd(info.TypeName, info))
            {
                throw new GrainDefinitionException($"Grain classes {byTypeName[info.TypeName].GrainClass.FullName} and {grainClass.FullName} share the grain type name '{info.TypeName}'; give one a [GrainType] name.");
            }

            foreach (var grainInterface in GrainInterfacesOf(grainClass))
            {
                // System interfaces many classes share; callers reach them by grain id, never by interface alone.
                if (grainInterface == typeof(IRemindable) || grainInterface == typeof(Streams.IStreamConsumerGrain))
                {
                    continue;
                }

                if (byInterface.TryGetValue(grainInterface, out var existing))
                {
                    throw new GrainDefinitionException($"Grain interface {grainInterface.FullName} is implemented by both {existing.GrainClass.FullName} and {grainClass.FullName}; a grain interface needs exactly one implementation.");
                }

                byInterface[grainInterface] = info;
            }
        }

        _byInterface = byInterface.ToFrozenDictionary();
        _byTypeName = byTypeName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<GrainClassInfo> Classes => _byTypeName.Values;

    public GrainClassInfo ForInterface(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var info)
            ? info
            : throw new ArgumentException($"No grain class implements {grainInterface.FullName}; register its assembly with AddGrains.", nameof(grainInterface));

    public GrainClassInfo ForTypeName(string typeName) =>
        _byTypeName.TryGetValue(typeName, out var info)
            ? info
            : throw new ArgumentException($"No grain class has the grain type name '{typeName}'.", nameof(typeName));

    public static bool IsGrainClass(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && type.IsSubclassOf(typeof(Grain)) && GrainInterfacesOf(type).Any();

    private static IEnumerable<Type> GrainInterfacesOf(Type grainClass) =>
        grainClass.GetInterfaces().Where(i => typeof(IGrainWithStringKey).IsAssignableFrom(i) && i != typeof(IGrainWithStringKey));

    private static GrainClassInfo Describe(Type grainClass, GrainSerializer serializer)
    {
        var typeName = grainClass.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultTypeName(grainClass);
        var reentrant = grainClass.GetCustomAttribute<ReentrantAttribute>() is not null;
        var idle = grainClass.GetCustomAttribute<CollectionAgeLimitAttribute>()?.Age;
        var methods = new Dictionary<MethodInfo, MethodDescriptor>();
        foreach (var grainInterface in GrainInterfacesOf(grainClass))
        {
            var map = grainClass.GetInterfaceMap(grainInterface);
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                var interfaceMethod = map.InterfaceMethods[i];
                var implementation = map.TargetMethods[i];
                var displayName = $"{grainInterface.Name}.{interfaceMethod.Name}";
                var (shape, resultType) = ShapeOf(interfaceMethod, displayName);
                foreach (var parameter in interfaceMethod.GetParameters())
                {
                    if (parameter.ParameterType.IsByRef)
                    {
                        throw new GrainDefinitionException($"{displayName}: parameter '{parameter.Name}' is passed by reference; grain calls pass values only.");
                    }

                    serializer.EnsureSerializable(parameter.ParameterType, $"{displayName} parameter '{parameter.Name}'");
                }

                if (resultType != typeof(object))
                {
                    serializer.EnsureSerializable(resultType, $"{displayName} result");
                }

                var kind = reentrant || Has<AlwaysInterleaveAttribute>(interfaceMethod, implementation)
                    ? RequestKind.Interleave
                    : Has<ReadOnlyAttribute>(interfaceMethod, implementation) ? RequestKind.ReadOnly : RequestKind.Exclusive;
                var descriptor = new MethodDescriptor(interfaceMethod, displayName, kind, MethodDescriptor.CompileInvoker(grainClass, implementation, shape), resultType, shape);
                RequestFactory.Bind(descriptor);
                methods[interfaceMethod] = descriptor;
            }
        }

        return new GrainClassInfo(grainClass, typeName, reentrant, idle, methods.ToFrozenDictionary());
    }

    private static bool Has<TAttribute>(MethodInfo interfaceMethod, MethodInfo implementation)
        where TAttribute : Attribute =>
        interfaceMethod.GetCustomAttribute<TAttribute>() is not null || implementation.GetCustomAttribute<TAttribute>() is not null;

    private static (ReturnShape Shape, Type ResultType) ShapeOf(MethodInfo method, string displayName)
    {
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            return (ReturnShape.Task, typeof(object));
        }

        if (returnType == typeof(ValueTask))
        {
            return (ReturnShape.ValueTask, typeof(object));
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return (ReturnShape.TaskOfT, returnType.GetGenericArguments()[0]);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return (ReturnShape.ValueTaskOfT, returnType.GetGenericArguments()[0]);
        }

        throw new GrainDefinitionException($"{displayName} returns {returnType.Name}; grain methods return Task, Task<T>, ValueTask or ValueTask<T>.");
    }

    private static string DefaultTypeName(Type grainClass)
    {
        var name = grainClass.Name;
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }

        return name.ToLowerInvariant();
    }
}
