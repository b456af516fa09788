namespace OrderGrains.Erp;

/// <summary>
/// The double-entry rules the ledger enforces. Public so that a poster can check a document before sending it
/// and so the reference ledger and any client agree on one rule set.
/// </summary>
public static class JournalEntryValidation
{
    /// <summary>Longest accepted idempotency key, order id and reference.</summary>
    public const int MaxKeyLength = 200;

    /// <summary>A bound on lines per entry, so one request cannot hold the writer for long.</summary>
    public const int MaxLines = 1000;

    /// <summary>Returns why the entry is not a valid double-entry document, or null when it is.</summary>
    public static string? Validate(JournalEntryRequest? entry)
    {
        if (entry is null)
        {
            return "the body is empty; send a journal entry.";
        }

        if (!DocumentTypes.IsKnown(entry.DocumentType))
        {
            return $"document_type '{entry.DocumentType}' is not known; use one of {string.Join(", ", DocumentTypes.All)}.";
        }

        if (string.IsNullOrWhiteSpace(entry.OrderId))
        {
            return "order_id is required.";
        }

        if (entry.OrderId.Length > MaxKeyLength)
        {
            return $"order_id is longer than {MaxKeyLength} characters.";
        }

        if (!IsCurrencyCode(entry.Currency))
        {
            return $"currency '{entry.Currency}' is not an ISO 4217 code of three upper-case letters.";
        }

        if (entry.PostedAt == default)
        {
            return "posted_at is required.";
        }

        if (entry.Reference is { Length: > MaxKeyLength })
        {
            return $"reference is longer than {MaxKeyLength} characters.";
        }

        if (entry.Lines is null || entry.Lines.Count < 2)
        {
            return "a journal entry needs at least two lines.";
        }

        if (entry.Lines.Count > MaxLines)
        {
            return $"a journal entry has at most {MaxLines} lines.";
        }

        long debits = 0;
        long credits = 0;
        for (var i = 0; i < entry.Lines.Count; i++)
        {
            var line = entry.Lines[i];
            if (line is null)
            {
                return $"line {i + 1} is empty.";
            }

            if (!ChartOfAccounts.IsKnown(line.Account))
            {
                return $"line {i + 1}: account '{line.Account}' is not in the chart of accounts ({string.Join(", ", ChartOfAccounts.Names.Keys.Order(StringComparer.Ordinal))}).";
            }

            if (line.DebitMinor < 0 || line.CreditMinor < 0)
            {
                return $"line {i + 1}: amounts must not be negative (debit {line.DebitMinor}, credit {line.CreditMinor}); post the opposite side instead.";
            }

            if ((line.DebitMinor > 0) == (line.CreditMinor > 0))
            {
                return $"line {i + 1}: exactly one of debit and credit must be positive (debit {line.DebitMinor}, credit {line.CreditMinor}).";
            }

            try
            {
                debits = checked(debits + line.DebitMinor);
                credits = checked(credits + line.CreditMinor);
            }
            catch (OverflowException)
            {
                return "the amounts overflow a 64-bit total.";
            }
        }

        if (debits != credits)
        {
            return $"debits ({debits}) do not equal credits ({credits}).";
        }

        return null;
    }

    /// <summary>Whether the text is three ASCII upper-case letters.</summary>
    public static bool IsCurrencyCode(string? currency) =>
        currency is { Length: 3 } && currency.All(char.IsAsciiLetterUpper);
}
