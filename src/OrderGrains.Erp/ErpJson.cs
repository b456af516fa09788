using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderGrains.Erp;

/// <summary>The wire format of the ERP API: snake_case JSON, generated at compile time so no reflection is needed.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JournalEntryRequest))]
[JsonSerializable(typeof(JournalEntry))]
[JsonSerializable(typeof(JournalEntryList))]
[JsonSerializable(typeof(TrialBalance))]
[JsonSerializable(typeof(ErpProblem))]
public sealed partial class ErpJsonContext : JsonSerializerContext;

/// <summary>An RFC 9457 problem document, the body of every ERP error response.</summary>
/// <param name="Type">A URI naming the kind of problem, or about:blank.</param>
/// <param name="Title">Short summary of the status.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">The reason, for people and logs.</param>
public sealed record ErpProblem(string Type, string Title, int Status, string Detail);
