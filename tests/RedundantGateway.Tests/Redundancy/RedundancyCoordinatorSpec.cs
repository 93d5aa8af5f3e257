using Akka.Actor;
using Akka.TestKit;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

public sealed class RedundancyCoordinatorSpec : ClusterTestKit
{
    private const string PeerAddress = "akka.tcp://redundant-gateway@10.9.9.9:8750";

    private readonly string _dataDir = TestSupport.TempDir();
    private readonly TestProbe _designator;
    private readonly ActivityRecorder _recorder = new("recorder");

    public RedundancyCoordinatorSpec(ITestOutputHelper output) : base(output)
    {
        _designator = CreateTestProbe("designator");
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        TestSupport.DeleteQuietly(_dataDir);
    }

    private static GatewaySettings BackupSettings(string extra = "", string joinWait = "10s") => Settings($$"""
        node-name = "node-b"
        role = backup
        redundancy {
          master-address = "10.9.9.9:8750"
          join-wait-time = {{joinWait}}
          {{extra}}
        }
        """);

    private static GatewaySettings MasterSettings(string joinWait = "10s") => Settings($$"""
        node-name = "node-m"
        role = master
        redundancy.join-wait-time = {{joinWait}}
        """);

    /// <summary>Starts a coordinator and waits until it has run PreStart (it answers a status query).</summary>
    private IActorRef Start(GatewaySettings settings, NodeMemory? memory = null, string name = "coordinator",
        ActivityRecorder? recorder = null, bool awaitsConfiguration = false)
    {
        var coordinator = Sys.ActorOf(RedundancyCoordinator.Props(settings.Identity, settings.Redundancy, settings.Liveness, [recorder ?? _recorder], _designator.Ref,
            memory ?? NodeMemory.Empty, new EpochFile(_dataDir), awaitsConfiguration), name);
        Status(coordinator);
        return coordinator;
    }

