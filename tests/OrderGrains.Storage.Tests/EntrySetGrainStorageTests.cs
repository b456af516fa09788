using System.Text;
using System.Text.Json;

namespace OrderGrains.Storage.Tests;

/// <summary>Entry sets as a grain sees them through IPersistentState on a real Orleans silo.</summary>
public sealed class EntrySetGrainStorageTests
{
    private static readonly GrainStateKey Key = new("storage-tally", "t", "tally");

    [Fact]
    public async Task The_record_stays_the_same_size_however_many_entries_and_a_reactivation_reads_them_all_back()
    {
        var store = new MemoryStateStore();
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsMemoryStorage(store));
        var tally = silo.GrainFactory.GetGrain<ITallyGrain>("t");
        await tally.SetAsync("first", 1);
        var small = (await store.ReadAsync(Key, default)).Payload.Length;

        for (var i = 0; i < 300; i++)
        {
            await tally.SetAsync($"k{i:D3}", i);
        }

        await tally.BumpAsync("k007");
        await tally.RemoveAsync("first");

        var record = await store.ReadAsync(Key, default);
        // Only the write counter grew (1 to 303: two more digits); 300 entries live in rows.
        Assert.Equal(small + 2, record.Payload.Length);
        using (var json = JsonDocument.Parse(record.Payload))
        {
            Assert.False(json.RootElement.TryGetProperty("Entries", out _));
            Assert.Equal(303, json.RootElement.GetProperty("Writes").GetInt32());
        }

        Assert.Equal(300, store.EntryCount(Key));
        var before = await tally.ViewAsync();
        Assert.Contains("k007=8", before);
        Assert.DoesNotContain("first=1", before);

        await tally.DeactivateAsync();
        await TestSilo.WaitUntilAsync(async () => (await tally.ViewAsync()).SequenceEqual(before), TimeSpan.FromSeconds(10), "the new activation read every entry back");
    }

    [Fact]
    public async Task A_state_stored_with_its_entries_inline_opens_and_its_next_write_moves_them_to_rows()
    {
        var store = new MemoryStateStore();
        await store.WriteAsync(Key, Encoding.UTF8.GetBytes("""{"Writes":2,"Entries":{"old-a":{"Value":1},"old-b":{"Value":2}}}"""), null, default);
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsMemoryStorage(store));
        var tally = silo.GrainFactory.GetGrain<ITallyGrain>("t");

        Assert.Equal(["old-a=1", "old-b=2"], await tally.ViewAsync());
        await tally.SetAsync("new", 3);

        using (var json = JsonDocument.Parse((await store.ReadAsync(Key, default)).Payload))
        {
            Assert.False(json.RootElement.TryGetProperty("Entries", out _));
        }

        Assert.Equal(3, store.EntryCount(Key));
        await tally.DeactivateAsync();
        await TestSilo.WaitUntilAsync(async () => (await tally.ViewAsync()).SequenceEqual(["new=3", "old-a=1", "old-b=2"]), TimeSpan.FromSeconds(10), "the entries were read back from rows");
    }

    [Fact]
    public async Task After_a_failed_write_the_next_write_stores_the_whole_set_so_no_change_is_lost()
    {
        var store = new InterceptingStateStore();
        await using var silo = await TestSilo.StartAsync(s => s.UseOrderGrainsStorage(store).UseInMemoryReminderService());
        var tally = silo.GrainFactory.GetGrain<ITallyGrain>("t");
        await tally.SetAsync("a", 1);
        await tally.SetAsync("b", 2);

        store.FailWrites = true;
        await Assert.ThrowsAnyAsync<Exception>(() => tally.SetAsync("c", 3));
        store.FailWrites = false;

        // The activation kept "c" in memory; its change was taken by the failed write, so only a whole-set write stores it.
        await tally.SetAsync("d", 4);
        Assert.Equal(4, store.Inner.EntryCount(Key));
        await tally.DeactivateAsync();
        await TestSilo.WaitUntilAsync(async () => (await tally.ViewAsync()).SequenceEqual(["a=1", "b=2", "c=3", "d=4"]), TimeSpan.FromSeconds(10), "every entry was read back");
    }
}
