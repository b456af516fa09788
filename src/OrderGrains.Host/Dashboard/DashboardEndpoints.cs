using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace OrderGrains.Host.Dashboard;

/// <summary>
/// Serves the operations dashboard (src/OrderGrains.Host/wwwroot, embedded in this assembly) at <c>/</c> on the admin port.
/// Embedded rather than read from disk, so the page is the same whatever directory the host was started from.
/// </summary>
public static class DashboardEndpoints
{
    private const string ResourcePrefix = "OrderGrains.Host.wwwroot";
    private const string IndexFile = "index.html";

    // The page loads only its own script and stylesheet and talks only to this origin's admin API.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Maps <c>/</c> and every file of the dashboard to GET routes bound to the admin port.</summary>
    public static void MapDashboard(this WebApplication app, HostSettings settings)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardEndpoints).Assembly, ResourcePrefix);
        var contentTypes = new FileExtensionContentTypeProvider();
        var adminHost = $"*:{settings.AdminPort}";
        var names = files.GetDirectoryContents(string.Empty).Select(file => file.Name).ToList();
        if (!names.Contains(IndexFile))
        {
            throw new InvalidOperationException($"The dashboard's {IndexFile} is not embedded in {typeof(DashboardEndpoints).Assembly.GetName().Name}.");
        }

        foreach (var name in names)
        {
            var file = files.GetFileInfo(name);
            var contentType = contentTypes.TryGetContentType(name, out var known) ? known : "application/octet-stream";
            app.MapGet("/" + name, (HttpContext context) => Serve(context, file, contentType)).RequireHost(adminHost);
            if (name == IndexFile)
            {
                app.MapGet("/", (HttpContext context) => Serve(context, file, contentType)).RequireHost(adminHost);
            }
        }
    }

    private static IResult Serve(HttpContext context, IFileInfo file, string contentType)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Stream(file.CreateReadStream(), contentType, lastModified: file.LastModified);
    }
}