    private static RedundancyStatus Status(IActorRef coordinator) =>
        coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, Deadline).GetAwaiter().GetResult();

    private static IReadOnlyList<RedundancyEvent> Events(IActorRef coordinator, int limit = 100) =>
        coordinator.Ask<RedundancyEvents>(new GetRedundancyEvents(limit), Deadline).GetAwaiter().GetResult().Events;

    private CoordinatorReport ReportWith(ActivityLevel level, long epoch) =>
        _designator.FishForMessage<CoordinatorReport>(r => r.Level == level && r.Epoch == epoch, Deadline,
            $"a report at level {level}, epoch {epoch}");

    private ActiveNodeDesignated DesignateSelf(long epoch) => new(epoch, SelfAddress, "node-b", "test: this node");

    private static ActiveNodeDesignated DesignatePeer(long epoch) => new(epoch, PeerAddress, "node-m", "test: the peer");

    private void Publish(object message) => Sys.EventStream.Publish(message);

    [Fact]
    public void Reports_its_state_to_the_designator()
    {
        Start(BackupSettings());

        var report = _designator.ExpectMsg<CoordinatorReport>(Deadline);

        Assert.Equal(SelfAddress, report.NodeAddress);
        Assert.Equal(SelfUid, report.NodeUid);
        Assert.Equal("node-b", report.NodeName);
        Assert.Equal(NodeRole.Backup, report.Role);
        Assert.Equal(ActivityLevel.Undecided, report.Level);
        Assert.Equal(0, report.Epoch);
        Assert.Null(report.ActiveSinceMs);
        // Periodically, not only once.
        _designator.ExpectMsg<CoordinatorReport>(Deadline);
    }

    [Fact]
    public void A_designation_of_itself_makes_it_active()
    {
        var coordinator = Start(BackupSettings());

        coordinator.Tell(DesignateSelf(3));

        var report = ReportWith(ActivityLevel.Active, 3);
        Assert.NotNull(report.ActiveSinceMs);
        Assert.Equal(ActivityLevel.Active, _recorder.Level);
        var status = Status(coordinator);
        Assert.Equal(ActivityLevel.Active, status.Level);
        Assert.Equal(3, status.Epoch);
        Assert.Equal("node-b", status.ActiveNodeName);
        Assert.Equal([new SubsystemState("recorder", "active", 1)], status.Subsystems);
        var last = Events(coordinator)[0];
        Assert.Equal("designation", last.Kind);
        Assert.Equal("active", last.Level);
        Assert.Equal(3, last.Epoch);
        Assert.NotNull(last.SwitchMs);
    }

    [Fact]
    public void A_designation_of_the_peer_makes_it_a_cold_standby()
    {
        var coordinator = Start(BackupSettings());

        coordinator.Tell(DesignatePeer(2));

        var report = ReportWith(ActivityLevel.Cold, 2);
        Assert.Null(report.ActiveSinceMs);
        Assert.Equal(ActivityLevel.Cold, _recorder.Level);
        Assert.Equal([ActivityLevel.Cold], _recorder.History.Select(h => h.Level));
        Assert.Equal("node-m", Status(coordinator).ActiveNodeName);
    }

    [Fact]
    public void A_warm_standby_runs_its_subsystems_without_being_active()
    {
        var coordinator = Start(BackupSettings("standby-activity-level = warm"));

        coordinator.Tell(DesignatePeer(2));

        ReportWith(ActivityLevel.Warm, 2);
        Assert.Equal(ActivityLevel.Warm, _recorder.Level);
        Assert.Equal([ActivityLevel.Warm], _recorder.History.Select(h => h.Level));
        Assert.Equal("warm", Status(coordinator).Subsystems.Single().Level);
    }

    [Fact]
    public void A_designation_with_an_older_epoch_is_ignored()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignateSelf(5));
        ReportWith(ActivityLevel.Active, 5);

        coordinator.Tell(DesignatePeer(4));

        // It answers with its own newer state at once, and stays active.
        ReportWith(ActivityLevel.Active, 5);
        var status = Status(coordinator);
        Assert.Equal(ActivityLevel.Active, status.Level);
        Assert.Equal(5, status.Epoch);
        Assert.Equal([ActivityLevel.Active], _recorder.History.Select(h => h.Level));
    }

    [Fact]
    public void A_designation_of_the_peer_with_a_newer_epoch_makes_an_active_node_stand_down()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignateSelf(5));
        ReportWith(ActivityLevel.Active, 5);

        coordinator.Tell(DesignatePeer(6));

        var report = ReportWith(ActivityLevel.Cold, 6);
        Assert.Null(report.ActiveSinceMs);
        Assert.Equal([ActivityLevel.Active, ActivityLevel.Cold], _recorder.History.Select(h => h.Level));
    }

    [Fact]
    public void A_standby_takes_over_when_its_peer_is_down()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignatePeer(3));
        ReportWith(ActivityLevel.Cold, 3);

        Publish(new PeerReachable(PeerAddress, 42, "node-m"));
        Publish(new PeerDown(PeerAddress, TimeSpan.FromMilliseconds(1600)));

        // The backup's next own epoch (even) above 3.
        ReportWith(ActivityLevel.Active, 4);
        Assert.Equal([ActivityLevel.Cold, ActivityLevel.Active], _recorder.History.Select(h => h.Level));
        var status = Status(coordinator);
        Assert.Equal(4, status.Epoch);
        Assert.Equal("node-b", status.ActiveNodeName);
        Assert.Equal(4, new EpochFile(_dataDir).Read());
        var failover = Assert.Single(Events(coordinator), e => e.Kind == "failover");
        Assert.Equal(4, failover.Epoch);
        Assert.Equal("active", failover.Level);
        Assert.Equal(1600, failover.DetectionMs);
        Assert.NotNull(failover.SwitchMs);
    }

    [Fact]
    public void A_peer_down_without_the_peer_ever_seen_does_not_fail_over()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignatePeer(2));
        ReportWith(ActivityLevel.Cold, 2);

        Publish(new PeerDown(PeerAddress, TimeSpan.FromMilliseconds(1600)));

        var status = Status(coordinator);
        Assert.Equal(ActivityLevel.Cold, status.Level);
        Assert.Equal(2, status.Epoch);
        Assert.Contains(Events(coordinator), e => e.Kind == "peer-down");
        Assert.DoesNotContain(Events(coordinator), e => e.Kind == "failover");
    }

    [Fact]
    public void A_designation_of_a_peer_judged_down_is_refused()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignatePeer(3));
        ReportWith(ActivityLevel.Cold, 3);
        Publish(new PeerReachable(PeerAddress, 42, "node-m"));
        Publish(new PeerDown(PeerAddress, TimeSpan.FromMilliseconds(1600)));
        ReportWith(ActivityLevel.Active, 4);

        coordinator.Tell(DesignatePeer(5));

        var status = Status(coordinator);
        Assert.Equal(ActivityLevel.Active, status.Level);
        Assert.Equal(4, status.Epoch);
        Assert.Contains(Events(coordinator), e => e.Kind == "designation-refused");

        // Once the peer answers again, its designation is followed.
        Publish(new PeerReachable(PeerAddress, 42, "node-m"));
        coordinator.Tell(DesignatePeer(5));
        ReportWith(ActivityLevel.Cold, 5);
    }

    [Fact]
    public void An_active_master_keeps_its_epoch_when_the_peer_goes_down()
    {
        var coordinator = Start(MasterSettings());
        coordinator.Tell(new ActiveNodeDesignated(1, SelfAddress, "node-m", "test"));
        ReportWith(ActivityLevel.Active, 1);

        Publish(new PeerReachable(PeerAddress, 42, "node-b"));
        Publish(new PeerDown(PeerAddress, TimeSpan.FromMilliseconds(1600)));

        var status = Status(coordinator);
        Assert.Equal(ActivityLevel.Active, status.Level);
        Assert.Equal(1, status.Epoch);
        var events = Events(coordinator);
        Assert.Equal("peer-down", events[0].Kind);
        Assert.DoesNotContain(events, e => e.Kind == "failover");
        Assert.Equal([ActivityLevel.Active], _recorder.History.Select(h => h.Level));
    }

    [Fact]
    public void With_no_peer_it_becomes_active_after_the_join_wait_time()
    {
        var coordinator = Start(BackupSettings(joinWait: "300ms"));
        Assert.Equal(ActivityLevel.Undecided, Status(coordinator).Level);

        var report = _designator.FishForMessage<CoordinatorReport>(r => r.Level == ActivityLevel.Active, Deadline);
        Assert.True(report.Epoch > 0, $"went active alone at epoch {report.Epoch}");
        Assert.Equal(report.Epoch, new EpochFile(_dataDir).Read());

        var events = Events(coordinator);
        var activated = events[0];
        Assert.Equal("activity-changed", activated.Kind);
        Assert.Equal("active", activated.Level);
        var started = Assert.Single(events, e => e.Kind == "started");
        Assert.True(activated.Time - started.Time >= TimeSpan.FromMilliseconds(250),
            $"active {(activated.Time - started.Time).TotalMilliseconds} ms after start, before the 300 ms join wait");
        Assert.Equal(ActivityLevel.Active, _recorder.Level);
    }

    [Fact]
    public void After_the_join_wait_time_a_backup_stands_by_for_an_active_peer_that_answers()
    {
        var coordinator = Start(BackupSettings(joinWait: "300ms"));

        Publish(new HeartbeatAck(1, 0, PeerAddress, 42, "node-m", true, false,
            new PeerActivity(NodeRole.Master, ActivityLevel.Active, 4, 1_000)));
        Publish(new PeerReachable(PeerAddress, 42, "node-m"));

        ReportWith(ActivityLevel.Cold, 4);
        var status = Status(coordinator);
        Assert.Equal("node-m", status.ActiveNodeName);
        Assert.Equal("node-m", status.PeerNodeName);
    }

    [Fact]
    public void An_independent_node_is_active_at_once_and_reports_to_nobody()
    {
        var coordinator = Start(Settings("role = independent"));

        AwaitAssert(() => Assert.Equal(ActivityLevel.Active, Status(coordinator).Level), Deadline);
        Assert.Equal(ActivityLevel.Active, _recorder.Level);
        _designator.ExpectNoMsg(TimeSpan.FromMilliseconds(700));
    }

    [Fact]
    public void PrepareForShutdown_when_not_active_answers_not_handed_over_and_then_ignores_designations()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignatePeer(2));
        ReportWith(ActivityLevel.Cold, 2);

        coordinator.Tell(PrepareForShutdown.Instance, TestActor);

        ExpectMsg(new ReadyForShutdown(false), Deadline);
        coordinator.Tell(DesignateSelf(3));
        var status = Status(coordinator);
        Assert.Equal(ActivityLevel.Cold, status.Level);
        Assert.Equal(2, status.Epoch);
    }

    [Fact]
    public void PrepareForShutdown_when_active_stands_down_then_hands_over_to_the_peer()
    {
        // The peer's coordinator, at the path the handover addresses: <peer>/user/redundancy/coordinator.
        var peer = CreateTestProbe("peer-coordinator");
        Sys.ActorOf(NamedParent.Props(Props.Create(() => new FakePeerCoordinator(peer.Ref, true, () => _recorder.Level)), RedundancyCoordinator.Name),
            RedundancyPaths.Guardian);
        var coordinator = Start(BackupSettings(), name: "coordinator-under-test");
        coordinator.Tell(DesignateSelf(2));
        ReportWith(ActivityLevel.Active, 2);
        Publish(new PeerReachable(SelfAddress, SelfUid, "node-m"));
        Publish(new HeartbeatAck(1, 0, SelfAddress, SelfUid, "node-m", true, true, new PeerActivity(NodeRole.Master, ActivityLevel.Cold, 2, null)));

        coordinator.Tell(PrepareForShutdown.Instance, TestActor);

        var asked = peer.ExpectMsg<Asked>(Deadline);
        Assert.True(asked.Request.Epoch >= 2, $"handover asked at epoch {asked.Request.Epoch}, below the node's own 2");
        Assert.Equal("node-b", asked.Request.FromNodeName);
        // Stood down before asking: never two active nodes.
        Assert.Equal(ActivityLevel.Cold, asked.AskerLevel);
        ExpectMsg(new ReadyForShutdown(true), Deadline);
        Assert.Equal([ActivityLevel.Active, ActivityLevel.Cold], _recorder.History.Select(h => h.Level));
        // It adopts the epoch the peer took over at.
        var status = Status(coordinator);
        Assert.Equal(FakePeerCoordinator.TookOverAt, status.Epoch);
        Assert.Equal(ActivityLevel.Cold, status.Level);
        Assert.Equal("handover", Events(coordinator)[0].Kind);
    }

    [Fact]
    public void PrepareForShutdown_when_the_peer_does_not_confirm_answers_not_handed_over()
    {
        var peer = CreateTestProbe("peer-coordinator");
        Sys.ActorOf(NamedParent.Props(Props.Create(() => new FakePeerCoordinator(peer.Ref, false, () => _recorder.Level)), RedundancyCoordinator.Name),
            RedundancyPaths.Guardian);
        var coordinator = Start(BackupSettings(), name: "coordinator-under-test");
        coordinator.Tell(DesignateSelf(2));
        ReportWith(ActivityLevel.Active, 2);
        Publish(new PeerReachable(SelfAddress, SelfUid, "node-m"));
        Publish(new HeartbeatAck(1, 0, SelfAddress, SelfUid, "node-m", true, true, new PeerActivity(NodeRole.Master, ActivityLevel.Cold, 2, null)));

        coordinator.Tell(PrepareForShutdown.Instance, TestActor);

        peer.ExpectMsg<Asked>(Deadline);
        ExpectMsg(new ReadyForShutdown(false), TimeSpan.FromSeconds(6));
        Assert.Equal(ActivityLevel.Cold, _recorder.Level);
        var last = Events(coordinator)[0];
        Assert.Equal("handover", last.Kind);
        Assert.Contains("did not confirm", last.Reason);
    }

    /// <summary>Records what it was asked with the level the asking node's subsystems were at, and confirms (or stays silent).</summary>
    private sealed class FakePeerCoordinator : ReceiveActor
    {
        public const long TookOverAt = 8;

        public FakePeerCoordinator(IActorRef probe, bool confirm, Func<ActivityLevel> askerLevel)
        {
            Receive<TakeOverRequested>(request =>
            {
                probe.Tell(new Asked(request, askerLevel()));
                if (confirm) Sender.Tell(new TookOver(TookOverAt));
            });
        }
    }

    private sealed record Asked(TakeOverRequested Request, ActivityLevel AskerLevel);

    [Fact]
    public void TakeOverRequested_makes_it_active_at_a_newer_epoch()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignatePeer(3));
        ReportWith(ActivityLevel.Cold, 3);

        // A request behind this node's epoch: it takes over at its next own (even) epoch above its own.
        coordinator.Tell(new TakeOverRequested(1, "node-m", "stopping"), TestActor);
        var took = ExpectMsg<TookOver>(Deadline);
        Assert.Equal(4, took.Epoch);
        ReportWith(ActivityLevel.Active, 4);
        Assert.Equal("handover", Events(coordinator)[0].Kind);
        Assert.Equal(4, new EpochFile(_dataDir).Read());

        // A request ahead of it: never below the requester's epoch.
        coordinator.Tell(new TakeOverRequested(9, "node-m", "stopping"), TestActor);
        var ahead = ExpectMsg<TookOver>(Deadline);
        Assert.True(ahead.Epoch >= 9, $"took over at {ahead.Epoch}, below the requested 9");
        Assert.Equal(ahead.Epoch, Status(coordinator).Epoch);
    }

    [Fact]
    public void FailoverRequested_without_a_connected_peer_is_refused()
    {
        var coordinator = Start(BackupSettings());

        coordinator.Tell(new FailoverRequested("spec"), TestActor);

        var result = ExpectMsg<FailoverResult>(Deadline);
        Assert.False(result.Accepted);
        Assert.Contains("not connected", result.Message);
        // Not passed on to the designator: the next thing it hears is a plain report.
        _designator.ExpectMsg<CoordinatorReport>(Deadline);
    }

    [Fact]
    public void GetRedundancyEvents_returns_the_newest_first_and_honours_the_limit()
    {
        var coordinator = Start(BackupSettings());
        Publish(new PeerReachable(PeerAddress, 42, "node-m"));
        Publish(new PeerUnreachable(PeerAddress, 9.5, TimeSpan.FromMilliseconds(800)));
        Publish(new PeerReachable(PeerAddress, 42, "node-m"));

        var all = Events(coordinator);
        Assert.Equal(["peer-reachable", "peer-unreachable", "peer-reachable", "started"], all.Select(e => e.Kind));
        Assert.True(all.Zip(all.Skip(1), (newer, older) => newer.Time >= older.Time).All(inOrder => inOrder));
        Assert.Contains("answers again", all[0].Reason);
        Assert.Contains("9.5", all[1].Reason);

        Assert.Equal(["peer-reachable", "peer-unreachable"], Events(coordinator, 2).Select(e => e.Kind));
        Assert.Empty(Events(coordinator, 0));
        Assert.Empty(Events(coordinator, -1));
    }

    [Fact]
    public void Only_events_kept_entries_are_kept()
    {
        var coordinator = Start(BackupSettings("events-kept = 2"));
        Publish(new PeerReachable(PeerAddress, 42, "node-m"));
        Publish(new PeerUnreachable(PeerAddress, 9.5, TimeSpan.FromMilliseconds(800)));

        Assert.Equal(["peer-unreachable", "peer-reachable"], Events(coordinator).Select(e => e.Kind));
    }

    [Fact]
    public void The_epoch_survives_a_restart_through_the_data_dir()
    {
        var first = Start(BackupSettings());
        first.Tell(DesignateSelf(7));
        ReportWith(ActivityLevel.Active, 7);
        Assert.Equal(7, new EpochFile(_dataDir).Read());
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Deadline);

        var second = Start(BackupSettings(joinWait: "300ms"), name: "coordinator-2", recorder: new ActivityRecorder("second"));

        Assert.Equal(7, Status(second).Epoch);
        // Going active alone moves past the saved epoch, and saves the new one.
        ReportWith(ActivityLevel.Active, 8);
        Assert.Equal(8, new EpochFile(_dataDir).Read());
    }

    [Fact]
    public void The_epoch_and_events_carry_over_a_rebuild_of_the_actor_system()
    {
        new EpochFile(_dataDir).Write(4);
        var remembered = new RedundancyEvent(DateTimeOffset.UtcNow.AddMinutes(-1), "failover", "before the restart", 9, "active");

        var coordinator = Start(BackupSettings(), memory: new NodeMemory(9, [remembered]));

        Assert.Equal(9, Status(coordinator).Epoch);
        Assert.Equal(["started", "failover"], Events(coordinator).Select(e => e.Kind));
    }

    [Fact]
    public async Task Event_ids_grow_by_one_and_continue_across_a_rebuild()
    {
        RedundancyEvent[] carried =
        [
            new(DateTimeOffset.UtcNow.AddMinutes(-2), "started", "the first incarnation", 9, "undecided", Sequence: 6),
            new(DateTimeOffset.UtcNow.AddMinutes(-1), "failover", "before the rebuild", 9, "active", Sequence: 7),
            new(DateTimeOffset.UtcNow, "soft-restart", "the host's rebuild event, not numbered", 9, "active"),
        ];
        var coordinator = Start(BackupSettings(), memory: new NodeMemory(9, carried));
        Publish(new PeerReachable(PeerAddress, 42, "node-m"));

        var events = Events(coordinator);
        Assert.Equal(["peer-reachable", "started", "soft-restart", "failover", "started"], events.Select(e => e.Kind));
        Assert.Equal([10L, 9, 8, 7, 6], events.Select(e => e.Sequence));
        var page = (await coordinator.Ask<RedundancyEvents>(new GetRedundancyEvents(5, Before: 9, Text: "REBUILD"), Deadline)).Events;
        Assert.Equal([8L, 7], page.Select(e => e.Sequence));
        var found = (await coordinator.Ask<RedundancyEvents>(new GetRedundancyEvents(5, Text: "First Incarnation"), Deadline)).Events;
        Assert.Equal([6L], found.Select(e => e.Sequence));
    }

    [Fact]
    public void An_activation_waiting_for_the_configuration_is_a_pending_failover()
    {
        var coordinator = Start(BackupSettings(), awaitsConfiguration: true);
        Assert.False(Status(coordinator).FailoverPending);

        coordinator.Tell(DesignateSelf(3));
        AwaitAssert(() => Assert.True(Status(coordinator).FailoverPending), Deadline);

        Publish(new RedundantGateway.ConfigSync.ConfigurationChanged(RedundantGateway.ConfigSync.ConfigDocument.Empty));
        coordinator.Tell(DesignateSelf(3));
        ReportWith(ActivityLevel.Active, 3);
        AwaitAssert(() => Assert.False(Status(coordinator).FailoverPending), Deadline);
    }

    private static HeartbeatAck PeerAck(NodeRole role, ActivityLevel level, long epoch, long? activeSince) =>
        new(1, 0, PeerAddress, 99, "node-m", true, true, new PeerActivity(role, level, epoch, activeSince));

    [Fact]
    public void A_designation_to_active_waits_until_the_configuration_has_loaded()
    {
        var coordinator = Start(BackupSettings(), awaitsConfiguration: true);

        coordinator.Tell(DesignateSelf(3));
        AwaitAssert(() => Assert.Contains(Events(coordinator), e => e.Kind == "activation-deferred"), Deadline);
        Assert.Equal(ActivityLevel.Undecided, Status(coordinator).Level);
        Assert.NotEqual(ActivityLevel.Active, _recorder.Level);

        Publish(new RedundantGateway.ConfigSync.ConfigurationChanged(RedundantGateway.ConfigSync.ConfigDocument.Empty));
        // The designator sends the designation again while the reports say it is not followed.
        coordinator.Tell(DesignateSelf(3));
        ReportWith(ActivityLevel.Active, 3);
    }

    [Fact]
    public void A_designation_not_newer_than_the_epoch_the_peer_is_active_at_is_refused()
    {
        var coordinator = Start(BackupSettings());
        Publish(new PeerReachable(PeerAddress, 99, "node-m"));
        Publish(PeerAck(NodeRole.Master, ActivityLevel.Active, 4, 1_000));

        coordinator.Tell(DesignateSelf(3));
        AwaitAssert(() => Assert.Contains(Events(coordinator), e => e.Kind == "designation-refused" && e.Reason.Contains("the peer is active at epoch 4")), Deadline);
        Assert.NotEqual(ActivityLevel.Active, Status(coordinator).Level);

        coordinator.Tell(DesignateSelf(6));
        ReportWith(ActivityLevel.Active, 6);
    }

    [Fact]
    public void Both_nodes_configured_as_backup_is_reported_and_the_younger_activation_stands_down()
    {
        var coordinator = Start(BackupSettings());
        coordinator.Tell(DesignateSelf(2));
        ReportWith(ActivityLevel.Active, 2);

        Publish(new PeerReachable(PeerAddress, 99, "node-m"));
        // The peer, also a backup, has been active since long before this node.
        Publish(PeerAck(NodeRole.Backup, ActivityLevel.Active, 2, 1_000));

        ReportWith(ActivityLevel.Cold, 2);
        var status = Status(coordinator);
        Assert.Equal("both nodes are configured as backup", status.RoleConflict);
        Assert.Contains(Events(coordinator), e => e.Kind == "role-conflict" && e.Reason.Contains("both nodes are configured as backup"));
    }
}
