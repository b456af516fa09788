using OrderGrains.ErpLedger;

return await ErpLedgerApp.RunAsync(args);
