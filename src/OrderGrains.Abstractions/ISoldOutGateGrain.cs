namespace OrderGrains.Abstractions;

/// <summary>
/// Refuses a PlaceOrder that the silo's hot grains already announced sold out, without activating its order grain:
/// in a flash sale nearly every buyer ends here. A stateless worker; call it with key 0.
/// </summary>
public interface ISoldOutGateGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Validates the request and, if it is sold out, stores its REJECTED order (exactly what the order grain would
    /// store) and returns it. Null when the request is not sold out, or its order already exists: then the order
    /// grain decides, as for any other request (a duplicate, a conflict, or a placement).
    /// </summary>
    Task<PlaceOrderResult?> TryRefuseAsync(PlaceOrderCommand command);
}
