using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

/// <summary>
/// The designator in a real cluster: one node (the test system), or two nodes (a second actor system in this
/// process joined to the first). Coordinators are test probes that send reports in a node's name.
/// </summary>
public sealed class ActiveNodeDesignatorSpec(ITestOutputHelper output) : ClusterTestKit(output)
{
    /// <summary>Long enough that the designator decides only once every Up member has reported.</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(10);

    /// <summary>The designator re-evaluates every 250 ms and resends at most every 500 ms: a quiet window longer than both.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(700);

    /// <summary>Starts a designator and waits until it has run PreStart (subscribed to the event stream).</summary>
    private IActorRef StartDesignator(RecoveryMode mode)
    {
        var designator = Sys.ActorOf(ActiveNodeDesignator.Props(TestSupport.DesignatorSettings(mode, SettleTime)), "designator");
        designator.Ask<ActorIdentity>(new Identify(1), Deadline).GetAwaiter().GetResult();
        return designator;
    }

    private sealed record Node(TestProbe Coordinator, string Address, long Uid, string Name, NodeRole Role)
    {
        public CoordinatorReport Report(ActivityLevel level, long epoch, long? activeSince = null) =>
            new(Address, Uid, Name, Role, level, epoch, level == ActivityLevel.Active ? activeSince ?? 1_000 : null);

        public void Sends(IActorRef designator, ActivityLevel level, long epoch, long? activeSince = null) =>
            Coordinator.Send(designator, Report(level, epoch, activeSince));
    }

    private Node Self(NodeRole role, string name = "node-a") =>
        new(CreateTestProbe(name), SelfAddress, SelfUid, name, role);

    private Node Other(ActorSystem system, NodeRole role, string name = "node-b")
    {
        var cluster = Cluster.Get(system);
        return new Node(CreateTestProbe(name), cluster.SelfAddress.ToString(), cluster.SelfUniqueAddress.Uid, name, role);
    }

    private static ActiveNodeDesignated Designation(Node node) =>
        node.Coordinator.ExpectMsg<ActiveNodeDesignated>(Deadline);

    // ---- One node ----

