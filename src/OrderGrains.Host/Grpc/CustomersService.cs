using Grpc.Core;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>ordergrains.v1.Customers: customer master data.</summary>
public sealed class CustomersService(IGrainFactory grains) : Wire.Customers.CustomersBase
{
    public override async Task<Wire.Customer> UpsertCustomer(Wire.Customer request, ServerCallContext context)
    {
        var key = WireMapping.RequireKey(request.CustomerId, "customer_id");
        var saved = await grains.GetGrainCached<ICustomerAccountGrain>(key).UpsertAsync(WireMapping.ToDomain(request)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(saved);
    }
}
