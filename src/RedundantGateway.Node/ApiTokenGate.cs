using Microsoft.Extensions.Primitives;
using RedundantGateway.Client;
using RedundantGateway.Configuration;

namespace RedundantGateway.Node;

/// <summary>
/// The web surface's token check (<c>redundant-gateway.api</c>): actions and edits (every POST, PUT, PATCH and DELETE
/// under /api) need the token; reads (GET under /api, /metrics, the hub) only with <c>protect-reads = on</c>;
/// /system/gwinfo never, so load balancers keep probing. A missing or wrong token is answered 401 with one line and
/// the request goes no further. The hub's Ack, Shelve and Unshelve check it themselves (<see cref="TagHub"/>).
/// </summary>
internal static class ApiTokenGate
{
    public const string TokenHeader = "X-RG-Token";

    /// <summary>What a request needs, by method and path alone (pure: no token involved).</summary>
    public static bool NeedsToken(string method, string path, bool protectReads)
    {
        if (IsUnder(path, "/system")) return false;
        var write = !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
        if (IsUnder(path, "/api")) return write || protectReads;
        // The hub's writes are its methods, checked there; its connection (negotiate is a POST) is a read.
        if (IsUnder(path, "/hubs") || IsUnder(path, "/metrics")) return protectReads;
        return false;
    }

    /// <summary>
    /// The token a request carries: <c>Authorization: Bearer</c>, else <c>X-RG-Token</c>, else (for the hub only, where
    /// browsers cannot set headers on a WebSocket) SignalR's <c>access_token</c> query value.
    /// </summary>
    public static string? Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization[7..].Trim();
        if (request.Headers.TryGetValue(TokenHeader, out var header) && !StringValues.IsNullOrEmpty(header)) return header.ToString().Trim();
        if (IsUnder(request.Path, "/hubs") && request.Query.TryGetValue("access_token", out var query)) return query.ToString();
        return null;
    }

    /// <summary>The one line of a 401: what is missing, never what was sent.</summary>
    public static string Refusal(string? presented) => presented is null
        ? "an API token is required: send 'Authorization: Bearer <token>' (redundant-gateway.api.token); nothing was done"
        : "the API token is wrong (redundant-gateway.api.token); nothing was done";

    public static void UseApiTokens(this WebApplication app, ApiSettings api)
    {
        if (!api.HasToken) return; // nothing to check: the surface is open, as it was before tokens existed
        app.Use(async (http, next) =>
        {
            if (!NeedsToken(http.Request.Method, http.Request.Path, api.ProtectReads))
            {
                await next(http);
                return;
            }
            var presented = Presented(http.Request);
            if (api.Allows(presented))
            {
                await next(http);
                return;
            }
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await NodeWeb.Json(new ErrorBody(Refusal(presented)), StatusCodes.Status401Unauthorized).ExecuteAsync(http);
        });
    }

    private static bool IsUnder(PathString path, string prefix) =>
        path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase);
}
