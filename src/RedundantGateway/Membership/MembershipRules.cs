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

/// <summary>What a backup does when its join wait time elapses (rule 1).</summary>
public enum JoinWaitOutcome
{
    /// <summary>Nothing: it is a member already, or it is no backup.</summary>
    Done,
    /// <summary>The master answers: keep joining it (Akka retries by itself) and look again later.</summary>
    KeepJoining,
    /// <summary>The master is silent: form a cluster alone (after asking the master once more).</summary>
    FormAlone,
}

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

    /// <summary>
    /// Rule 1: after the join wait time, a backup that is still not a member forms a cluster alone only once the
    /// master has been silent (no heartbeat answer) at two looks in a row, <c>akka.cluster.seed-node-timeout</c>
    /// apart. While the master answers, it is up or about to form its cluster, and Akka's join to it may be in
    /// flight: the backup keeps joining it (<see cref="JoinWaitOutcome.KeepJoining"/>) and looks again later.
    /// (Seen under load: a master that took 15 s to start answered 0.5 s after a backup's single look.)
    /// </summary>
    /// <param name="silentLooksBefore">earlier looks in a row at which the master was silent.</param>
    public static JoinWaitOutcome AfterJoinWait(JoinPlan plan, bool selfIsMember, bool masterAnswers, int silentLooksBefore) =>
        !plan.FormAloneAfterJoinWait || selfIsMember ? JoinWaitOutcome.Done
        : masterAnswers || silentLooksBefore + 1 < SilentLooksToFormAlone ? JoinWaitOutcome.KeepJoining
        : JoinWaitOutcome.FormAlone;

    /// <summary>Rule 1: looks in a row at which the master must be silent before a backup forms a cluster alone.</summary>
    public const int SilentLooksToFormAlone = 2;

    /// <summary>
    /// Rule 1: the seed nodes a backup gives Akka to form a cluster alone: itself first, then its plan's seeds (the master).
    /// Never a bare join of itself: that aborts a join in flight and Akka.NET then drops the master's Welcome
    /// (only the joining state accepts one), leaving this node alone while the master lists it as a member, for good.
    /// With itself first, Akka's first-seed process asks the master once more and joins it if it answers
    /// (a master that accepted the lost join then welcomes it again); it forms a cluster alone only when the master
    /// stays silent for <c>akka.cluster.seed-node-timeout</c> or answers that it has no cluster.
    /// </summary>
    public static IReadOnlyList<Address> SeedNodesToFormAlone(JoinPlan plan, Address self) =>
        [self, .. plan.SeedNodes.Where(seed => !seed.Equals(self))];

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

    /// <summary>
    /// Rule 6: this node's join was accepted but never completed. The peer says this node (this incarnation) is a
    /// member of its cluster, while this node is Up in a cluster that does not contain the peer: the peer's Welcome
    /// was lost (this node joined itself while its join was in flight; Akka.NET then ignores the Welcome and all of
    /// the peer's gossip, from an "unknown" node). A member never accepts a Welcome again, so only a rebuild (a new
    /// incarnation, which the peer admits after removing this one) ends it. Rule 4 does not see it: the peer sees this node.
    /// </summary>
    public static bool IsLostJoin(bool selfUp, bool peerSeesSelf, bool peerIsMemberHere) =>
        selfUp && peerSeesSelf && !peerIsMemberHere;

    /// <summary>Rules 4 and 6: a split is acted on only once it has lasted the confirm time (gossip settles well within it).</summary>
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
