using System.Net.Http.Headers;
using System.Text;
using Grpc.Core;

namespace OrderGrains.Host.Tests;

/// <summary>Calls the contract tests share: a gRPC call that must fail with a status, and an admin API request.</summary>
internal static class ContractCalls
{
    /// <summary>Runs <paramref name="call"/>, which must fail with <paramref name="expected"/>; returns the status detail.</summary>
    public static async Task<string> StatusAsync(StatusCode expected, Func<Task> call)
    {
        var failure = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, failure.StatusCode);
        return failure.Status.Detail;
    }

    /// <summary>An admin API request with an optional bearer token and JSON body.</summary>
    public static async Task<HttpResponseMessage> SendAdminAsync(this HttpClient http, string method, string path, string? token, string? body = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }
}
