using Akka.Actor;
using Akka.Cluster;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;

namespace RedundantGateway.Membership;

/// <summary>How a node enters the cluster (rule 1): the seed nodes it lists, or none when it forms one alone at once.</summary>
/// <param name="FormAlone">join itself at once (an independent node).</param>
/// <param name="SeedNodes">the seed nodes to join, in order; the first one alone may form a cluster.</param>
/// <param name="FormAloneAfterJoinWait">join itself if still not a member after the join wait time (the backup).</param>
public sealed record JoinPlan(bool FormAlone, IReadOnlyList<Address> SeedNodes, bool FormAloneAfterJoinWait);

/// <summary>A member of this node's cluster, as the rules need it (kept apart from Akka's Member so the rules are testable).</summary>
public sealed record MemberView(Address Address, long Uid, MemberStatus Status);

/// <summary>
/// The pair's membership decisions, pure (docs/architecture.md, "Membership in a two-node cluster"):
/// <see cref="PairMembership"/> and the failure detector act on them.
/// Rule 2 (nobody is downed for being unreachable) is that nothing here downs a member of the current
/// incarnation, together with <c>akka.cluster.downing-provider-class = ""</c> in reference.conf.
/// </summary>
public static class MembershipRules
{
    /// <summary>
    /// Rule 1. The master lists itself first and the backup second: it joins a backup that already runs alone
    /// and otherwise forms the cluster. The backup lists only the master, so it never forms a cluster while the
    /// master may still answer; it forms one alone only after the join wait time.
    /// </summary>
    public static JoinPlan PlanJoin(NodeRole role, Address self, Address? master, Address? backup) => role switch
    {
        NodeRole.Master => new JoinPlan(false, backup is null ? [self] : [self, backup], false),
        NodeRole.Backup => new JoinPlan(false, [master ?? throw new ArgumentNullException(nameof(master), "a backup needs the master's address")], true),
        _ => new JoinPlan(true, [], false),
    };

    /// <summary>Rule 1: after the join wait time, a backup that is still not a member forms a cluster alone.</summary>
    public static bool FormsAloneAfterJoinWait(JoinPlan plan, bool selfIsMember) => plan.FormAloneAfterJoinWait && !selfIsMember;

    /// <summary>
    /// Rule 3, the only downing: the member at the peer's address whose incarnation is not the one that answers
    /// (the peer restarted; the old incarnation can never come back). Null when there is none, it is the same
    /// incarnation (rule 2: an unreachable peer is never downed), or it is already down.
    /// </summary>
    public static MemberView? OldIncarnationToDown(IEnumerable<MemberView> members, string peerAddress, long peerUid)
    {
        var sameAddress = PeerMember(members, peerAddress);
        return sameAddress is not null && sameAddress.Uid != peerUid && sameAddress.Status != MemberStatus.Down ? sameAddress : null;
    }

    /// <summary>The member of this node's cluster at the peer's address, whatever its incarnation.</summary>
    public static MemberView? PeerMember(IEnumerable<MemberView> members, string peerAddress) =>
        members.FirstOrDefault(m => m.Address.ToString() == peerAddress);

    /// <summary>
    /// Rule 4: two separate clusters. This node is Up in its own, the peer says it is Up in one that does not
    /// contain this node, and the peer is no member of this node's cluster.
    /// </summary>
    public static bool IsSplit(bool selfUp, bool peerUp, bool peerSeesSelf, bool peerIsMemberHere) =>
        selfUp && peerUp && !peerSeesSelf && !peerIsMemberHere;

    /// <summary>Rule 4: a split is acted on only once it has lasted the confirm time (gossip settles well within it).</summary>
    public static bool SplitConfirmed(DateTime seenSince, DateTime now, TimeSpan confirmTime) => now - seenSince >= confirmTime;

    /// <summary>
    /// Rule 4: does this node rebuild its actor system and join the peer's cluster? The side that the
    /// designation rules would not keep active yields (with nobody active, the backup).
    /// </summary>
    public static bool YieldsOnMerge(string selfAddress, string selfName, PeerActivity self,
        string peerAddress, string peerName, PeerActivity peer, RecoveryMode mode) =>
        DesignationRules.YieldsOnMerge(ToReport(selfAddress, selfName, self), ToReport(peerAddress, peerName, peer), mode);

    private static CoordinatorReport ToReport(string address, string name, PeerActivity activity) =>
        new(address, 0, name, activity.Role, activity.Level, activity.Epoch, activity.ActiveSinceMs);
}
