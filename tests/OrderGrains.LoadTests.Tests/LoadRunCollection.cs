namespace OrderGrains.LoadTests.Tests;

/// <summary>
/// The whole-run tests (a flash sale with its baseline, a failover with two host processes) each load the machine on
/// their own; in one collection xUnit runs them one after the other instead of at once.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LoadRunCollection
{
    public const string Name = "load runs";
}
