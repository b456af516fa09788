using System.Collections.Concurrent;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests.Dashboard;

/// <summary>
/// Places orders through the gRPC client in the background, one loop per channel, until disposed: most take one
/// unit of a well-stocked SKU, every fourth asks two units of a scarce SKU, which is soon out of stock and rejected.
/// </summary>
public sealed class OrderTraffic : IAsyncDisposable
{
    // Slow enough to leave the second core to the host and the browser on a busy 2-core machine.
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(80);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentQueue<Order> _placed = new();
    private readonly ConcurrentQueue<Exception> _failures = new();

    private OrderTraffic()
    {
    }

    /// <summary>Every order placed so far, in reply order.</summary>
    public IReadOnlyCollection<Order> Placed => _placed;

    public static OrderTraffic Start(OrderGrainsClient client, string run, IReadOnlyList<string> customers, string hotSku, string scarceSku, params string[] channels)
    {
        var traffic = new OrderTraffic();
        foreach (var channel in channels)
        {
            traffic._loops.Add(Task.Run(() => traffic.RunAsync(client, run, channel, customers, hotSku, scarceSku)));
        }

        return traffic;
    }

    /// <summary>Throws the first call that failed (a rejected order is a reply, not a failure).</summary>
    public void ThrowIfFailed()
    {
        if (_failures.TryPeek(out var failure))
        {
            throw new InvalidOperationException("Placing background orders failed.", failure);
        }
    }

    private async Task RunAsync(OrderGrainsClient client, string run, string channel, IReadOnlyList<string> customers, string hotSku, string scarceSku)
    {
        var sequence = 0;
        while (!_stop.IsCancellationRequested)
        {
            sequence++;
            var scarce = sequence % 4 == 0;
            var request = new PlaceOrderRequest
            {
                Channel = channel,
                ExternalOrderId = $"{run}-{sequence}",
                CustomerId = customers[sequence % customers.Count],
                Currency = "EUR",
                ShipTo = new Address
                {
                    Recipient = "Ada Lovelace",
                    Line1 = "Unter den Linden 1",
                    City = "Berlin",
                    Region = "BE",
                    Country = "DE",
                    PostalCode = "10117",
                    Latitude = 52.5,
                    Longitude = 13.4,
                },
            };
            request.Lines.Add(new OrderLine { Sku = scarce ? scarceSku : hotSku, Quantity = scarce ? 2 : 1, UnitPriceMinor = 1999 });
            try
            {
                var reply = await client.PlaceOrderAsync(request, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(20)));
                _placed.Enqueue(reply.Order);
                await Task.Delay(Pause, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (!_stop.IsCancellationRequested)
            {
                _failures.Enqueue(exception);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        finally
        {
            _stop.Dispose();
        }
    }
}
