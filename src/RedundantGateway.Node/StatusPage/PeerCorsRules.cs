namespace RedundantGateway.Node.StatusPage;

/// <summary>
/// Which cross-origin reads a node allows: the peer's status page polls this node's status and events, and the peer's
/// HMI pages, having lost their node, ask this one for its level and may read its live tag stream; so the peer's origin
/// (from its web address in the status) may GET /api/redundancy, /api/redundancy/events, /system/gwinfo and
/// /api/tags/stream, and nothing else.
/// Pure: the middleware in <see cref="StatusPageWeb"/> applies it.
/// </summary>
internal static class PeerCorsRules
{
    private static readonly string[] SharedPaths = ["/api/redundancy", "/api/redundancy/events", "/system/gwinfo", "/api/tags/stream"];

    /// <summary>The origin to echo in Access-Control-Allow-Origin, or null when this request gets no CORS headers.</summary>
    public static string? AllowedOrigin(string method, string path, string? origin, string? peerWebAddress)
    {
        if (string.IsNullOrEmpty(origin) || string.IsNullOrEmpty(peerWebAddress)) return null;
        if (!(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))) return null;
        var trimmed = path.TrimEnd('/');
        if (!SharedPaths.Any(p => string.Equals(p, trimmed, StringComparison.OrdinalIgnoreCase))) return null;
        if (OriginOf(origin) is not { } asked || OriginOf(peerWebAddress) is not { } peer) return null;
        return string.Equals(asked, peer, StringComparison.OrdinalIgnoreCase) ? origin : null;
    }

    /// <summary>scheme://host:port of an absolute http(s) address (the port always written); null when it is none.</summary>
    public static string? OriginOf(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? $"{uri.Scheme}://{uri.Host}:{uri.Port}"
            : null;
}
