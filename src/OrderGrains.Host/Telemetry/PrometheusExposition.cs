using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace OrderGrains.Host.Telemetry;

/// <summary>
/// Collects every instrument of the Meters whose name starts with a prefix ("OrderGrains") through a MeterListener and
/// writes them in the Prometheus text exposition format 0.0.4: counters as <c>_total</c>, histograms as cumulative
/// <c>_bucket{le=...}</c> with <c>_sum</c> and <c>_count</c>, gauges and up-down counters as gauges.
/// </summary>
public sealed class PrometheusExposition : IDisposable
{
    /// <summary>The content type of format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // OpenTelemetry's default explicit buckets, for histograms that advise none.
    private static readonly double[] DefaultBoundaries = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly string _meterPrefix;
    private readonly MeterListener _listener;
    private readonly Lock _lock = new();

    // One scrape at a time: observable instruments are read into shared state, cleared before each scrape.
    private readonly Lock _scrapeLock = new();
    private readonly Dictionary<Instrument, Series> _instruments = [];

    /// <param name="meterPrefix">Meters whose name starts with this (ordinal) are exposed.</param>
    public PrometheusExposition(string meterPrefix = "OrderGrains")
    {
        _meterPrefix = meterPrefix;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = (instrument, _) =>
            {
                lock (_lock)
                {
                    _instruments.Remove(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<byte>((i, m, t, s) => Record(s, m, t));
        _listener.SetMeasurementEventCallback<short>((i, m, t, s) => Record(s, m, t));
        _listener.SetMeasurementEventCallback<int>((i, m, t, s) => Record(s, m, t));
        _listener.SetMeasurementEventCallback<long>((i, m, t, s) => Record(s, m, t));
        _listener.SetMeasurementEventCallback<float>((i, m, t, s) => Record(s, m, t));
        _listener.SetMeasurementEventCallback<double>((i, m, t, s) => Record(s, m, t));
        _listener.SetMeasurementEventCallback<decimal>((i, m, t, s) => Record(s, (double)m, t));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and writes every series.</summary>
    public string Render()
    {
        var text = new StringBuilder(4096);
        lock (_scrapeLock)
        {
            lock (_lock)
            {
                foreach (var series in _instruments.Values)
                {
                    if (series.Observable)
                    {
                        series.Clear();
                    }
                }
            }

            _listener.RecordObservableInstruments();
            lock (_lock)
            {
                foreach (var family in _instruments.Values.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var first = family.First();

                    // Instruments of one name from several Meter instances merge; a clash of kinds keeps the first kind.
                    WriteFamily(text, first, family.Where(s => s.Kind == first.Kind));
                }
            }
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    /// <summary>A metric name Prometheus accepts: [a-zA-Z_:][a-zA-Z0-9_:]*; dots and other characters become underscores.</summary>
    public static string SanitizeName(string name) => Sanitize(name, allowColon: true);

    /// <summary>A label name Prometheus accepts: [a-zA-Z_][a-zA-Z0-9_]*.</summary>
    public static string SanitizeLabel(string name) => Sanitize(name, allowColon: false);

    /// <summary>A label value inside double quotes: backslash, double quote and line feed escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A sample value: Go float syntax, with +Inf, -Inf and NaN spelled as Prometheus spells them.</summary>
    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return builder.ToString();
    }

    private static void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        ((Series)state!).Record(value, Labels(tags));

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        // Sorted, so the same tags in another order name the same series.
        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new(SanitizeLabel(tags[i].Key), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var builder = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            builder.Append(builder.Length == 0 ? "" : ",").Append(key).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }

        return builder.ToString();
    }

    private static void WriteFamily(StringBuilder text, Series first, IEnumerable<Series> members)
    {
        var name = first.Kind == MetricKind.Counter && !first.Name.EndsWith("_total", StringComparison.Ordinal) ? first.Name + "_total" : first.Name;
        if (first.Description is { Length: > 0 } help)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        }

        text.Append("# TYPE ").Append(name).Append(' ').Append(first.Kind switch
        {
            MetricKind.Counter => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        }).Append('\n');
        foreach (var member in members)
        {
            member.Write(text, name);
        }
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!instrument.Meter.Name.StartsWith(_meterPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
        Series series;
        if (definition == typeof(Histogram<>))
        {
            series = new HistogramSeries(instrument, Boundaries(instrument));
        }
        else if (definition == typeof(Counter<>) || definition == typeof(UpDownCounter<>))
        {
            series = new SumSeries(instrument, definition == typeof(Counter<>) ? MetricKind.Counter : MetricKind.Gauge);
        }
        else if (definition == typeof(ObservableCounter<>))
        {
            series = new LastValueSeries(instrument, MetricKind.Counter);
        }
        else
        {
            // Gauges, observable gauges and observable up-down counters: the value now.
            series = new LastValueSeries(instrument, MetricKind.Gauge);
        }

        lock (_lock)
        {
            _instruments[instrument] = series;
        }

        listener.EnableMeasurementEvents(instrument, series);
    }

    private static double[] Boundaries(Instrument instrument)
    {
        IEnumerable<double>? advised = instrument switch
        {
            Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            _ => null,
        };
        var boundaries = (advised ?? DefaultBoundaries).Distinct().Order().ToArray();
        return boundaries.Length > 0 ? boundaries : DefaultBoundaries;
    }

    private enum MetricKind
    {
        Counter = 0,
        Gauge = 1,
        Histogram = 2,
    }

    /// <summary>What one instrument has measured, per label set; its own lock, since measurements arrive on any thread.</summary>
    private abstract class Series(Instrument instrument, MetricKind kind)
    {
        private readonly Lock _lock = new();

        public string Name { get; } = SanitizeName(instrument.Name);

        public string? Description { get; } = instrument.Description;

        public MetricKind Kind { get; } = kind;

        public bool Observable { get; } = instrument.IsObservable;

        public void Record(double value, string labels)
        {
            lock (_lock)
            {
                RecordLocked(value, labels);
            }
        }

        public void Clear()
        {
            lock (_lock)
            {
                ClearLocked();
            }
        }

        public void Write(StringBuilder text, string name)
        {
            lock (_lock)
            {
                WriteLocked(text, name);
            }
        }

        protected static void Sample(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(FormatValue(value)).Append('\n');
        }

        protected abstract void RecordLocked(double value, string labels);

        protected abstract void ClearLocked();

        protected abstract void WriteLocked(StringBuilder text, string name);
    }

    /// <summary>Counters and up-down counters: the sum of every increment since the listener started.</summary>
    private sealed class SumSeries(Instrument instrument, MetricKind kind) : Series(instrument, kind)
    {
        private readonly SortedDictionary<string, double> _sums = new(StringComparer.Ordinal);

        protected override void RecordLocked(double value, string labels) => _sums[labels] = _sums.GetValueOrDefault(labels) + value;

        protected override void ClearLocked() => _sums.Clear();

        protected override void WriteLocked(StringBuilder text, string name)
        {
            foreach (var (labels, value) in _sums)
            {
                Sample(text, name, labels, value);
            }
        }
    }

    /// <summary>Observable instruments and gauges: the last value reported per label set (observable ones: this scrape's).</summary>
    private sealed class LastValueSeries(Instrument instrument, MetricKind kind) : Series(instrument, kind)
    {
        private readonly SortedDictionary<string, double> _values = new(StringComparer.Ordinal);

        protected override void RecordLocked(double value, string labels) => _values[labels] = value;

        protected override void ClearLocked() => _values.Clear();

        protected override void WriteLocked(StringBuilder text, string name)
        {
            foreach (var (labels, value) in _values)
            {
                Sample(text, name, labels, value);
            }
        }
    }

    /// <summary>Histograms: per label set, a count per bucket (upper bound inclusive, as Prometheus' le), the sum and the count.</summary>
    private sealed class HistogramSeries(Instrument instrument, double[] boundaries) : Series(instrument, MetricKind.Histogram)
    {
        private readonly SortedDictionary<string, Buckets> _buckets = new(StringComparer.Ordinal);

        protected override void RecordLocked(double value, string labels)
        {
            if (!_buckets.TryGetValue(labels, out var buckets))
            {
                _buckets[labels] = buckets = new Buckets(boundaries.Length + 1);
            }

            var index = Array.BinarySearch(boundaries, value);
            buckets.Counts[index >= 0 ? index : ~index]++;
            buckets.Sum += value;
            buckets.Count++;
        }

        protected override void ClearLocked() => _buckets.Clear();

        protected override void WriteLocked(StringBuilder text, string name)
        {
            foreach (var (labels, buckets) in _buckets)
            {
                var prefix = labels.Length > 0 ? labels + "," : string.Empty;
                long cumulative = 0;
                for (var i = 0; i < boundaries.Length; i++)
                {
                    cumulative += buckets.Counts[i];
                    Sample(text, name + "_bucket", prefix + "le=\"" + FormatValue(boundaries[i]) + "\"", cumulative);
                }

                Sample(text, name + "_bucket", prefix + "le=\"+Inf\"", buckets.Count);
                Sample(text, name + "_sum", labels, buckets.Sum);
                Sample(text, name + "_count", labels, buckets.Count);
            }
        }

        private sealed class Buckets(int slots)
        {
            public long[] Counts { get; } = new long[slots];

            public double Sum { get; set; }

            public long Count { get; set; }
        }
    }
}
