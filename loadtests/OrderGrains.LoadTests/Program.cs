using OrderGrains.LoadTests;

// The generator keeps up to --max-in-flight PlaceOrder calls open over a few HTTP/2 connections, and .NET's HTTP/2
// client rents a header buffer per call from ArrayPool<byte>.Shared while the call waits for its connection's writer.
// The shared pool keeps 32 arrays per size and core by default, so most of those buffers were new arrays: in a
// 8,000-buyer flash sale the client allocated 223 of the process's 791 sampled MB (a gc-verbose trace), and the GC
// that garbage causes also runs over the in-process host's heap. The runtime reads this variable once, at the pool's
// first use, which is after this line; a value given by the caller wins.
const string PoolArrays = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";
if (Environment.GetEnvironmentVariable(PoolArrays) is null)
{
    Environment.SetEnvironmentVariable(PoolArrays, "1024");
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(LoadTestOptions.Usage);
    return 0;
}

LoadTestOptions options;
try
{
    options = LoadTestOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var report = await LoadTestRunner.RunAsync(options, Console.Out, "OrderGrains.LoadTests " + string.Join(' ', args), cancellation.Token);
return report.InvariantsHold ? 0 : 1;
