using System.Diagnostics;
using OrderGrains.LoadTests.Reporting;
using OrderGrains.LoadTests.Targets;

namespace OrderGrains.LoadTests.Cluster;

/// <summary>
/// The failover scenario's clock: when the measured phase starts it schedules the SIGKILL of one silo at the chosen
/// second, then polls a survivor's <c>/admin/cluster</c> until the killed silo is listed dead (detection time). It also
/// reads every silo's CPU time at the phase's start, at the kill and at the end, for the cost per order.
/// </summary>
public sealed class FailoverMonitor
{
    /// <summary>How long the survivors get to declare the killed silo dead before the run says they did not.</summary>
    public static readonly TimeSpan DetectionLimit = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan HotLookupLead = TimeSpan.FromSeconds(2);

    private readonly SiloCluster _cluster;
    private readonly OrderGrainsTarget _target;
    private readonly LoadTestOptions _options;
    private readonly TextWriter _log;
    private readonly CancellationToken _cancellationToken;
    private readonly string? _hotSku;
    private readonly Dictionary<int, string> _addresses;
    private readonly TimeSpan[] _cpuAtStart;
    private readonly TimeSpan[] _cpuAtEnd;
    private Task _kill = Task.CompletedTask;
    private long _phaseStart;
    private long _killedAt;
    private double? _detectionSeconds;
    private string? _killError;
    private string? _victimChoice;
    private int _victim;

    private FailoverMonitor(SiloCluster cluster, OrderGrainsTarget target, LoadTestOptions options, TextWriter log, string? hotSku, Dictionary<int, string> addresses, CancellationToken cancellationToken)
    {
        _hotSku = hotSku;
        _victim = options.EffectiveKillSilo;
        _cluster = cluster;
        _target = target;
        _options = options;
        _log = log;
        _addresses = addresses;
        _cancellationToken = cancellationToken;
        _cpuAtStart = new TimeSpan[cluster.Silos.Count];
        _cpuAtEnd = new TimeSpan[cluster.Silos.Count];
    }

    private bool KillPlanned => _options.KillAtSeconds > 0;

    private int Victim => _victim;

    /// <summary>
    /// Reads each silo's Orleans address (to find the killed one in the membership later). <paramref name="hotSku"/> is
    /// the flash sale's SKU, for <c>--kill-silo hot</c>.
    /// </summary>
    public static async Task<FailoverMonitor> PrepareAsync(SiloCluster cluster, OrderGrainsTarget target, LoadTestOptions options, string? hotSku, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var members = await cluster.MembersAsync(0, cancellationToken);
        var addresses = cluster.Silos
            .Select(s => (s.Index, Member: members.FirstOrDefault(m => SiloCluster.SameEndpoint(m.GrpcEndpoint, s.GrpcAddress))))
            .Where(x => x.Member is not null)
            .ToDictionary(x => x.Index, x => x.Member!.Address);
        return new FailoverMonitor(cluster, target, options, log, hotSku, addresses, cancellationToken);
    }

    /// <summary>The measured phase started at <paramref name="start"/> (a Stopwatch timestamp): schedule the kill.</summary>
    public void PhaseStarted(long start)
    {
        _phaseStart = start;
        for (var i = 0; i < _cluster.Silos.Count; i++)
        {
            _cpuAtStart[i] = _cluster.Silos[i].Cpu();
        }

        if (KillPlanned)
        {
            _kill = Task.Run(KillAndDetectAsync, CancellationToken.None);
        }
    }

    /// <summary>
    /// After the last reply of the phase: waits for the detection to finish, then takes the killed silo's endpoint out
    /// of the target for verification (callers had to find it dead themselves until now).
    /// </summary>
    public async Task AfterPhasesAsync()
    {
        for (var i = 0; i < _cluster.Silos.Count; i++)
        {
            if (!_cluster.Silos[i].Killed)
            {
                _cpuAtEnd[i] = _cluster.Silos[i].Cpu();
            }
        }

        await _kill;
        if (KillPlanned)
        {
            _target.Retire(Victim);
        }
    }

