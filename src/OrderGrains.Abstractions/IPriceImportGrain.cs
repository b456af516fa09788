namespace OrderGrains.Abstractions;

/// <summary>Bulk price imports: checks the whole import, then sets each SKU's price with the import id as its sync id.</summary>
public interface IPriceImportGrain : IGrainWithIntegerKey
{
    /// <summary>Imports the list; returns how many SKUs it held. Nothing is written when any item is malformed.</summary>
    Task<int> ImportAsync(PriceListImportCommand command);
}
