using System.Globalization;
using System.Net;
using System.Text;

namespace OrderGrains.LoadTests.Reporting;

/// <summary>Renders a report as one self-contained HTML page: inline CSS and SVG charts, no scripts, no CDN.</summary>
public static class HtmlReport
{
    private const int ChartWidth = 900;
    private const int ChartHeight = 280;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 16;
    private const int Bottom = 36;

    private static readonly Dictionary<string, string> Colors = new(StringComparer.Ordinal)
    {
        ["ordergrains"] = "#2563eb",
        ["baseline"] = "#ea580c",
    };

    public static string Render(LoadTestReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>OrderGrains load test: ")
            .Append(E(report.Scenario)).Append(' ').Append(E(report.RunId)).Append("</title><style>")
            .Append("body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#111}")
            .Append("h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}")
            .Append("table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}")
            .Append("td:first-child,th:first-child{text-align:left}.ok{color:#15803d}.bad{color:#b91c1c}.na{color:#777}")
            .Append("code{background:#f4f4f5;padding:1px 4px}.legend span{margin-right:16px}.small{color:#555;font-size:12px}")
            .Append("</style></head><body>");
        html.Append("<h1>OrderGrains load test — ").Append(E(report.Scenario)).Append("</h1>");
        html.Append("<p class=\"small\">run ").Append(E(report.RunId)).Append(", started ")
            .Append(report.StartedAt.ToString("u", CultureInfo.InvariantCulture)).Append(", ").Append(E(report.Machine))
            .Append(", storage ").Append(E(report.Storage)).Append("<br><code>").Append(E(report.Command)).Append("</code></p>");

        html.Append("<h2>Verdict</h2><p>Invariants: ")
            .Append(report.InvariantsHold ? "<b class=\"ok\">all hold</b>" : "<b class=\"bad\">VIOLATED</b>").Append("</p>");
        if (report.Ratios.Count > 0)
        {
            html.Append("<table><tr><th>OrderGrains ÷ baseline</th><th>accepted orders/s</th><th>accepted p50</th><th>accepted p99</th><th>all p99</th></tr>");
            foreach (var ratio in report.Ratios)
            {
                html.Append("<tr><td>").Append(E(ratio.Phase)).Append("</td><td><b>").Append(F(ratio.AcceptedPerSecond, "0.00")).Append("×</b></td><td>")
                    .Append(F(ratio.AcceptedP50, "0.00")).Append("×</td><td>").Append(F(ratio.AcceptedP99, "0.00")).Append("×</td><td>")
                    .Append(F(ratio.AllP99, "0.00")).Append("×</td></tr>");
            }

            html.Append("</table><p class=\"small\">Throughput ratio above 1 and latency ratios below 1 favour OrderGrains.</p>");
        }

        if (report.Goals.Count > 0)
        {
            html.Append("<table><tr><th>goal</th><th>measured</th><th>met</th></tr>");
            foreach (var goal in report.Goals)
            {
                html.Append("<tr><td>").Append(E(goal.Goal)).Append("</td><td>").Append(E(goal.Measured)).Append("</td><td>")
                    .Append(goal.Met switch { true => "<span class=\"ok\">yes</span>", false => "<span class=\"bad\">no</span>", null => "<span class=\"na\">n/a</span>" })
                    .Append("</td></tr>");
            }

            html.Append("</table>");
        }

        if (report.Failover is { } failover)
        {
            html.Append(FailoverSection(failover));
        }

        if (report.Ceiling is { } ceiling)
        {
            html.Append("<h2>Ceiling</h2><p>A trivial echo RPC (PlaceOrder's messages, no grain, no storage, no caller check) on a bare Grpc.AspNetCore server in this process, driven flat out by the same client: ")
                .Append(E(F(ceiling.EchoCallsPerSecond, "N0"))).Append(" calls/s (").Append(E(F(ceiling.EchoCalls, "N0"))).Append(" calls, ").Append(E(F(ceiling.EchoErrors, "N0")))
                .Append(" errors). PlaceOrder answered ").Append(E(F(ceiling.PlaceOrderPerSecond, "N0"))).Append("/s in ").Append(E(ceiling.Phase))
                .Append(": <b>").Append(E(F(ceiling.Fraction * 100, "0.0"))).Append("%</b> of the ceiling.</p>");
        }

        // The failover scenario has one measured phase, so its kill second is a point on the charts' time axis.
        var kill = report.Failover?.KilledAtSeconds is { } killedAt ? new Marker(killedAt, $"SIGKILL silo #{report.Failover.KilledSilo}") : null;
        html.Append("<h2>Throughput over time</h2>").Append(Legend(report, "solid: accepted/s, dashed: rejected/s" + (kill is null ? string.Empty : ", red line: the kill")));
        html.Append(LineChart(report.Targets.SelectMany(t => new[]
        {
            new Series(t.Name + " accepted/s", Color(t.Name), Dashed: false, Points(t, p => p.Accepted)),
            new Series(t.Name + " rejected/s", Color(t.Name), Dashed: true, Points(t, p => p.Rejected + p.Throttled + p.Errors)),
        }).ToList(), "per second", logY: false, kill));

        html.Append("<h2>PlaceOrder latency over time</h2>").Append(Legend(report, "solid: p99, dashed: p50 (ms, log scale, from the intended send time)" + (kill is null ? string.Empty : ", red line: the kill")));
        html.Append(LineChart(report.Targets.SelectMany(t => new[]
        {
            new Series(t.Name + " p99", Color(t.Name), Dashed: false, Points(t, p => p.P99Ms)),
            new Series(t.Name + " p50", Color(t.Name), Dashed: true, Points(t, p => p.P50Ms)),
        }).ToList(), "ms", logY: true, kill));

        html.Append("<h2>Accepted vs rejected</h2>").Append(OutcomeBars(report));

        foreach (var target in report.Targets)
        {
            html.Append("<h2>").Append(E(target.Name)).Append("</h2><p>").Append(E(target.Description)).Append("</p>");
            html.Append("<p class=\"small\">setup ").Append(F(target.SetupSeconds, "0.0")).Append(" s (not measured)</p>");
            html.Append("<table><tr><th>phase</th><th>offered/s</th><th>scheduled</th><th>sent</th><th>accepted</th><th>rejected</th><th>throttled</th><th>errors</th>")
                .Append("<th>accepted/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
            foreach (var phase in target.Phases)
            {
                foreach (var (label, latency) in new[] { ("all", phase.AllLatency), ("accepted", phase.AcceptedLatency), ("rejected", phase.RejectedLatency), ("pay/cancel", phase.FollowUpLatency) })
                {
                    if (latency.Count == 0 && label != "all")
                    {
                        continue;
                    }

                    var first = label == "all";
                    html.Append("<tr><td>").Append(E(phase.Name)).Append(" · ").Append(label).Append("</td><td>")
                        .Append(first ? (phase.OfferedRate == 0 ? "all at once" : F(phase.OfferedRate, "N0")) : string.Empty).Append("</td><td>")
                        .Append(first ? F(phase.Scheduled, "N0") : string.Empty).Append("</td><td>")
                        .Append(first ? F(phase.Sent, "N0") : string.Empty).Append("</td><td>")
                        .Append(first ? F(phase.Accepted, "N0") : string.Empty).Append("</td><td>")
                        .Append(first ? F(phase.Rejected, "N0") : string.Empty).Append("</td><td>")
                        .Append(first ? F(phase.Throttled, "N0") : string.Empty).Append("</td><td>")
                        .Append(first ? F(phase.Errors, "N0") : string.Empty).Append("</td><td>")
                        .Append(first ? F(phase.AcceptedPerSecond, "N0") : string.Empty).Append("</td><td>")
                        .Append(F(latency.P50Ms, "0.0")).Append("</td><td>").Append(F(latency.P90Ms, "0.0")).Append("</td><td>")
                        .Append(F(latency.P99Ms, "0.0")).Append("</td><td>").Append(F(latency.P999Ms, "0.0")).Append("</td><td>")
                        .Append(F(latency.MaxMs, "0.0")).Append("</td></tr>");
                }
            }

            html.Append("</table><p class=\"small\">latencies in ms. ");
            foreach (var phase in target.Phases)
            {
                html.Append(E(phase.Name)).Append(": rejects ")
                    .Append(E(string.Join(", ", phase.RejectReasons.Select(r => $"{r.Key} {r.Value}"))))
                    .Append(phase.ErrorReasons.Count > 0 ? "; errors " + E(string.Join(", ", phase.ErrorReasons.Select(r => $"{r.Key} {r.Value}"))) : string.Empty)
                    .Append(phase.MachineCpuMicrosPerOrder is { } machine
                        ? $"; machine {F(phase.MachineBusy ?? 0, "P0")} busy, {F(machine, "N0")} µs of its CPU per order"
                        : string.Empty)
                    .Append(". ");
            }

            html.Append("</p><table><tr><th>invariant</th><th>holds</th><th>detail</th></tr>");
            foreach (var check in target.Checks)
            {
                html.Append("<tr><td>").Append(E(check.Name)).Append("</td><td>")
                    .Append(check.Passed ? "<span class=\"ok\">yes</span>" : "<span class=\"bad\">NO</span>")
                    .Append("</td><td style=\"text-align:left\">").Append(E(check.Detail)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<h2>Settings</h2><table>");
        foreach (var (key, value) in report.Settings)
        {
            html.Append("<tr><td>").Append(E(key)).Append("</td><td style=\"text-align:left\">").Append(E(value)).Append("</td></tr>");
        }

        html.Append("</table></body></html>\n");
        return html.ToString();
    }

    private static string Color(string target) => Colors.GetValueOrDefault(target, "#555");

    private static string Legend(LoadTestReport report, string note) =>
        "<p class=\"legend small\">" + string.Concat(report.Targets.Select(t => $"<span style=\"color:{Color(t.Name)}\">■ {E(t.Name)}</span>")) + E(note) + "</p>";

    /// <summary>Per-second points of every phase of a target, phases laid end to end on one time axis.</summary>
    private static List<(double X, double Y)> Points(TargetReport target, Func<TimelinePoint, double> value)
    {
        var points = new List<(double, double)>();
        var offset = 0.0;
        foreach (var phase in target.Phases)
        {
            var last = 0;
            foreach (var point in phase.Timeline)
            {
                points.Add((offset + point.Second + 0.5, value(point)));
                last = point.Second;
            }

            offset += last + 1;
        }

        return points;
    }

    private static string FailoverSection(FailoverReport f)
    {
        var html = new StringBuilder("<h2>Failover</h2><table>");
        void Row(string name, string value) => html.Append("<tr><td>").Append(E(name)).Append("</td><td style=\"text-align:left\">").Append(E(value)).Append("</td></tr>");
        Row("silos", F(f.Silos, "N0"));
        Row("kill", f.KilledSilo is { } k ? $"SIGKILL silo #{k} at {F(f.KilledAtSeconds ?? 0, "0.00")} s of the measured phase (planned {F(f.KillAtSeconds ?? 0, "0.#")} s){(f.KilledSiloChoice is { } why ? ": " + why : string.Empty)}" : "none (throughput with all silos)");
        if (f.KilledSilo is not null)
        {
            Row("declared dead (a survivor's /admin/cluster)", f.DetectionSeconds is { } d ? $"{F(d, "0.0")} s after the kill" : f.DetectionError ?? "not seen");
        }

        if (f.Outage is { } o)
        {
            Row("orders that failed after the kill", $"{F(o.AffectedKeys, "N0")} ({F(o.NeverRecovered, "N0")} never answered)");
            Row("outage per order (kill or first attempt → first success)", $"p50 {F(o.P50Ms, "N0")} ms, p99 {F(o.P99Ms, "N0")} ms, max {F(o.MaxMs, "N0")} ms; the last recovered {F(o.LastRecoverySeconds, "0.0")} s after the kill");
        }

        Row("statuses callers saw on failed attempts", f.StatusesSeen.Count == 0 ? "none" : string.Join(", ", f.StatusesSeen.Select(s => $"{s.Key} {s.Value:N0}")));
        Row("re-sends (same order id, next endpoint)", F(f.Resends, "N0"));
        Row("silo CPU per completed order, all silos", $"{F(f.SiloCpuMicrosPerOrder, "N0")} µs");
        html.Append("</table><table><tr><th>silo</th><th>gRPC</th><th>Orleans address</th><th>CPU s</th><th>end</th></tr>");
        foreach (var silo in f.SiloReports)
        {
            html.Append("<tr><td>#").Append(silo.Index).Append(silo.Killed ? " <b class=\"bad\">killed</b>" : string.Empty).Append("</td><td>").Append(E(silo.GrpcEndpoint))
                .Append("</td><td>").Append(E(silo.Address ?? "?")).Append("</td><td>").Append(F(silo.CpuSeconds, "0.0")).Append("</td><td style=\"text-align:left\">")
                .Append(E(silo.Stop)).Append("</td></tr>");
        }

        return html.Append("</table>").ToString();
    }

    private static string LineChart(IReadOnlyList<Series> series, string yLabel, bool logY, Marker? marker = null)
    {
        var all = series.SelectMany(s => s.Points).ToList();
        if (all.Count == 0)
        {
            return "<p class=\"na\">no data</p>";
        }

        var maxX = Math.Max(marker is null ? 1 : Math.Ceiling(marker.X), Math.Ceiling(all.Max(p => p.X)));
        var positive = all.Where(p => p.Y > 0).Select(p => p.Y).DefaultIfEmpty(1).ToList();
        var minY = logY ? Math.Pow(10, Math.Floor(Math.Log10(positive.Min()))) : 0;
        var maxY = logY ? Math.Pow(10, Math.Ceiling(Math.Log10(Math.Max(positive.Max(), minY * 10)))) : NiceCeiling(all.Max(p => p.Y));
        double Sx(double x) => Left + (x / maxX * (ChartWidth - Left - Right));
        double Sy(double y)
        {
            var fraction = logY ? (Math.Log10(Math.Max(y, minY)) - Math.Log10(minY)) / (Math.Log10(maxY) - Math.Log10(minY)) : y / maxY;
            return ChartHeight - Bottom - (fraction * (ChartHeight - Top - Bottom));
        }

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{ChartWidth}\" height=\"{ChartHeight}\" font-size=\"11\">");
        var ticks = logY
            ? Enumerable.Range(0, (int)Math.Round(Math.Log10(maxY / minY)) + 1).Select(i => minY * Math.Pow(10, i))
            : Enumerable.Range(0, 5).Select(i => maxY * i / 4);
        foreach (var tick in ticks)
        {
            var y = Sy(tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{ChartWidth - Right}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{tick:#,0.###}</text>");
        }

        var step = Math.Max(1, NiceCeiling(maxX / 10));
        for (var x = 0.0; x <= maxX; x += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Sx(x):0.#}\" y=\"{ChartHeight - Bottom + 16}\" text-anchor=\"middle\">{x:0}s</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{Top + 8}\" fill=\"#555\">{E(yLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{ChartHeight - Bottom}\" stroke=\"#999\"/>")
            .Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{ChartWidth - Right}\" y1=\"{ChartHeight - Bottom}\" y2=\"{ChartHeight - Bottom}\" stroke=\"#999\"/>");
        foreach (var s in series.Where(s => s.Points.Count > 0))
        {
            svg.Append("<polyline fill=\"none\" stroke=\"").Append(s.Color).Append("\" stroke-width=\"").Append(s.Dashed ? "1.5" : "2.2").Append('"')
                .Append(s.Dashed ? " stroke-dasharray=\"5 4\"" : string.Empty).Append(" points=\"");
            foreach (var (x, y) in s.Points)
            {
                svg.Append(CultureInfo.InvariantCulture, $"{Sx(x):0.#},{Sy(y):0.#} ");
            }

            svg.Append("\"><title>").Append(E(s.Name)).Append("</title></polyline>");
        }

        if (marker is not null)
        {
            var x = Sx(marker.X);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"kill\" x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{Top}\" y2=\"{ChartHeight - Bottom}\" stroke=\"#dc2626\" stroke-width=\"1.5\"><title>{E(marker.Label)}</title></line>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4:0.#}\" y=\"{Top + 10}\" fill=\"#dc2626\">{E(marker.Label)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string OutcomeBars(LoadTestReport report)
    {
        const int BarHeight = 26;
        var rows = report.Targets.SelectMany(t => t.Phases.Select(p => (Label: $"{t.Name} · {p.Name}", Phase: p))).ToList();
        var height = (rows.Count * (BarHeight + 14)) + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{ChartWidth}\" height=\"{height}\" font-size=\"12\">");
        var y = 8;
        foreach (var (label, phase) in rows)
        {
            var total = Math.Max(1, phase.Accepted + phase.Rejected + phase.Throttled + phase.Errors);
            var x = 220.0;
            var width = ChartWidth - 240.0;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 17}\">{E(label)}</text>");
            foreach (var (count, color, name) in new[] { (phase.Accepted, "#16a34a", "accepted"), (phase.Rejected, "#9ca3af", "rejected"), (phase.Throttled, "#f59e0b", "throttled"), (phase.Errors, "#dc2626", "errors") })
            {
                if (count == 0)
                {
                    continue;
                }

                var w = width * count / total;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x:0.#}\" y=\"{y}\" width=\"{w:0.#}\" height=\"{BarHeight}\" fill=\"{color}\"><title>{name} {count}</title></rect>");
                if (w > 70)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4:0.#}\" y=\"{y + 17}\" fill=\"#fff\">{name} {count:N0}</text>");
                }

                x += w;
            }

            y += BarHeight + 14;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"220\" y=\"{y + 10}\" fill=\"#555\">green accepted · grey rejected (sold out, over the limit) · amber throttled · red errors</text>");
        return svg.Append("</svg>").ToString();
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        var normalized = value / magnitude;
        var nice = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private sealed record Series(string Name, string Color, bool Dashed, List<(double X, double Y)> Points);

    /// <summary>A vertical line at second <see cref="X"/> of the time axis (the kill of a failover run).</summary>
    private sealed record Marker(double X, string Label);
}
