using System.Globalization;

namespace OrderGrains.Cli;

/// <summary>"--name value" and "--flag" options after a command's words; repeated options keep every value.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private CliArguments(IReadOnlyList<string> words)
    {
        Words = words;
    }

    public IReadOnlyList<string> Words { get; }

    public static CliArguments Parse(string[] args, IReadOnlySet<string> flags)
    {
        var words = new List<string>();
        var parsed = new CliArguments(words);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                words.Add(arg);
                continue;
            }

            var name = arg[2..];
            string value;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (flags.Contains(name))
            {
                value = "true";
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                throw new CliUsageException($"--{name} needs a value.");
            }

            if (!parsed._options.TryGetValue(name, out var values))
            {
                parsed._options[name] = values = [];
            }

            values.Add(value);
        }

        return parsed;
    }

    public string Required(string name) => Optional(name) ?? throw new CliUsageException($"--{name} is required.");

    public string? Optional(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var values) ? values[^1] : null;
    }

    public IReadOnlyList<string> All(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var values) ? values : [];
    }

    public bool Flag(string name) => Optional(name) is { } value && value != "false";

    public int Int(string name, int? fallback = null) => Number(name, fallback, int.Parse);

    public long Long(string name, long? fallback = null) => Number(name, fallback, long.Parse);

    public double Double(string name, double? fallback = null) => Number(name, fallback, (s, n, c) => double.Parse(s, NumberStyles.Float, c));

    /// <summary>Fails on options nobody asked for, so a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new CliUsageException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
        }
    }

    private T Number<T>(string name, T? fallback, Func<string, NumberStyles, IFormatProvider, T> parse)
        where T : struct
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback ?? throw new CliUsageException($"--{name} is required.");
        }

        try
        {
            return parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or OverflowException)
        {
            throw new CliUsageException($"--{name} must be a number (got '{text}').");
        }
    }
}

/// <summary>The command line is wrong; the message says how.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
