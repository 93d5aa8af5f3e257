using System.Reflection;

namespace RedundantGateway.Node.StatusPage;

/// <summary>
/// Status > Redundancy: the page at /status/redundancy (HTML, script and style embedded in the node's assembly, so
/// nothing is fetched from elsewhere at run time), and the CORS the page needs to read the peer's status and events.
/// </summary>
internal static class StatusPageWeb
{
    public const string PagePath = "/status/redundancy";

    private static readonly (string Path, string Resource, string ContentType)[] Assets =
    [
        (PagePath, "redundancy.html", "text/html; charset=utf-8"),
        (PagePath + "/app.js", "redundancy.js", "text/javascript; charset=utf-8"),
        (PagePath + "/app.css", "redundancy.css", "text/css; charset=utf-8"),
    ];

    /// <summary>Lets the peer's origin read this node's status and events (before the token gate: a preflight carries no token).</summary>
    public static void UsePeerCors(this WebApplication app, Func<Task<string?>> peerWebAddress)
    {
        app.Use(async (http, next) =>
        {
            var origin = http.Request.Headers.Origin.ToString();
            var allowed = origin.Length == 0 ? null
                : PeerCorsRules.AllowedOrigin(http.Request.Method, http.Request.Path, origin, await peerWebAddress());
            if (allowed is null)
            {
                await next(http);
                return;
            }
            http.Response.Headers.AccessControlAllowOrigin = allowed;
            http.Response.Headers.Vary = "Origin";
            if (HttpMethods.IsOptions(http.Request.Method))
            {
                http.Response.Headers.AccessControlAllowMethods = "GET";
                http.Response.Headers.AccessControlAllowHeaders = "Authorization";
                http.Response.Headers.AccessControlMaxAge = "600";
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            await next(http);
        });
    }

    public static void MapStatusPage(this WebApplication app)
    {
        var assembly = typeof(StatusPageWeb).Assembly;
        foreach (var (path, resource, contentType) in Assets)
        {
            var bytes = Read(assembly, resource);
            app.MapGet(path, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(bytes, contentType);
            });
        }
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream($"RedundantGateway.Node.StatusPage.{name}")
            ?? throw new InvalidOperationException($"the status page's '{name}' is missing from the node's assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
