using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace OrderGrains.Storage;

/// <summary>Names and formats shared by everything that reads or writes OrderGrains' grain storage.</summary>
public static class OrderGrainsStorage
{
    /// <summary>The storage provider name grains use: <c>[PersistentState("order", OrderGrainsStorage.Name)]</c>.</summary>
    public const string Name = "ordergrains";

    /// <summary>
    /// The JSON of grain state and outbox event payloads. These are the options the home-made runtime stored with
    /// (property names as declared, strict numbers, public properties only), so its data keeps opening.
    /// </summary>
    public static JsonSerializerOptions SerializerOptions { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            IncludeFields = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.MakeReadOnly();
        return options;
    }
}
