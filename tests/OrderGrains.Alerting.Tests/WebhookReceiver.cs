using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrderGrains.Alerting.Tests;

/// <summary>
/// A real HTTP server on loopback (HttpListener) standing in for the purchasing/WMS system: records every request and
/// answers what <see cref="Answer"/> says for it (200 unless told otherwise). Can start late, to refuse connections first.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public WebhookReceiver()
    {
        Port = FreePort();
        _listener.Prefixes.Add(Url);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/alerts/";

    /// <summary>The answer to a request, given how many requests came before it: (status, Retry-After seconds or null).</summary>
    public Func<Received, int, (int Status, int? RetryAfterSeconds)> Answer { get; set; } = (_, _) => (200, null);

    public ConcurrentQueue<Received> Requests { get; } = new();

    public IReadOnlyList<Received> Of(string key) => [.. Requests.Where(r => r.IdempotencyKey == key)];

    public void Start()
    {
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        if (_loop is not null)
        {
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _listener.Close();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var count = 0;
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var received = new Received(
                context.Request.HttpMethod,
                context.Request.Headers["Idempotency-Key"],
                context.Request.Headers["X-OrderGrains-Delivery-Attempt"],
                context.Request.ContentType,
                await reader.ReadToEndAsync(),
                DateTimeOffset.UtcNow);
            var (status, retryAfter) = Answer(received, count++);
            Requests.Enqueue(received);
            context.Response.StatusCode = status;
            if (retryAfter is { } seconds)
            {
                context.Response.Headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var body = Encoding.UTF8.GetBytes(status >= 400 ? $"receiver says {status}" : "ok");
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public sealed record Received(string Method, string? IdempotencyKey, string? Attempt, string? ContentType, string Body, DateTimeOffset At);
}
