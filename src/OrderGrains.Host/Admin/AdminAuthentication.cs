namespace OrderGrains.Host.Admin;

/// <summary>Marks an admin endpoint that changes something: only operator tokens may call it, others get 403.</summary>
public sealed class RequiresOperatorAttribute : Attribute
{
}

/// <summary>Marks an endpoint that decides a hold: operator, reviewer, supervisor or finance tokens; viewers get 403.</summary>
public sealed class RequiresDeciderAttribute : Attribute
{
}

/// <summary>
/// Every request under <c>/admin</c> needs <c>Authorization: Bearer &lt;token&gt;</c>: 401 without a known token,
/// 403 when a viewer calls an endpoint marked <see cref="RequiresOperatorAttribute"/>. Runs before body binding, so an
/// unauthenticated caller learns nothing from how its body would have been read. Tokens are never logged.
/// Orleans' dashboard (under <see cref="OrleansDashboardPath"/>) is a page a browser navigates to, which sends no
/// header: there the token may also come from the HttpOnly cookie that <see cref="StartDashboardSession"/> sets,
/// scoped to that path and same-site only.
/// </summary>
internal static class AdminAuthentication
{
    /// <summary>Where Orleans' dashboard is mapped: under /admin, so this middleware guards it.</summary>
    public const string OrleansDashboardPath = "/admin/orleans";

    /// <summary>The cookie that carries the token to Orleans' dashboard.</summary>
    public const string DashboardCookie = "ordergrains_admin";

    private const string OperatorItem = "OrderGrains.AdminOperator";

    /// <summary>The operator the current request authenticated as (set by the middleware).</summary>
    public static AdminOperator Operator(this HttpContext context) =>
        context.Items[OperatorItem] as AdminOperator ?? throw new InvalidOperationException("The admin request was not authenticated.");

    public static IApplicationBuilder UseAdminAuthentication(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            var tokens = context.RequestServices.GetRequiredService<AdminTokens>();
            var header = context.Request.Headers.Authorization.ToString();
            if (header.Length == 0
                && context.Request.Path.StartsWithSegments(OrleansDashboardPath, StringComparison.OrdinalIgnoreCase)
                && context.Request.Cookies[DashboardCookie] is { Length: > 0 } cookie)
            {
                header = "Bearer " + cookie;
            }

            var admin = Authenticate(header, tokens);
            if (admin is null)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ordergrains-admin\"";
                await Results.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: "Send 'Authorization: Bearer <token>' with a token from OrderGrains:Admin:Tokens (or the generated data/admin-token).").ExecuteAsync(context);
                return;
            }

            var metadata = context.GetEndpoint()?.Metadata;
            if (!admin.Has(AdminRole.Operator) && metadata?.GetMetadata<RequiresOperatorAttribute>() is not null)
            {
                await Forbidden(context, $"'{admin.Name}' is {Describe(admin)}; this action needs an operator token.");
                return;
            }

            if (!admin.Has(AdminOperator.Deciding) && metadata?.GetMetadata<RequiresDeciderAttribute>() is not null)
            {
                await Forbidden(context, $"'{admin.Name}' is {Describe(admin)}; deciding a hold needs an operator, reviewer, supervisor or finance token.");
                return;
            }

            context.Items[OperatorItem] = admin;
            await next(context);
        });

    /// <summary>
    /// <c>POST /admin/dashboard-session</c>: the caller authenticated with its bearer token; the token is handed back as
    /// an HttpOnly, same-site cookie for <see cref="OrleansDashboardPath"/> only, so the browser can open Orleans' dashboard.
    /// </summary>
    public static IResult StartDashboardSession(HttpContext context)
    {
        const string scheme = "Bearer ";
        var token = context.Request.Headers.Authorization.ToString()[scheme.Length..].Trim();
        context.Response.Cookies.Append(DashboardCookie, token, new CookieOptions
        {
            Path = OrleansDashboardPath,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            IsEssential = true,
        });
        return Results.NoContent();
    }

    /// <summary><c>DELETE /admin/dashboard-session</c>: signing out of our dashboard forgets the cookie too.</summary>
    public static IResult EndDashboardSession(HttpContext context)
    {
        context.Response.Cookies.Delete(DashboardCookie, new CookieOptions { Path = OrleansDashboardPath });
        return Results.NoContent();
    }

    private static Task Forbidden(HttpContext context, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail).ExecuteAsync(context);

    private static string Describe(AdminOperator admin) => admin.Role == AdminRole.Viewer ? "a viewer" : string.Join(", ", admin.RoleNames);

    private static AdminOperator? Authenticate(string header, AdminTokens tokens)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[scheme.Length..].Trim();
        return token.Length == 0 ? null : tokens.Authenticate(token);
    }
}
