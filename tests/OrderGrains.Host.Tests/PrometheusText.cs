using System.Globalization;
using System.Text;

namespace OrderGrains.Host.Tests;

/// <summary>One sample line of an exposition: name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>
/// A strict reader of the text exposition format 0.0.4, written for the tests: every line must be a HELP or TYPE line
/// or a sample of a family declared before it, or parsing fails with the line number.
/// </summary>
public sealed class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    private PrometheusText(IReadOnlyDictionary<string, string> families, IReadOnlyList<PrometheusSample> samples)
    {
        Families = families;
        Samples = samples;
    }

    /// <summary>Family name to its declared type.</summary>
    public IReadOnlyDictionary<string, string> Families { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public IEnumerable<PrometheusSample> Named(string name) => Samples.Where(s => s.Name == name);

    public static PrometheusText Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The exposition must end with a line feed.");
        }

        var families = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        var seenSeries = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            try
            {
                if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    var rest = line["# HELP ".Length..];
                    var space = rest.IndexOf(' ', StringComparison.Ordinal);
                    RequireMetricName(space < 0 ? rest : rest[..space]);
                }
                else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var parts = line["# TYPE ".Length..].Split(' ');
                    if (parts.Length != 2 || !Types.Contains(parts[1]))
                    {
                        throw new FormatException("a TYPE line names a metric and one of " + string.Join(", ", Types));
                    }

                    RequireMetricName(parts[0]);
                    if (!families.TryAdd(parts[0], parts[1]))
                    {
                        throw new FormatException($"family {parts[0]} is declared twice");
                    }
                }
                else
                {
                    var sample = ParseSample(line);
                    if (FamilyOf(sample.Name, families) is null)
                    {
                        throw new FormatException($"sample {sample.Name} has no TYPE line before it");
                    }

                    var series = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
                    if (!seenSeries.Add(series))
                    {
                        throw new FormatException($"series {series} appears twice");
                    }

                    samples.Add(sample);
                }
            }
            catch (FormatException exception)
            {
                throw new FormatException($"line {i + 1} '{line}': {exception.Message}", exception);
            }
        }

        return new PrometheusText(families, samples);
    }

    private static string? FamilyOf(string sampleName, Dictionary<string, string> families)
    {
        if (families.ContainsKey(sampleName))
        {
            return sampleName;
        }

        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && families.TryGetValue(sampleName[..^suffix.Length], out var type) && type is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }

        return null;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var position = 0;
        while (position < line.Length && IsNameChar(line[position], position == 0, allowColon: true))
        {
            position++;
        }

        var name = line[..position];
        RequireMetricName(name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                var start = position;
                while (IsNameChar(line[position], position == start, allowColon: false))
                {
                    position++;
                }

                var label = line[start..position];
                if (label.Length == 0 || line[position] != '=' || line[position + 1] != '"')
                {
                    throw new FormatException("a label is name=\"value\"");
                }

                position += 2;
                var value = new StringBuilder();
                while (line[position] != '"')
                {
                    if (line[position] == '\\')
                    {
                        position++;
                        value.Append(line[position] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"unknown escape \\{line[position]}"),
                        });
                    }
                    else
                    {
                        value.Append(line[position]);
                    }

                    position++;
                }

                position++;
                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"label {label} twice");
                }

                if (line[position] == ',')
                {
                    position++;
                }
                else if (line[position] != '}')
                {
                    throw new FormatException("labels are separated by commas");
                }
            }

            position++;
        }

        if (position >= line.Length || line[position] != ' ')
        {
            throw new FormatException("a space separates the series from its value");
        }

        var fields = line[(position + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2 || (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("a sample is a value and an optional integer timestamp");
        }

        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            var text => throw new FormatException($"'{text}' is not a number"),
        };
        return new PrometheusSample(name, labels, number);
    }

    private static void RequireMetricName(string name)
    {
        if (name.Length == 0 || !name.Select((c, i) => IsNameChar(c, i == 0, allowColon: true)).All(ok => ok))
        {
            throw new FormatException($"'{name}' is not a metric name");
        }
    }

    private static bool IsNameChar(char c, bool first, bool allowColon) =>
        char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (!first && char.IsAsciiDigit(c));
}
