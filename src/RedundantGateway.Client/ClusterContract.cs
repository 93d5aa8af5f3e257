namespace RedundantGateway.Client;

/// <summary>GET /api/cluster/members: the Akka cluster as this node sees it, with the pair's view of each member.</summary>
public sealed record ClusterMembersAnswer(string NodeName, IReadOnlyList<ClusterMemberInfo> Members);

/// <summary>One cluster member.</summary>
/// <param name="Status">Akka's member status: Joining, Up, Leaving, Exiting, Down, Removed, WeaklyUp.</param>
/// <param name="Reachability">Reachable or Unreachable (from this node's cluster failure detector).</param>
/// <param name="ActivityLevel">active, warm, cold, undecided; null when this node does not know it (not the peer it heartbeats).</param>
/// <param name="Version">the member's product version; null when unknown.</param>
public sealed record ClusterMemberInfo(
    string Address,
    IReadOnlyList<string> Roles,
    string Status,
    string Reachability,
    bool Self,
    string? NodeName,
    string? ActivityLevel,
    string? Version);
