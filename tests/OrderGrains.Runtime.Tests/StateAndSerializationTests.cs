using OrderGrains.Testing;

namespace OrderGrains.Runtime.Tests;

public sealed class StateAndSerializationTests
{
    [Fact]
    public async Task State_written_by_one_silo_is_read_by_the_next_on_the_same_storage()
    {
        var storage = TestStorage.Memory();
        await using (var first = await Silos.StartAsync(new Probe(), storage: storage))
        {
            var cart = first.GrainFactory.GetGrain<ICartGrain>("c1");
            await cart.AddAsync(new CartLine("sku-1", 2));
            await cart.AddAsync(new CartLine("sku-2", 1));
        }

        await using var second = await Silos.StartAsync(new Probe(), storage: storage);
        var lines = await second.GrainFactory.GetGrain<ICartGrain>("c1").GetLinesAsync();

        Assert.Equal([new CartLine("sku-1", 2), new CartLine("sku-2", 1)], lines);
    }

    [Fact]
    public async Task Stale_etag_write_fails_keeps_the_newer_value_and_reactivates_with_it()
    {
        var storage = TestStorage.Memory();
        await using var siloA = await Silos.StartAsync(new Probe(), storage: storage);
        await using var siloB = await Silos.StartAsync(new Probe(), storage: storage);
        var cartA = siloA.GrainFactory.GetGrain<ICartGrain>("shared");
        var cartB = siloB.GrainFactory.GetGrain<ICartGrain>("shared");
        await cartA.AddAsync(new CartLine("a", 1));
        await cartB.GetLinesAsync();
        await cartA.AddAsync(new CartLine("a", 2));

        await Assert.ThrowsAsync<InconsistentStateException>(() => cartB.AddAsync(new CartLine("b", 1)));

        var linesAfterConflict = await cartB.GetLinesAsync();
        Assert.Equal([new CartLine("a", 1), new CartLine("a", 2)], linesAfterConflict);
        Assert.Equal(3, await cartB.AddAsync(new CartLine("b", 1)));
    }

    [Fact]
    public async Task Clear_removes_the_record_and_the_grain_starts_over()
    {
        await using var silo = await Silos.StartAsync(new Probe());
        var cart = silo.GrainFactory.GetGrain<ICartGrain>("c2");
        await cart.AddAsync(new CartLine("x", 1));
        Assert.True(await cart.RecordExistsAsync());

        await cart.ClearAsync();

        Assert.False(await cart.RecordExistsAsync());
        Assert.Empty(await cart.GetLinesAsync());
        Assert.Equal(1, await cart.AddAsync(new CartLine("y", 1)));
    }

    [Fact]
    public async Task Arguments_cross_the_call_as_copies_like_a_remote_call()
    {
        await using var silo = await Silos.StartAsync(new Probe());
        var lines = new List<CartLine> { new("x", 1) };

        await silo.GrainFactory.GetGrain<ICartGrain>("c3").MutateArgumentAsync(lines);

        Assert.Single(lines);
    }

    [Fact]
    public async Task Grain_interface_with_a_non_serializable_parameter_is_refused_at_start()
    {
        var error = await Assert.ThrowsAsync<GrainDefinitionException>(() =>
            TestSilo.StartAsync(b => b.AddGrains(typeof(CallbackGrain))));

        Assert.Contains("ICallbackGrain.RunAsync", error.Message, StringComparison.Ordinal);
        Assert.Contains("Func", error.Message, StringComparison.Ordinal);
    }
}

public interface ICallbackGrain : IGrainWithStringKey
{
    Task RunAsync(Func<int> callback);
}

public sealed class CallbackGrain : Grain, ICallbackGrain
{
    public Task RunAsync(Func<int> callback) => Task.CompletedTask;
}
