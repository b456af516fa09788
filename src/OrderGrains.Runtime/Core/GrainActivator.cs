using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Runtime.Serialization;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Runtime.Core;

/// <summary>
/// Constructs grain instances: services from DI, and <see cref="IPersistentState{TState}"/> parameters bound to
/// storage by their <see cref="PersistentStateAttribute"/>.
/// </summary>
internal sealed class GrainActivator(IServiceProvider services, GrainSerializer serializer)
{
    private static readonly MethodInfo CreateStateMethod = typeof(GrainActivator).GetMethod(nameof(CreateState), BindingFlags.NonPublic | BindingFlags.Static)!;
    private readonly ConcurrentDictionary<Type, Func<ActivationData, Grain>> _factories = new();

    public Grain Create(ActivationData activation) =>
        _factories.GetOrAdd(activation.ClassInfo.GrainClass, Compile)(activation);

    /// <summary>Checks at silo start that every grain class can be constructed, so a wiring mistake fails fast.</summary>
    public void Validate(GrainClassInfo classInfo) => _factories.GetOrAdd(classInfo.GrainClass, Compile);

    private Func<ActivationData, Grain> Compile(Type grainClass)
    {
        var constructors = grainClass.GetConstructors();
        if (constructors.Length != 1)
        {
            throw new GrainDefinitionException($"Grain class {grainClass.FullName} must have exactly one public constructor (it has {constructors.Length}).");
        }

        var constructor = constructors[0];
        var resolvers = constructor.GetParameters().Select(p => ResolverFor(grainClass, p)).ToArray();
        return activation =>
        {
            var arguments = new object?[resolvers.Length];
            for (var i = 0; i < resolvers.Length; i++)
            {
                arguments[i] = resolvers[i](activation);
            }

            return (Grain)constructor.Invoke(arguments);
        };
    }

    private Func<ActivationData, object?> ResolverFor(Type grainClass, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        var stateAttribute = parameter.GetCustomAttribute<PersistentStateAttribute>();
        if (stateAttribute is not null)
        {
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new GrainDefinitionException($"{grainClass.Name} parameter '{parameter.Name}' has [PersistentState] but is not an IPersistentState<T>.");
            }

            var storage = stateAttribute.StorageName is null
                ? services.GetService<IGrainStorage>()
                : services.GetKeyedService<IGrainStorage>(stateAttribute.StorageName);
            if (storage is null)
            {
                var which = stateAttribute.StorageName is null ? "a default IGrainStorage" : $"an IGrainStorage keyed '{stateAttribute.StorageName}'";
                throw new GrainDefinitionException($"{grainClass.Name} needs {which} for state '{stateAttribute.StateName}', but none is registered.");
            }

            var stateType = type.GetGenericArguments()[0];
            serializer.EnsureSerializable(stateType, $"{grainClass.Name} state '{stateAttribute.StateName}'");
            var create = CreateStateMethod.MakeGenericMethod(stateType).CreateDelegate<Func<ActivationData, IGrainStorage, GrainSerializer, string, object>>();
            var stateName = stateAttribute.StateName;
            return activation => create(activation, storage, serializer, stateName);
        }

        if (services.GetService(type) is null && !parameter.HasDefaultValue)
        {
            throw new GrainDefinitionException($"{grainClass.Name} parameter '{parameter.Name}' of type {type.Name} is not a registered service.");
        }

        return _ => services.GetService(type) ?? parameter.DefaultValue;
    }

    private static object CreateState<TState>(ActivationData activation, IGrainStorage storage, GrainSerializer serializer, string stateName)
        where TState : class, new()
    {
        var state = new PersistentState<TState>(storage, serializer, new GrainStateKey(activation.GrainId.Type, activation.GrainId.Key, stateName), activation);
        activation.AddState(state);
        return state;
    }
}
