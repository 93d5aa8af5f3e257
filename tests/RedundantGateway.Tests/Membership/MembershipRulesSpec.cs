using Akka.Actor;
using Akka.Cluster;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Membership;
using Xunit;

namespace RedundantGateway.Tests.Membership;

/// <summary>The five membership rules of docs/architecture.md, "Membership in a two-node cluster".</summary>
public sealed class MembershipRulesSpec
{
    private static readonly Address MasterAddress = new("akka.tcp", "redundant-gateway", "10.0.0.1", 8750);
    private static readonly Address BackupAddress = new("akka.tcp", "redundant-gateway", "10.0.0.2", 8751);
    private static readonly string Backup = BackupAddress.ToString();
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromMilliseconds(1500);

    private static PeerActivity Activity(NodeRole role, ActivityLevel level, long epoch = 1, long? since = null) =>
        new(role, level, epoch, since ?? (level == ActivityLevel.Active ? 1_000 : null));

    // ---- Rule 1: who may form a cluster, and when ---------------------------------------------------------

    [Fact]
    public void Rule1_the_master_lists_itself_first_then_the_backup()
    {
        var plan = MembershipRules.PlanJoin(NodeRole.Master, MasterAddress, MasterAddress, BackupAddress);

        Assert.False(plan.FormAlone);
        Assert.Equal([MasterAddress, BackupAddress], plan.SeedNodes);
        Assert.False(plan.FormAloneAfterJoinWait);
    }

    [Fact]
    public void Rule1_a_master_without_a_backup_address_lists_only_itself()
    {
        var plan = MembershipRules.PlanJoin(NodeRole.Master, MasterAddress, null, null);

        Assert.Equal([MasterAddress], plan.SeedNodes);
        Assert.False(plan.FormAlone);
    }

