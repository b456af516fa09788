namespace OrderGrains.Storage;

/// <summary>A state write that drops the activation when it fails, since memory may then differ from storage.</summary>
public static class FencedStateExtensions
{
    /// <summary>
    /// Writes the state; if the write fails (storage down, or a stale ETag because another activation wrote), asks
    /// Orleans to deactivate <paramref name="grain"/> so the next call starts from a fresh load, and rethrows.
    /// </summary>
    public static async Task WriteOrDeactivateAsync<TState>(this IPersistentState<TState> state, IGrainBase grain)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(grain);
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception)
        {
            grain.DeactivateOnIdle();
            throw;
        }
    }
}
