namespace OrderGrains.Host.Admin;

/// <summary>Marks an admin endpoint that changes something: viewers get 403.</summary>
public sealed class RequiresOperatorAttribute : Attribute
{
}

/// <summary>
/// Every request under <c>/admin</c> needs <c>Authorization: Bearer &lt;token&gt;</c>: 401 without a known token,
/// 403 when a viewer calls an endpoint marked <see cref="RequiresOperatorAttribute"/>. Runs before body binding, so an
/// unauthenticated caller learns nothing from how its body would have been read. Tokens are never logged.
/// </summary>
internal static class AdminAuthentication
{
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
            var admin = Authenticate(context.Request.Headers.Authorization.ToString(), tokens);
            if (admin is null)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ordergrains-admin\"";
                await Results.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: "Send 'Authorization: Bearer <token>' with a token from OrderGrains:Admin:Tokens (or the generated data/admin-token).").ExecuteAsync(context);
                return;
            }

            if (admin.Role != AdminRole.Operator && context.GetEndpoint()?.Metadata.GetMetadata<RequiresOperatorAttribute>() is not null)
            {
                await Results.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Forbidden",
                    detail: $"'{admin.Name}' is a viewer; this action needs an operator token.").ExecuteAsync(context);
                return;
            }

            context.Items[OperatorItem] = admin;
            await next(context);
        });

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
