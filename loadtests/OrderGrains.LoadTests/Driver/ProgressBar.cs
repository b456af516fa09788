using System.Globalization;
using System.Text;
using OrderGrains.LoadTests.Metrics;

namespace OrderGrains.LoadTests.Driver;

/// <summary>A one-line progress bar on standard error, redrawn four times a second while a phase runs.</summary>
public sealed class ProgressBar(TextWriter output) : IDisposable
{
    private const int Width = 30;
    private readonly Lock _lock = new();
    private Timer? _timer;
    private string _label = string.Empty;
    private PhaseRecorder? _recorder;
    private long _lastCompleted;
    private DateTime _lastTick;

    public void Begin(string label, PhaseRecorder recorder)
    {
        lock (_lock)
        {
            _label = label;
            _recorder = recorder;
            _lastCompleted = 0;
            _lastTick = DateTime.UtcNow;
            _timer = new Timer(_ => Draw(final: false), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        }
    }

    public void End()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }

        Draw(final: true);
    }

    public void Dispose()
    {
        _timer?.Dispose();
    }

    private void Draw(bool final)
    {
        lock (_lock)
        {
            if (_recorder is not { } r)
            {
                return;
            }

            var completed = r.Completed;
            var now = DateTime.UtcNow;
            var seconds = (now - _lastTick).TotalSeconds;
            var rate = seconds > 0 ? (completed - _lastCompleted) / seconds : 0;
            _lastCompleted = completed;
            _lastTick = now;
            var fraction = r.Scheduled == 0 ? 1 : Math.Min(1, (double)completed / r.Scheduled);
            var filled = (int)Math.Round(fraction * Width);
            var line = new StringBuilder()
                .Append('\r')
                .Append(_label.PadRight(24))
                .Append(" [").Append('#', filled).Append('-', Width - filled).Append("] ")
                .Append(CultureInfo.InvariantCulture, $"{fraction,4:P0} {completed}/{r.Scheduled} in-flight {r.Dispatched - completed} ")
                .Append(CultureInfo.InvariantCulture, $"acc {r.Accepted} rej {r.Rejected} thr {r.Throttled} err {r.Errors} {rate,7:F0}/s  ");
            output.Write(line.ToString());
            if (final)
            {
                output.WriteLine();
                _recorder = null;
            }

            output.Flush();
        }
    }
}