    /// <summary>The failover figures of the run; <paramref name="phase"/> is the measured phase.</summary>
    public FailoverReport Report(PhaseReport phase, IReadOnlyList<string> stops)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var killed = _killedAt != 0;
        var outage = killed ? _target.Outages.Since(_killedAt) : null;
        var silos = _cluster.Silos.Select(s => new SiloReport(
            s.Index,
            s.GrpcAddress.ToString(),
            s.AdminAddress.ToString(),
            _addresses.GetValueOrDefault(s.Index),
            s.Killed,
            Math.Round((_cpuAtEnd[s.Index] - _cpuAtStart[s.Index]).TotalSeconds, 2),
            s.Index < stops.Count ? stops[s.Index] : "not stopped",
            s.LogPath)).ToList();
        var completed = Math.Max(1, phase.Accepted + phase.Rejected + phase.Throttled + phase.Errors);
        return new FailoverReport(
            _cluster.Silos.Count,
            KillPlanned ? _options.KillAtSeconds : null,
            KillPlanned ? Victim : null,
            _victimChoice,
            killed ? Math.Round(Stopwatch.GetElapsedTime(_phaseStart, _killedAt).TotalSeconds, 2) : null,
            _detectionSeconds is { } d ? Math.Round(d, 2) : null,
            _killError,
            outage,
            new SortedDictionary<string, long>(_target.Outages.StatusesSeen, StringComparer.Ordinal),
            _target.Resends,
            Math.Round(silos.Sum(s => s.CpuSeconds) * 1_000_000 / completed, 0),
            silos);
    }

    private async Task DelayUntilAsync(long timestamp)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _cancellationToken);
        }
    }

    private async Task KillAndDetectAsync()
    {
        try
        {
            var due = _phaseStart + (long)(_options.KillAtSeconds * Stopwatch.Frequency);
            if (_options.KillHotSilo && _hotSku is not null)
            {
                // Asking every silo takes a moment under load: look a little before the kill, so the kill stays on time.
                await DelayUntilAsync(due - (long)(HotLookupLead.TotalSeconds * Stopwatch.Frequency));
                var lookup = Stopwatch.StartNew();
                var hot = await _cluster.SiloHostingAsync("sku-stock", _hotSku, _cancellationToken);
                _victim = hot ?? _victim;
                _victimChoice = hot is null
                    ? $"no silo listed the pool of {_hotSku} among its hottest grains; killed silo #{_victim} instead"
                    : $"the silo hosting the pool of {_hotSku} (its /admin/runtime hottest grains)";
                _log.WriteLine($"failover: --kill-silo hot: {_victimChoice}; asking took {lookup.Elapsed.TotalSeconds:F1} s");
            }

            await DelayUntilAsync(due);
            var victim = _cluster.Silos[Victim];
            _cpuAtEnd[Victim] = victim.Cpu();
            victim.Kill();
            _killedAt = Stopwatch.GetTimestamp();
            _log.WriteLine($"failover: SIGKILL silo #{Victim} (pid {victim.ProcessId}, {victim.GrpcAddress}) at {Stopwatch.GetElapsedTime(_phaseStart, _killedAt).TotalSeconds:F2} s");
            var address = _addresses.GetValueOrDefault(Victim);
            var survivor = _cluster.Silos.First(s => !s.Killed).Index;
            await _cluster.WaitUntilAsync(
                survivor,
                members => members.Any(m => m.Status == "dead" && (address is null || m.Address == address)),
                DetectionLimit,
                _cancellationToken);
            _detectionSeconds = Stopwatch.GetElapsedTime(_killedAt).TotalSeconds;
            _log.WriteLine($"failover: silo #{Victim} declared dead by silo #{survivor}'s membership {_detectionSeconds:F1} s after the kill");
        }
        catch (TimeoutException exception)
        {
            _killError = exception.Message;
            _log.WriteLine("failover: " + exception.Message);
        }
    }
}
