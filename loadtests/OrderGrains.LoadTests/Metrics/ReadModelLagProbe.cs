using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace OrderGrains.LoadTests.Metrics;

/// <summary>
/// Samples the read model's lag (<c>GET /admin/read-model</c>) once a second while a run drives the host, then measures
/// how long the projection takes to catch up once the run stops. Between two phases it waits until the host has worked
/// off what the first one left (<see cref="WaitForDrainAsync"/>). Only for the in-process host, whose admin token it knows.
/// </summary>
public sealed class ReadModelLagProbe : IAsyncDisposable
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(120);

    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private double _maxLagSeconds;
    private long _maxBacklog;
    private int _samples;

    private ReadModelLagProbe(Uri adminAddress, string token)
    {
        _http = new HttpClient { BaseAddress = adminAddress, Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _sampling = SampleAsync(_stop.Token);
    }

    /// <summary>Samples read so far.</summary>
    public int Samples => Volatile.Read(ref _samples);

    /// <summary>Starts sampling.</summary>
    public static ReadModelLagProbe Start(Uri adminAddress, string token) => new(adminAddress, token);

    /// <summary>Stops sampling, waits for the read model to catch up and prints what was seen.</summary>
    public async Task ReportAsync(TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        await _stop.CancelAsync();
        await _sampling;
        var (lagAtEnd, backlogAtEnd) = await ReadAsync(cancellationToken);
        var catchUp = Stopwatch.StartNew();
        var (lag, backlog) = (lagAtEnd, backlogAtEnd);
        while (backlog > 0 && catchUp.Elapsed < CatchUpLimit)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            (lag, backlog) = await ReadAsync(cancellationToken);
        }

        var caughtUp = backlog == 0
            ? $"caught up {catchUp.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s after the run"
            : $"still {backlog:N0} events ({lag:F1} s) behind after {CatchUpLimit.TotalSeconds:N0} s";
        log.WriteLine(
            $"read model: max lag {_maxLagSeconds:F1} s (max backlog {_maxBacklog:N0} events, {_samples:N0} samples, 1/s) during the run; " +
            $"lag {lagAtEnd:F1} s with {backlogAtEnd:N0} events behind when it ended; {caughtUp}");
    }

    /// <summary>
    /// Waits, up to <paramref name="limit"/>, until neither the read model's projection nor the ERP forwarding has events
    /// left to work off (the asynchronous work the last phase's orders left behind), polling every 100 ms.
    /// </summary>
    public async Task<DrainResult> WaitForDrainAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var (readModelAtStart, erpAtStart) = (-1L, -1L);
        while (true)
        {
            var (_, readModel) = await ReadAsync(cancellationToken);
            var erp = await ReadErpBacklogAsync(cancellationToken);
            if (readModelAtStart < 0)
            {
                (readModelAtStart, erpAtStart) = (readModel, erp);
            }

            if (readModel == 0 && erp == 0)
            {
                return new DrainResult(waited.Elapsed.TotalSeconds, readModelAtStart, erpAtStart, Drained: true);
            }

            if (waited.Elapsed >= limit)
            {
                return new DrainResult(waited.Elapsed.TotalSeconds, readModelAtStart, erpAtStart, Drained: false);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sampling;
        }
        finally
        {
            _stop.Dispose();
            _http.Dispose();
        }
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (lag, backlog) = await ReadAsync(cancellationToken);
                _maxLagSeconds = Math.Max(_maxLagSeconds, lag);
                _maxBacklog = Math.Max(_maxBacklog, backlog);
                Interlocked.Increment(ref _samples);
                await Task.Delay(SampleEvery, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // A busy host may miss a sample; the next one counts.
            }
        }
    }

    private async Task<(double LagSeconds, long Backlog)> ReadAsync(CancellationToken cancellationToken)
    {
        await using var stream = await _http.GetStreamAsync(new Uri("admin/read-model", UriKind.Relative), cancellationToken);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return (document.RootElement.GetProperty("lagSeconds").GetDouble(), document.RootElement.GetProperty("backlog").GetInt64());
    }

    private async Task<long> ReadErpBacklogAsync(CancellationToken cancellationToken)
    {
        await using var stream = await _http.GetStreamAsync(new Uri("admin/erp", UriKind.Relative), cancellationToken);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return document.RootElement.GetProperty("backlog").GetInt64();
    }
}

/// <summary>How long the wait for a drained host took, and the backlogs (events) it started from.</summary>
public sealed record DrainResult(double Seconds, long ReadModelBacklog, long ErpBacklog, bool Drained)
{
    public override string ToString() => Drained
        ? $"drained in {Seconds:F1} s (read model {ReadModelBacklog:N0}, ERP {ErpBacklog:N0} events behind when the phase ended)"
        : $"NOT drained after {Seconds:F0} s (read model {ReadModelBacklog:N0}, ERP {ErpBacklog:N0} events behind when the phase ended); the next phase starts anyway";
}
