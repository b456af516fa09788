using System.Text.RegularExpressions;

namespace OrderGrains.ErpLedger;

/// <summary>Where the ledger keeps its journal and who may use its API.</summary>
public sealed partial class ErpLedgerOptions
{
    /// <summary>Directory of the SQLite database file (<see cref="SqliteFileName"/>); created when missing.</summary>
    public string DataDir { get; set; } = Path.Combine("data", "erp");

    /// <summary>When set, the journal lives in PostgreSQL instead of SQLite.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>PostgreSQL schema of the journal tables; created when missing. Letters, digits and underscores only.</summary>
    public string PostgresSchema { get; set; } = "erp";

    /// <summary>
    /// Most PostgreSQL connections the journal opens (unless the connection string sets a pool size): posts beyond it
    /// wait for a free connection. Npgsql's default of 100 alone would use up the server's default max_connections.
    /// </summary>
    public int PostgresMaxPoolSize { get; set; } = 20;

    /// <summary>
    /// Largest journal entry body, in bytes, the API reads (default 256 KiB, far above any order's document); a larger
    /// body is refused with 413 before it is parsed.
    /// </summary>
    public long MaxRequestBodySize { get; set; } = DefaultMaxRequestBodySize;

    /// <summary>Default of <see cref="MaxRequestBodySize"/>.</summary>
    public const long DefaultMaxRequestBodySize = 256 * 1024;

    /// <summary>When set, every /api request must carry it in the X-Api-Key header.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The SQLite database file name inside <see cref="DataDir"/>.</summary>
    public const string SqliteFileName = "erp-ledger.db";

    internal bool UsesPostgres => !string.IsNullOrWhiteSpace(PostgresConnectionString);

    internal string SqlitePath => Path.GetFullPath(Path.Combine(DataDir, SqliteFileName));

    /// <summary>Lists what is wrong with these options, each saying what to fix; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (UsesPostgres)
        {
            if (PostgresSchema.Length > 63 || !IdentifierPattern().IsMatch(PostgresSchema))
            {
                problems.Add($"Erp:PostgresSchema is '{PostgresSchema}'; use 1 to 63 letters, digits or underscores, not starting with a digit.");
            }

            if (PostgresMaxPoolSize < 1)
            {
                problems.Add($"Erp:PostgresMaxPoolSize is {PostgresMaxPoolSize}; use at least 1 (20 by default).");
            }
        }
        else if (string.IsNullOrWhiteSpace(DataDir))
        {
            problems.Add("Erp:DataDir is empty; set the directory for the ledger's SQLite file, e.g. data/erp.");
        }

        if (ApiKey is { Length: > 0 } key && key.Trim().Length != key.Length)
        {
            problems.Add("Erp:ApiKey starts or ends with whitespace, which HTTP headers cannot carry; remove it.");
        }

        return problems;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();
}
