using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger;

/// <summary>The SQL and row mapping both stores share; times are stored as UTC ticks so they read back exactly.</summary>
internal static class JournalRows
{
    /// <summary>Selects entries joined with their lines; append WHERE and then <see cref="OrderBy"/>.</summary>
    public static string Select(string tablePrefix) =>
        "SELECT e.entry_id, e.idempotency_key, e.fingerprint, e.document_type, e.order_id, e.currency, e.posted_at_ticks, " +
        "e.reference, e.recorded_at_ticks, l.account, l.debit_minor, l.credit_minor, l.memo " +
        $"FROM {tablePrefix}journal_entries e JOIN {tablePrefix}journal_lines l ON l.entry_id = e.entry_id ";

    public const string OrderBy = " ORDER BY e.entry_id, l.line_no";

    /// <summary>Sums per account and currency in one statement, hence one snapshot.</summary>
    public static string AccountTotals(string tablePrefix) =>
        "SELECT l.account, e.currency, SUM(l.debit_minor), SUM(l.credit_minor) " +
        $"FROM {tablePrefix}journal_lines l JOIN {tablePrefix}journal_entries e ON e.entry_id = l.entry_id " +
        "GROUP BY e.currency, l.account ORDER BY e.currency, l.account";

    /// <summary>Reads rows of <see cref="Select"/> into entries with the fingerprint each was posted with.</summary>
    public static async Task<List<(JournalEntry Entry, string Fingerprint)>> ReadAsync(DbDataReader reader, CancellationToken ct)
    {
        var entries = new List<(JournalEntry, string)>();
        JournalEntry? current = null;
        string? fingerprint = null;
        List<JournalLine>? lines = null;
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var entryId = reader.GetInt64(0);
            if (current is null || current.EntryId != entryId)
            {
                if (current is not null)
                {
                    entries.Add((current, fingerprint!));
                }

                lines = [];
                fingerprint = reader.GetString(2);
                current = new JournalEntry(
                    entryId,
                    reader.GetString(1),
                    reader.GetString(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    FromTicks(reader.GetInt64(6)),
                    reader.GetString(7),
                    lines,
                    FromTicks(reader.GetInt64(8)));
            }

            lines!.Add(new JournalLine(
                reader.GetString(9),
                reader.GetInt64(10),
                reader.GetInt64(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
        }

        if (current is not null)
        {
            entries.Add((current, fingerprint!));
        }

        return entries;
    }

    public static DateTimeOffset FromTicks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    /// <summary>
    /// The stored form of a posted document: times in UTC and no null reference, so that two bodies meaning the same
    /// entry (say +08:00 against Z) count as the same document and read back alike.
    /// </summary>
    public static JournalEntryRequest Normalize(JournalEntryRequest entry) => entry with
    {
        PostedAt = entry.PostedAt.ToUniversalTime(),
        Reference = entry.Reference ?? string.Empty,
        Lines = [.. entry.Lines],
    };

    /// <summary>SHA-256 of the normalized document's canonical JSON: equal documents, equal fingerprints.</summary>
    public static string Fingerprint(JournalEntryRequest normalized)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(normalized, ErpJsonContext.Default.JournalEntryRequest);
        return Convert.ToHexStringLower(SHA256.HashData(json));
    }
}
