namespace OrderGrains.Abstractions;

/// <summary>
/// What one silo tells operators about its own work: PlaceOrder calls it answered per second over its last
/// measurement window (every outcome, failures included) and since it started.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SiloReport")]
public sealed record SiloReport([property: Id(0)] double OrdersPerSecond, [property: Id(1)] long OrdersAnswered);

/// <summary>
/// One per silo (an Orleans grain service): any silo asks every other one for its <see cref="SiloReport"/>, so the
/// admin API and the dashboard of any silo show the whole cluster.
/// </summary>
public interface ISiloReportService : Orleans.Services.IGrainService
{
    /// <summary>This silo's figures, read from memory.</summary>
    Task<SiloReport> GetReportAsync();
}
