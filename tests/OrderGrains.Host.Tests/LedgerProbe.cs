using OrderGrains.Erp;

namespace OrderGrains.Host.Tests;

/// <summary>Reads what the host's embedded ERP ledger posted, for the order-to-cash tests.</summary>
internal static class LedgerProbe
{
    public static long Balance(IEnumerable<JournalEntry> entries, string account) =>
        entries.SelectMany(e => e.Lines).Where(l => l.Account == account).Sum(l => l.DebitMinor - l.CreditMinor);

    public static HttpErpClient Ledger(TestHost host) =>
        new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") });

    public static async Task<IReadOnlyList<JournalEntry>> EntriesAsync(TestHost host, string orderId) =>
        await Ledger(host).GetJournalEntriesAsync(orderId, default);

    /// <summary>Waits until the ledger holds exactly these documents for the order, in this order.</summary>
    public static async Task<IReadOnlyList<JournalEntry>> PostedAsync(TestHost host, string orderId, params string[] documentTypes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var entries = await EntriesAsync(host, orderId);
            if (entries.Count >= documentTypes.Length || DateTime.UtcNow > deadline)
            {
                Assert.Equal(documentTypes, entries.Select(e => e.DocumentType));
                return entries;
            }

            await Task.Delay(100);
        }
    }
}
