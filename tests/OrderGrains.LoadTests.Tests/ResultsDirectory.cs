namespace OrderGrains.LoadTests.Tests;

/// <summary>A fresh directory for one run's reports, deleted with everything in it when the test ends.</summary>
internal sealed class ResultsDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ordergrains-loadtest-results", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
