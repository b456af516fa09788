using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>Reads the read model through the admin API, waiting (up to 20 s) where the projection is asynchronous.</summary>
internal sealed class ReadModelProbe(int adminPort, string token) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}/"), Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Http => _http;

    public async Task<HttpResponseMessage> GetAsync(string path, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? token);
        return await _http.SendAsync(request);
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The orders of one search page.</summary>
    public async Task<JsonArray> OrdersAsync(string query) => (await GetJsonAsync("admin/orders?" + query))["orders"]!.AsArray();

    /// <summary>Searches until <paramref name="condition"/> holds on the rows; fails with the last rows after 20 s.</summary>
    public async Task<JsonArray> EventuallyAsync(string query, Func<JsonArray, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var rows = await OrdersAsync(query);
            if (condition(rows))
            {
                return rows;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The read model did not show the expected rows for ?{query}: {rows.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The row of one order, once it shows <paramref name="status"/>.</summary>
    public async Task<JsonNode> RowAsync(string customer, string orderId, string status)
    {
        var rows = await EventuallyAsync(
            $"customer={Uri.EscapeDataString(customer)}&limit=500",
            r => r.Any(o => (string?)o!["orderId"] == orderId && (string?)o["status"] == status));
        return rows.Single(o => (string?)o!["orderId"] == orderId)!;
    }

    public void Dispose() => _http.Dispose();
}
