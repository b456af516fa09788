using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Services;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Where a silo's own figures come from: the host's intake statistics.</summary>
public interface ISiloReportSource
{
    /// <summary>The figures as of now.</summary>
    SiloReport Report();
}

/// <summary>This silo's end of <see cref="ISiloReportService"/>: answers from the host's <see cref="ISiloReportSource"/>.</summary>
[Reentrant]
public sealed class SiloReportService(GrainId id, Silo silo, ILoggerFactory loggerFactory, ISiloReportSource source)
    : GrainService(id, silo, loggerFactory), ISiloReportService
{
    public Task<SiloReport> GetReportAsync() => Task.FromResult(source.Report());
}

/// <summary>Asks one silo's <see cref="ISiloReportService"/>.</summary>
public sealed class SiloReports(IServiceProvider services) : GrainServiceClient<ISiloReportService>(services)
{
    public Task<SiloReport> GetAsync(SiloAddress silo) => GetGrainService(silo).GetReportAsync();
}
