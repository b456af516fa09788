using OrderGrains.Host;

return await OrderGrainsHost.RunAsync(args);
