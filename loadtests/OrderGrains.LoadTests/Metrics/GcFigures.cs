namespace OrderGrains.LoadTests.Metrics;

/// <summary>
/// The process's collections per generation, the time its threads were paused for them and the bytes it allocated:
/// a phase's figures are the difference of two readings. A background gen2 collection counts as a gen2 collection.
/// </summary>
internal readonly record struct GcFigures(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long AllocatedBytes)
{
    public static GcFigures Now() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    public static GcFigures operator -(GcFigures after, GcFigures before) =>
        new(after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.Paused - before.Paused, after.AllocatedBytes - before.AllocatedBytes);

    // CollectionCount(0) counts every collection and CollectionCount(1) every gen1 or gen2 one, so the difference names each once.
    public override string ToString() =>
        $"{Gen0:N0} GCs: {Gen0 - Gen1:N0} gen0, {Gen1 - Gen2:N0} gen1, {Gen2:N0} gen2, paused {Paused.TotalMilliseconds:N0} ms, {AllocatedBytes / 1e6:N0} MB allocated";
}
