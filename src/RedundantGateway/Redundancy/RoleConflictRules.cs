using RedundantGateway.Liveness;

namespace RedundantGateway.Redundancy;

/// <summary>
/// Both nodes configured with the same role (two masters or two backups): an operator's mistake that the node
/// link reveals, since every heartbeat answer carries the responder's configured role. Until it is fixed the
/// pair keeps at most one node active, the one active the longest, and reports the mistake. Pure rules.
/// </summary>
public static class RoleConflictRules
{
    /// <summary>The problem to report, or null when the two roles make a pair.</summary>
    public static string? Describe(NodeRole self, NodeRole peer) =>
        self == peer && self is NodeRole.Master or NodeRole.Backup
            ? $"both nodes are configured as {self.ToString().ToLowerInvariant()}"
            : null;

    /// <summary>
    /// With a role conflict and both nodes active, does this node stand down? The node active the longest stays
    /// (the older activation); on a tie, the one with the smaller address, so exactly one of the two yields.
    /// </summary>
    public static bool StandsDown(string selfAddress, PeerActivity self, string peerAddress, PeerActivity peer)
    {
        if (Describe(self.Role, peer.Role) is null || self.Level != ActivityLevel.Active || peer.Level != ActivityLevel.Active) return false;
        var selfSince = self.ActiveSinceMs ?? long.MaxValue;
        var peerSince = peer.ActiveSinceMs ?? long.MaxValue;
        if (selfSince != peerSince) return selfSince > peerSince;
        return string.CompareOrdinal(selfAddress, peerAddress) > 0;
    }

    /// <summary>
    /// With a role conflict, when the join wait ends and the peer answers still undecided: both would go active alone at
    /// once (two masters started together, each in a cluster of its own). Only the one with the smaller address goes
    /// active, as the designation rules would choose; the other stands by, so the two are never active together.
    /// </summary>
    public static bool StandsByAtJoinWait(string selfAddress, NodeRole self, string peerAddress, PeerActivity peer) =>
        Describe(self, peer.Role) is not null && peer.Level == ActivityLevel.Undecided && string.CompareOrdinal(selfAddress, peerAddress) > 0;

    /// <summary>With a role conflict, this node may not become active while the peer is.</summary>
    public static bool MayBecomeActive(NodeRole self, PeerActivity? peer) =>
        peer is null || Describe(self, peer.Role) is null || peer.Level != ActivityLevel.Active;
}