    [Fact]
    public async Task A_lone_undecided_node_gets_no_designation()
    {
        await JoinSelfAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var self = Self(NodeRole.Master);

        self.Sends(designator, ActivityLevel.Undecided, 0);

        self.Coordinator.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task A_lone_active_node_is_adopted_without_an_epoch_change()
    {
        await JoinSelfAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var self = Self(NodeRole.Backup);

        self.Sends(designator, ActivityLevel.Active, 4);
        // Nothing to tell a node that is already active at the newest epoch.
        self.Coordinator.ExpectNoMsg(Quiet);

        // The adopted designation is epoch 4 (not 5): a report behind it gets exactly that one.
        self.Sends(designator, ActivityLevel.Active, 2);
        var designation = Designation(self);
        Assert.Equal(4, designation.Epoch);
        Assert.Equal(SelfAddress, designation.ActiveAddress);
        Assert.Equal("node-a", designation.ActiveNodeName);
    }

    [Fact]
    public async Task FailoverRequested_with_one_present_node_is_refused()
    {
        await JoinSelfAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var self = Self(NodeRole.Master);
        self.Sends(designator, ActivityLevel.Active, 1);

        designator.Tell(new FailoverRequested("spec"), TestActor);

        var result = ExpectMsg<FailoverResult>(Deadline);
        Assert.False(result.Accepted);
        Assert.Contains("not connected", result.Message);
        self.Coordinator.ExpectNoMsg(Quiet);
    }

    [Fact]
    public async Task Reports_of_addresses_that_are_not_members_do_not_count()
    {
        await JoinSelfAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var self = Self(NodeRole.Backup, "node-b");
        var stranger = new Node(CreateTestProbe("stranger"), "akka.tcp://test@10.0.0.9:4711", 77, "stranger", NodeRole.Master);

        // Were the stranger counted, the backup (epoch 1) would be told that the master is active at epoch 9.
        stranger.Sends(designator, ActivityLevel.Active, 9);
        self.Sends(designator, ActivityLevel.Cold, 1);

        self.Coordinator.ExpectNoMsg(Quiet);
        stranger.Coordinator.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_report_of_an_earlier_incarnation_at_the_same_address_does_not_count()
    {
        await JoinSelfAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var current = Self(NodeRole.Backup);
        var earlier = current with { Coordinator = CreateTestProbe("earlier"), Uid = current.Uid + 1 };
        current.Sends(designator, ActivityLevel.Active, 4);

        // A report behind the designation, but from another incarnation: not a member, so not answered.
        earlier.Sends(designator, ActivityLevel.Active, 2);
        earlier.Coordinator.ExpectNoMsg(Quiet);

        // The same report from the current incarnation is answered with the designation it is behind.
        current.Sends(designator, ActivityLevel.Active, 2);
        Assert.Equal(4, Designation(current).Epoch);
    }

    // ---- Two nodes ----

    [Fact]
    public async Task A_fresh_pair_gets_the_master_active_at_epoch_1()
    {
        var other = await StartSecondNodeAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var master = Self(NodeRole.Master, "master");
        var backup = Other(other, NodeRole.Backup, "backup");

        master.Sends(designator, ActivityLevel.Undecided, 0);
        // Not settled with one of the two members reported.
        master.Coordinator.ExpectNoMsg(Quiet);
        backup.Sends(designator, ActivityLevel.Undecided, 0);

        foreach (var node in new[] { master, backup })
        {
            var designation = Designation(node);
            Assert.Equal(1, designation.Epoch);
            Assert.Equal(master.Address, designation.ActiveAddress);
            Assert.Equal("master", designation.ActiveNodeName);
        }
    }

    [Fact]
    public async Task Automatic_recovery_moves_back_to_the_master_without_overlap()
    {
        var other = await StartSecondNodeAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var master = Self(NodeRole.Master, "master");
        var backup = Other(other, NodeRole.Backup, "backup");

        backup.Sends(designator, ActivityLevel.Active, 4);
        master.Sends(designator, ActivityLevel.Cold, 3);

        // The backup stands down first...
        var standDown = Designation(backup);
        Assert.Equal(5, standDown.Epoch);
        Assert.Equal(master.Address, standDown.ActiveAddress);
        // ...and the master hears nothing while the backup still reports itself active.
        master.Coordinator.ExpectNoMsg(Quiet);

        backup.Sends(designator, ActivityLevel.Cold, 5);
        var activate = Designation(master);
        Assert.Equal(5, activate.Epoch);
        Assert.Equal(master.Address, activate.ActiveAddress);
    }

    [Fact]
    public async Task Manual_recovery_keeps_the_active_backup_and_tells_the_master_at_the_same_epoch()
    {
        var other = await StartSecondNodeAsync();
        var designator = StartDesignator(RecoveryMode.Manual);
        var master = Self(NodeRole.Master, "master");
        var backup = Other(other, NodeRole.Backup, "backup");

        backup.Sends(designator, ActivityLevel.Active, 3);
        master.Sends(designator, ActivityLevel.Undecided, 0);

        var designation = Designation(master);
        Assert.Equal(3, designation.Epoch);
        Assert.Equal(backup.Address, designation.ActiveAddress);
        backup.Coordinator.ExpectNoMsg(Quiet);
    }

    [Theory]
    // Automatic: the master is kept, although the backup has been active longer and holds the newer epoch.
    [InlineData(RecoveryMode.Automatic, 3L, 900L, 4L, 100L, "master", 5L)]
    // Manual: the node active the longest (before the split) is kept, here the backup.
    [InlineData(RecoveryMode.Manual, 5L, 900L, 4L, 100L, "backup", 6L)]
    public async Task Both_active_after_a_split_one_stands_down_before_the_other_is_confirmed(
        RecoveryMode mode, long masterEpoch, long masterSince, long backupEpoch, long backupSince, string kept, long epoch)
    {
        var other = await StartSecondNodeAsync();
        var designator = StartDesignator(mode);
        var master = Self(NodeRole.Master, "master");
        var backup = Other(other, NodeRole.Backup, "backup");

        master.Sends(designator, ActivityLevel.Active, masterEpoch, activeSince: masterSince);
        backup.Sends(designator, ActivityLevel.Active, backupEpoch, activeSince: backupSince);

        var (keep, yields) = kept == "master" ? (master, backup) : (backup, master);
        var standDown = Designation(yields);
        Assert.Equal(keep.Address, standDown.ActiveAddress);
        Assert.Equal(epoch, standDown.Epoch);
        Assert.Contains("both nodes active", standDown.Reason);
        // The kept node is behind the new epoch, but hears of it only once the other no longer reports active.
        keep.Coordinator.ExpectNoMsg(Quiet);

        yields.Sends(designator, ActivityLevel.Cold, epoch);
        var confirm = Designation(keep);
        Assert.Equal(keep.Address, confirm.ActiveAddress);
        Assert.Equal(epoch, confirm.Epoch);
    }

    [Fact]
    public async Task Both_active_the_master_holding_the_newest_epoch_keeps_it()
    {
        var other = await StartSecondNodeAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var master = Self(NodeRole.Master, "master");
        var backup = Other(other, NodeRole.Backup, "backup");

        master.Sends(designator, ActivityLevel.Active, 4, activeSince: 900);
        backup.Sends(designator, ActivityLevel.Active, 3, activeSince: 100);

        var standDown = Designation(backup);
        Assert.Equal(master.Address, standDown.ActiveAddress);
        Assert.Equal(4, standDown.Epoch);
        // Already active at that epoch: nothing to tell the master, before or after the backup stands down.
        master.Coordinator.ExpectNoMsg(Quiet);
        backup.Sends(designator, ActivityLevel.Cold, 4);
        master.Coordinator.ExpectNoMsg(Quiet);
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public async Task An_operator_failover_first_tells_the_active_node_to_stand_down_for_the_standby(RecoveryMode mode)
    {
        var other = await StartSecondNodeAsync();
        var designator = StartDesignator(mode);
        var master = Self(NodeRole.Master, "master");
        var backup = Other(other, NodeRole.Backup, "backup");
        master.Sends(designator, ActivityLevel.Active, 1);
        backup.Sends(designator, ActivityLevel.Cold, 1);
        // The master is already active at the newest epoch: nothing to send.
        master.Coordinator.ExpectNoMsg(Quiet);
        backup.Coordinator.ExpectNoMsg(TimeSpan.Zero);

        designator.Tell(new FailoverRequested("spec"), TestActor);

        var result = ExpectMsg<FailoverResult>(Deadline);
        Assert.True(result.Accepted, result.Message);
        Assert.Contains("backup becomes active (epoch 2)", result.Message);
        var standDown = Designation(master);
        Assert.Equal(2, standDown.Epoch);
        Assert.Equal(backup.Address, standDown.ActiveAddress);
        Assert.Equal("operator requested failover (spec)", standDown.Reason);
        // What should follow (the backup activated once the master reports cold) is not asserted here: the
        // designator's periodic evaluation overrides the operator's choice within 250 ms (a src bug, see the report).
    }

    [Fact]
    public async Task A_peer_judged_down_by_the_local_detector_is_not_present()
    {
        var other = await StartSecondNodeAsync();
        var designator = StartDesignator(RecoveryMode.Automatic);
        var master = Self(NodeRole.Master, "master");
        var backup = Other(other, NodeRole.Backup, "backup");
        master.Sends(designator, ActivityLevel.Active, 1);
        backup.Sends(designator, ActivityLevel.Cold, 1);

        Sys.EventStream.Publish(new PeerDown(backup.Address, TimeSpan.FromMilliseconds(1500)));
        designator.Tell(new FailoverRequested("spec"), TestActor);
        Assert.False(ExpectMsg<FailoverResult>(Deadline).Accepted);

        Sys.EventStream.Publish(new PeerReachable(backup.Address, backup.Uid, "backup"));
        designator.Tell(new FailoverRequested("spec"), TestActor);
        Assert.True(ExpectMsg<FailoverResult>(Deadline).Accepted);
    }
}
