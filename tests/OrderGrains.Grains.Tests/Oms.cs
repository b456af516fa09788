using System.Text.Json;
using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>A test silo hosting the order domain, with helpers to seed master data and place orders.</summary>
internal sealed class Oms : IAsyncDisposable
{
    public static readonly ShippingAddress Berlin = new("Ada", "Unter den Linden 1", "Berlin", "BE", "DE", "10117", 52.5200, 13.4050);
    public static readonly (double Lat, double Lon) BerlinWarehouse = (52.40, 13.30);
    public static readonly (double Lat, double Lon) HamburgWarehouse = (53.55, 9.99);
    public static readonly (double Lat, double Lon) MunichWarehouse = (48.14, 11.58);
    public static readonly (double Lat, double Lon) ParisWarehouse = (48.85, 2.35);

    private Oms(TestSilo silo)
    {
        Silo = silo;
    }

    public TestSilo Silo { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    /// <summary>Starts the order domain on <paramref name="storage"/> (fresh memory by default) in <paramref name="silos"/> silos.</summary>
    public static async Task<Oms> StartAsync(TestStorage? storage = null, Action<OrderOptions>? configure = null, short silos = 1) =>
        new(await TestSilo.StartAsync(storage ?? TestStorage.Memory(), builder => builder.AddOrderDomain(configure), silos: silos));

    public Task<WarehouseInfo> WarehouseAsync(string id, (double Lat, double Lon) at, bool active = true) =>
        Grains.GetGrain<IWarehouseGrain>(id).UpsertAsync(new WarehouseInfo(id, $"Warehouse {id}", at.Lat, at.Lon, active));

    public Task<SkuAvailability> StockAsync(string sku, string warehouseId, int onHand) =>
        Grains.GetGrain<ISkuStockGrain>(sku).SetStockAsync(new SetStockCommand(warehouseId, onHand, Guid.NewGuid().ToString("N")));

    public Task<CustomerProfile> CustomerAsync(string id, long creditLimitMinor = 0, bool blocked = false) =>
        Grains.GetGrain<ICustomerAccountGrain>(id).UpsertAsync(new CustomerProfile(id, $"Customer {id}", "gold", creditLimitMinor, blocked));

    public Task<SkuAvailability> AvailabilityAsync(string sku) => Grains.GetGrain<ISkuStockGrain>(sku).GetAvailabilityAsync();

    public Task<CustomerAccount> AccountAsync(string id) => Grains.GetGrain<ICustomerAccountGrain>(id).GetAsync();

    public IOrderGrain Order(string externalId, string channel = "web") => Grains.GetGrain<IOrderGrain>(OrderIds.For(channel, externalId));

    /// <summary>An approval by <paramref name="approver"/> holding the reviewer role.</summary>
    public static HoldApproval Reviewer(string approver) => new(approver, [ReviewRoles.Reviewer]);

    public static PlaceOrderCommand Command(string externalId, string customerId, params OrderLine[] lines) =>
        new("web", externalId, customerId, lines, Berlin, null, "EUR");

    public Task<PlaceOrderResult> PlaceAsync(PlaceOrderCommand command) =>
        Grains.GetGrain<IOrderGrain>(OrderIds.For(command.Channel, command.ExternalOrderId)).PlaceAsync(command);

    public Task<PlaceOrderResult> PlaceAsync(string externalId, string customerId, params OrderLine[] lines) =>
        PlaceAsync(Command(externalId, customerId, lines));

    /// <summary>One warehouse in Berlin with <paramref name="units"/> of <paramref name="sku"/>, and a customer without credit limit.</summary>
    public async Task SeedSimpleAsync(string sku = "SKU-1", int units = 10, string customerId = "c1")
    {
        await WarehouseAsync("BER", BerlinWarehouse);
        await StockAsync(sku, "BER", units);
        await CustomerAsync(customerId);
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Snapshots hold lists, which records compare by reference; compare what goes over the wire instead.</summary>
    public static void AssertSameOrder(OrderSnapshot expected, OrderSnapshot actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));

    /// <summary>How many silos host activations of <typeparamref name="TGrain"/> (Orleans' management grain).</summary>
    public async Task<int> SilosHostingAsync<TGrain>()
    {
        var statistics = await Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics
            .Where(s => s.ActivationCount > 0 && s.GrainType.Contains(typeof(TGrain).FullName!, StringComparison.Ordinal))
            .Select(s => s.SiloAddress)
            .Distinct()
            .Count();
    }

    public ValueTask DisposeAsync() => Silo.DisposeAsync();
}
