using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Runtime.Hosting;
using OrderGrains.Testing;

namespace OrderGrains.Runtime.Tests;

internal static class Silos
{
    public static Task<TestSilo> StartAsync(Probe probe, Action<SiloOptions>? options = null, TestStorage? storage = null, Action<SiloBuilder>? configure = null) =>
        TestSilo.StartAsync(
            storage ?? TestStorage.Memory(),
            builder =>
            {
                builder.AddGrains(typeof(CounterGrain), typeof(PingGrain), typeof(ReentrantGrain), typeof(CartGrain), typeof(AlarmGrain), typeof(ShortLivedGrain));
                if (options is not null)
                {
                    builder.Configure(options);
                }

                configure?.Invoke(builder);
            },
            services => services.AddSingleton(probe));

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(20);
        }
    }
}
