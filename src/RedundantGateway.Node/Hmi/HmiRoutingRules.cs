using RedundantGateway.Node.StatusPage;

namespace RedundantGateway.Node.Hmi;

/// <summary>What a node does with a request for an HMI page.</summary>
internal enum HmiPageAction
{
    /// <summary>This node is active: the live page.</summary>
    Live,
    /// <summary>The peer is active and its web address is known: go there, same path and query.</summary>
    Redirect,
    /// <summary>No active node is known (this node is a standby alone or between levels): the page, saying so; its script moves once a node is active.</summary>
    Waiting,
}

/// <param name="Location">where a redirect goes (the peer's origin, the same path and query); null otherwise.</param>
internal sealed record HmiPageDecision(HmiPageAction Action, string? Location = null);

/// <summary>
/// Whether a node serves an HMI page or sends the browser to the active node. Pure: the route in
/// <see cref="HmiWeb"/> gathers the facts and applies it.
/// </summary>
internal static class HmiRoutingRules
{
    /// <param name="thisNodeActive">this node's level, as it may be shown now, is active.</param>
    /// <param name="peerActive">the peer is connected and designated the active node (a peer last known active but no
    /// longer connected may be dead: the browser is not sent to it).</param>
    /// <param name="peerWebAddress">the peer's web address as it told it (e.g. http://host:8088); null or empty when unknown.</param>
    /// <param name="pathAndQuery">the request's path and query string, kept as they are (e.g. /hmi/demo/overview?x=1).</param>
    public static HmiPageDecision Decide(bool thisNodeActive, bool peerActive, string? peerWebAddress, string pathAndQuery)
    {
        if (thisNodeActive) return new(HmiPageAction.Live);
        if (peerActive && !string.IsNullOrEmpty(peerWebAddress) && PeerCorsRules.OriginOf(peerWebAddress) is { } origin)
            return new(HmiPageAction.Redirect, origin + (pathAndQuery.StartsWith('/') ? pathAndQuery : "/" + pathAndQuery));
        return new(HmiPageAction.Waiting);
    }
}