    [Fact]
    public void Rule1_the_backup_lists_only_the_master_and_forms_a_cluster_alone_only_after_the_join_wait()
    {
        var plan = MembershipRules.PlanJoin(NodeRole.Backup, BackupAddress, MasterAddress, BackupAddress);

        Assert.False(plan.FormAlone);
        Assert.Equal([MasterAddress], plan.SeedNodes);
        Assert.DoesNotContain(BackupAddress, plan.SeedNodes);
        Assert.Equal(JoinWaitOutcome.FormAlone, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: false, silentLooksBefore: 1));
        Assert.Equal(JoinWaitOutcome.Done, MembershipRules.AfterJoinWait(plan, selfIsMember: true, masterAnswers: false, silentLooksBefore: 1));
    }

    [Fact]
    public void Rule1_a_backup_without_the_master_address_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => MembershipRules.PlanJoin(NodeRole.Backup, BackupAddress, null, null));
    }

    [Fact]
    public void Rule1_an_independent_node_forms_its_cluster_at_once()
    {
        var plan = MembershipRules.PlanJoin(NodeRole.Independent, MasterAddress, null, BackupAddress);

        Assert.True(plan.FormAlone);
        Assert.Empty(plan.SeedNodes);
        Assert.Equal(JoinWaitOutcome.Done, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: false, silentLooksBefore: 1));
    }

    [Fact]
    public void Rule1_the_master_never_forms_alone_after_a_join_wait()
    {
        var plan = MembershipRules.PlanJoin(NodeRole.Master, MasterAddress, null, BackupAddress);

        Assert.Equal(JoinWaitOutcome.Done, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: false, silentLooksBefore: 1));
        Assert.Equal(JoinWaitOutcome.Done, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: true, silentLooksBefore: 1));
    }

    [Fact]
    public void Rule1_a_backup_whose_master_answers_keeps_joining_it_after_the_join_wait()
    {
        // Under load the master's cluster can answer just after the join wait: forming alone then would race
        // with Akka's join in flight (see Rule6 below), so the backup only forms a cluster while the master is silent.
        var plan = MembershipRules.PlanJoin(NodeRole.Backup, BackupAddress, MasterAddress, BackupAddress);

        Assert.Equal(JoinWaitOutcome.KeepJoining, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: true, silentLooksBefore: 1));
        Assert.Equal(JoinWaitOutcome.Done, MembershipRules.AfterJoinWait(plan, selfIsMember: true, masterAnswers: true, silentLooksBefore: 1));
    }

    [Fact]
    public void Rule1_a_backup_forms_a_cluster_alone_only_after_the_master_was_silent_at_two_looks_in_a_row()
    {
        var plan = MembershipRules.PlanJoin(NodeRole.Backup, BackupAddress, MasterAddress, BackupAddress);

        Assert.Equal(JoinWaitOutcome.KeepJoining, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: false, silentLooksBefore: 0));
        Assert.Equal(JoinWaitOutcome.FormAlone, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: false, silentLooksBefore: 1));
        Assert.Equal(JoinWaitOutcome.KeepJoining, MembershipRules.AfterJoinWait(plan, selfIsMember: false, masterAnswers: true, silentLooksBefore: 5));
    }

    [Fact]
    public void Rule1_a_backup_forms_a_cluster_alone_through_akkas_first_seed_process_never_by_a_bare_self_join()
    {
        // Itself first, then the master: Akka asks the master once more and joins it if it answers.
        var plan = MembershipRules.PlanJoin(NodeRole.Backup, BackupAddress, MasterAddress, BackupAddress);

        Assert.Equal([BackupAddress, MasterAddress], MembershipRules.SeedNodesToFormAlone(plan, BackupAddress));
    }

    // ---- Rules 2 and 3: the only downing is of an old incarnation -----------------------------------------

    [Theory]
    [InlineData(MemberStatus.Up)]
    [InlineData(MemberStatus.Joining)]
    [InlineData(MemberStatus.WeaklyUp)]
    [InlineData(MemberStatus.Leaving)]
    [InlineData(MemberStatus.Exiting)]
    public void Rule3_an_old_incarnation_of_the_peer_is_downed_once_its_new_one_answers(MemberStatus status)
    {
        var old = new MemberView(BackupAddress, 11, status);
        var members = new[] { new MemberView(MasterAddress, 1, MemberStatus.Up), old };

        Assert.Equal(old, MembershipRules.OldIncarnationToDown(members, Backup, peerUid: 22));
    }

    [Fact]
    public void Rule2_the_current_incarnation_is_never_downed_even_when_it_is_silent()
    {
        // The rules see no reachability at all: a silent peer of the same incarnation stays a member.
        var members = new[] { new MemberView(MasterAddress, 1, MemberStatus.Up), new MemberView(BackupAddress, 22, MemberStatus.Up) };

        Assert.Null(MembershipRules.OldIncarnationToDown(members, Backup, peerUid: 22));
    }

    [Fact]
    public void Rule2_automatic_downing_is_off()
    {
        Assert.Equal("", GatewayConfig.Reference.GetString("akka.cluster.downing-provider-class"));
    }

    [Fact]
    public void Rule3_an_old_incarnation_already_down_is_not_downed_again()
    {
        var members = new[] { new MemberView(BackupAddress, 11, MemberStatus.Down) };

        Assert.Null(MembershipRules.OldIncarnationToDown(members, Backup, peerUid: 22));
    }

    [Fact]
    public void Rule3_nothing_is_downed_when_the_peer_is_no_member()
    {
        var members = new[] { new MemberView(MasterAddress, 1, MemberStatus.Up) };

        Assert.Null(MembershipRules.OldIncarnationToDown(members, Backup, peerUid: 22));
        Assert.Null(MembershipRules.OldIncarnationToDown([], Backup, peerUid: 22));
    }

    [Fact]
    public void Rule3_only_the_member_at_the_peers_address_counts()
    {
        // Another member with a different uid (this node itself) is never taken for the peer's old incarnation.
        var members = new[] { new MemberView(MasterAddress, 1, MemberStatus.Up) };

        Assert.Null(MembershipRules.OldIncarnationToDown(members, MasterAddress.ToString() + "0", peerUid: 2));
        Assert.Equal(members[0], MembershipRules.PeerMember(members, MasterAddress.ToString()));
    }

    // ---- Rule 6: a lost join is recovered by a rebuild ---------------------------------------------------------

    [Fact]
    public void Rule6_a_lost_join_when_the_peer_lists_this_node_but_this_node_is_up_without_the_peer()
    {
        Assert.True(MembershipRules.IsLostJoin(selfUp: true, peerSeesSelf: true, peerIsMemberHere: false));
        // Rule 4 does not see this state: the peer sees this node.
        Assert.False(MembershipRules.IsSplit(selfUp: true, peerUp: true, peerSeesSelf: true, peerIsMemberHere: false));
    }

    [Theory]
    [InlineData(false, true, false)]   // this node still joining (its Welcome may be on its way)
    [InlineData(true, false, false)]   // two clusters: rule 4's case
    [InlineData(true, true, true)]     // one cluster
    [InlineData(true, false, true)]    // the peer is joining this node's cluster
    public void Rule6_no_lost_join_otherwise(bool selfUp, bool peerSeesSelf, bool peerIsMemberHere)
    {
        Assert.False(MembershipRules.IsLostJoin(selfUp, peerSeesSelf, peerIsMemberHere));
    }

    // ---- Rule 4: two clusters merge by a rebuild ---------------------------------------------------------

    [Fact]
    public void Rule4_two_clusters_when_both_are_up_and_neither_contains_the_other()
    {
        Assert.True(MembershipRules.IsSplit(selfUp: true, peerUp: true, peerSeesSelf: false, peerIsMemberHere: false));
    }

    [Theory]
    [InlineData(false, true, false, false)]   // this node not Up yet (joining)
    [InlineData(true, false, false, false)]   // the peer not Up in a cluster
    [InlineData(true, true, true, false)]     // the peer's cluster contains this node
    [InlineData(true, true, false, true)]     // the peer is a member here (joining, or an old incarnation)
    [InlineData(true, true, true, true)]      // one cluster
    public void Rule4_no_split_otherwise(bool selfUp, bool peerUp, bool peerSeesSelf, bool peerIsMemberHere)
    {
        Assert.False(MembershipRules.IsSplit(selfUp, peerUp, peerSeesSelf, peerIsMemberHere));
    }

    [Fact]
    public void Rule4_a_split_is_acted_on_only_after_it_lasted_two_seconds()
    {
        var since = new DateTime(2025, 3, 14, 12, 0, 0, DateTimeKind.Utc);
        var confirm = TimeSpan.FromSeconds(2); // redundancy.merge-confirm-time's default

        Assert.False(MembershipRules.SplitConfirmed(since, since, confirm));
        Assert.False(MembershipRules.SplitConfirmed(since, since.AddMilliseconds(1999), confirm));
        Assert.True(MembershipRules.SplitConfirmed(since, since.AddSeconds(2), confirm));
        Assert.True(MembershipRules.SplitConfirmed(since, since.AddMinutes(1), confirm));
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public void Rule4_with_both_active_in_automatic_mode_the_backup_yields_and_in_manual_the_one_active_later(RecoveryMode mode)
    {
        var master = Activity(NodeRole.Master, ActivityLevel.Active, 3, since: 5_000);
        var backup = Activity(NodeRole.Backup, ActivityLevel.Active, 4, since: 2_000);

        var masterYields = Yields(NodeRole.Master, master, backup, mode);
        var backupYields = Yields(NodeRole.Backup, backup, master, mode);

        // Automatic: the master is kept. Manual: the backup, active since before the master.
        Assert.Equal(mode == RecoveryMode.Manual, masterYields);
        Assert.Equal(mode == RecoveryMode.Automatic, backupYields);
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic, false, true)]
    [InlineData(RecoveryMode.Manual, true, false)]
    public void Rule4_with_only_the_backup_active_automatic_keeps_the_master_and_manual_the_backup(RecoveryMode mode, bool masterYields, bool backupYields)
    {
        var master = Activity(NodeRole.Master, ActivityLevel.Cold);
        var backup = Activity(NodeRole.Backup, ActivityLevel.Active);

        Assert.Equal(masterYields, Yields(NodeRole.Master, master, backup, mode));
        Assert.Equal(backupYields, Yields(NodeRole.Backup, backup, master, mode));
    }

    [Theory]
    [InlineData(ActivityLevel.Undecided)]
    [InlineData(ActivityLevel.Cold)]
    [InlineData(ActivityLevel.Warm)]
    public void Rule4_with_nobody_active_the_backup_yields(ActivityLevel level)
    {
        var master = Activity(NodeRole.Master, level);
        var backup = Activity(NodeRole.Backup, level);

        Assert.False(Yields(NodeRole.Master, master, backup, RecoveryMode.Automatic));
        Assert.True(Yields(NodeRole.Backup, backup, master, RecoveryMode.Automatic));
        Assert.True(Yields(NodeRole.Backup, backup, master, RecoveryMode.Manual));
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public void Rule4_exactly_one_side_yields(RecoveryMode mode)
    {
        foreach (var masterLevel in Enum.GetValues<ActivityLevel>())
        foreach (var backupLevel in Enum.GetValues<ActivityLevel>())
        {
            var master = Activity(NodeRole.Master, masterLevel, since: 3_000);
            var backup = Activity(NodeRole.Backup, backupLevel, since: 4_000);
            var yielding = new[] { Yields(NodeRole.Master, master, backup, mode), Yields(NodeRole.Backup, backup, master, mode) };
            Assert.True(yielding.Count(y => y) == 1, $"master {masterLevel}, backup {backupLevel}: {yielding.Count(y => y)} sides yield");
        }
    }

    private static bool Yields(NodeRole selfRole, PeerActivity self, PeerActivity peer, RecoveryMode mode)
    {
        var (selfAddress, peerAddress) = selfRole == NodeRole.Master
            ? (MasterAddress.ToString(), Backup)
            : (Backup, MasterAddress.ToString());
        return MembershipRules.YieldsOnMerge(selfAddress, "self", self, peerAddress, "peer", peer, mode);
    }
}
