using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrderGrains.Runtime.Core;

namespace OrderGrains.Runtime.Serialization;

/// <summary>
/// The runtime's one serializer, for grain state and for call arguments and results (what a call to another silo
/// would carry). JSON: readable in the database, tolerant of added members, and built in.
/// </summary>
public sealed class GrainSerializer
{
    private readonly JsonSerializerOptions _options;
    private readonly GrainReferenceConverterFactory _references = new();

    public GrainSerializer()
    {
        _options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            IncludeFields = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };
        _options.Converters.Add(_references);
    }

    /// <summary>Serializes a value to UTF-8 JSON.</summary>
    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, _options);

    /// <summary>Serializes a value by its runtime type (stream event payloads).</summary>
    public byte[] SerializeBoxed(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), _options);
    }

    /// <summary>Deserializes UTF-8 JSON.</summary>
    public T Deserialize<T>(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize<T>(utf8, _options) ?? throw new JsonException($"Stored {typeof(T).Name} is JSON null.");

    /// <summary>A deep copy made by a serialization round trip, as a remote call would deliver it.</summary>
    public T Copy<T>(T value) => value is null ? value : JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value, _options), _options)!;

    internal object? CopyBoxed(object? value, Type declaredType) =>
        value is null ? null : JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(value, declaredType, _options), declaredType, _options);

    internal void Attach(GrainFactory factory) => _references.Bind(factory);

    /// <summary>
    /// Fails when <paramref name="type"/> cannot cross a silo boundary: delegates, tasks, streams, tokens, pointers,
    /// and open abstractions the serializer cannot rebuild. Checked for every grain method when the silo starts.
    /// </summary>
    public void EnsureSerializable(Type type, string usedAs) => Check(type, usedAs, []);

    private void Check(Type type, string usedAs, HashSet<Type> seen)
    {
        if (!seen.Add(type))
        {
            return;
        }

        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(decimal)
            || underlying == typeof(DateTime) || underlying == typeof(DateTimeOffset) || underlying == typeof(TimeSpan)
            || underlying == typeof(Guid) || underlying == typeof(DateOnly) || underlying == typeof(TimeOnly) || underlying == typeof(byte[]))
        {
            return;
        }

        if (typeof(IGrain).IsAssignableFrom(underlying) && underlying.IsInterface)
        {
            return;
        }

        if (typeof(Delegate).IsAssignableFrom(underlying) || typeof(Task).IsAssignableFrom(underlying) || typeof(Stream).IsAssignableFrom(underlying)
            || underlying == typeof(CancellationToken) || underlying.IsPointer || underlying == typeof(IntPtr) || underlying == typeof(object)
            || typeof(System.Reflection.MemberInfo).IsAssignableFrom(underlying))
        {
            throw new GrainDefinitionException($"{usedAs}: type {underlying.Name} cannot be serialized, so it cannot be passed between silos.");
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            throw new GrainDefinitionException($"{usedAs}: type {underlying.Name} cannot be serialized.");
        }

        if (underlying.IsArray)
        {
            Check(underlying.GetElementType()!, usedAs, seen);
            return;
        }

        if (typeof(IEnumerable).IsAssignableFrom(underlying))
        {
            if (underlying.IsInterface && !underlying.IsGenericType)
            {
                throw new GrainDefinitionException($"{usedAs}: non-generic collection {underlying.Name} cannot be deserialized; use a typed collection.");
            }

            foreach (var argument in underlying.GetGenericArguments())
            {
                Check(argument, usedAs, seen);
            }

            return;
        }

        if (underlying.IsInterface || underlying.IsAbstract)
        {
            throw new GrainDefinitionException($"{usedAs}: {underlying.Name} is abstract; the serializer cannot know which type to rebuild. Use a concrete record.");
        }

        // Surfaces missing constructors and unsupported members now rather than on the first remote call.
        _ = _options.GetTypeInfo(underlying);
        foreach (var property in underlying.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.GetMethod is not null)
            {
                Check(property.PropertyType, $"{usedAs} → {underlying.Name}.{property.Name}", seen);
            }
        }
    }

    /// <summary>Writes a grain reference as its id and interface, and reads it back as a live reference.</summary>
    private sealed class GrainReferenceConverterFactory : JsonConverterFactory
    {
        private GrainFactory? _factory;

        public void Bind(GrainFactory factory) => _factory = factory;

        public override bool CanConvert(Type typeToConvert) => typeToConvert.IsInterface && typeof(IGrain).IsAssignableFrom(typeToConvert);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert), this)!;

        private sealed class Converter<TGrain>(GrainReferenceConverterFactory owner) : JsonConverter<TGrain>
            where TGrain : class, IGrain
        {
            public override TGrain? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new JsonException("A grain reference is written as \"type/key\".");
                }

                var text = reader.GetString()!;
                var slash = text.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0)
                {
                    throw new JsonException($"'{text}' is not a grain reference (\"type/key\").");
                }

                var factory = owner._factory ?? throw new InvalidOperationException("Grain references can be read only inside a running silo.");
                return (TGrain)factory.GetGrain(typeToConvert, new GrainId(text[..slash], text[(slash + 1)..]));
            }

            public override void Write(Utf8JsonWriter writer, TGrain value, JsonSerializerOptions options) =>
                writer.WriteStringValue(((GrainReference)(object)value).GrainId.ToString());
        }
    }
}
