using Akka.Actor;
using Akka.TestKit.Xunit2;
using RedundantGateway.Alarms;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.StateSync;
using RedundantGateway.Tests.Alarms;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.StateSync;

/// <summary>
/// Issue 11, shipping: two state replicators in one actor system, each the other's peer (by path, as on the node
/// link): local changes reach the peer as deltas, a peer that lost its state gets the full state, and both keep
/// the acknowledgements each side made.
/// </summary>
public sealed class StateReplicatorPairSpec : TestKit, IDisposable
{
    private const string Alarm = "projects/p/alarms/high";
    private readonly string _root = TestSupport.TempDir();

    public StateReplicatorPairSpec(ITestOutputHelper output) : base(GatewayConfig.Reference, output: output) { }

    public new void Dispose()
    {
        base.Dispose();
        TestSupport.DeleteQuietly(_root);
    }

    private StateSyncSettings Settings(string name) =>
        new StateSyncSettings(Path.Combine(_root, name), TimeSpan.Zero, 1 << 20, 100) { ProbeInterval = TimeSpan.FromMilliseconds(100) };

    private IActorRef Start(string name, string peer, ushort node) =>
        Sys.ActorOf(StateReplicator.Props(Settings(name), node, "/user/" + peer), name);

    private ReplicatedAlarm View(IActorRef replicator)
    {
        // A probe of its own each time: a subscriber keeps receiving every later merge.
        var probe = CreateTestProbe();
        replicator.Tell(SubscribeAlarmState.Instance, probe.Ref);
        var all = probe.ExpectMsg<ReplicatedAlarmsChanged>();
        return all.Changed.TryGetValue(Alarm, out var alarm) ? alarm : new ReplicatedAlarm(false, null, null, null, true, null, null);
    }

    private StateSyncStatus Status(IActorRef replicator) =>
        replicator.Ask<StateSyncStatus>(GetStateSyncStatus.Instance, TimeSpan.FromSeconds(3)).Result;

    [Fact]
    public void A_change_on_one_node_reaches_the_other_as_a_delta_and_a_fresh_peer_gets_the_full_state()
    {
        var a = Start("a", "b", 1);
        var b = Start("b", "a", 2);
        AwaitAssert(() => Assert.True(Status(a).FullTransfers == 1 && Status(b).FullTransfers == 1), TimeSpan.FromSeconds(5));

        a.Tell(new LocalTransition(Alarm, true, new AlarmTransition(DateTimeOffset.UtcNow, 91)));
        a.Tell(new LocalAck(Alarm, "op-a", "seen", DateTimeOffset.UtcNow));
        AwaitAssert(() => Assert.True(View(b) is { Active: true, Acked: true, Ack.By: "op-a" }), TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.True(Status(a) is { DeltaBatches: > 0, RetainedBatches: 0 } s && s.SequenceAcked == s.SequenceSent),
            TimeSpan.FromSeconds(5));
        Assert.Equal(1, Status(a).FullTransfers);   // deltas only while the peer keeps up

        // b loses its state (stopped, folder deleted): started again, it gets a's full state.
        Watch(b);
        Sys.Stop(b);
        ExpectTerminated(b);
        Directory.Delete(Settings("b").Directory, recursive: true);
        b = Start("b", "a", 2);
        AwaitAssert(() => Assert.True(View(b) is { Acked: true, Ack.By: "op-a" }), TimeSpan.FromSeconds(5));
        Assert.Equal(2, Status(a).FullTransfers);
        Assert.Contains("lost its state", Status(a).LastFullTransfer!.Why);
    }

    [Fact]
    public void The_peer_state_is_awaited_before_going_active_and_the_wait_is_bounded()
    {
        var a = Start("a", "b", 1);
        var alone = Sys.ActorOf(StateReplicator.Props(Settings("alone") with { PeerStateWait = TimeSpan.FromMilliseconds(300) }, 1,
            "/user/nobody"), "alone");

        alone.Tell(AwaitPeerState.Instance);
        ExpectMsg<PeerStateReady>(r => r.Why == "the peer is not reachable", TimeSpan.FromSeconds(3));

        // The failure detector says the peer answers: its state is awaited, at most peer-state-wait. Both replicators
        // answer first, so their PreStart (which subscribes) has run: a loaded thread pool can delay it past the publish.
        Status(a);
        Status(alone);
        Sys.EventStream.Publish(new PeerReachable("akka.tcp://x@h:1", 1, "b"));
        AwaitAssert(() =>
        {
            alone.Tell(AwaitPeerState.Instance);
            ExpectMsg<PeerStateReady>(r => r.Why.Contains("no full state from the peer"), TimeSpan.FromSeconds(3));
        }, TimeSpan.FromSeconds(5));

        a.Tell(AwaitPeerState.Instance);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));   // b not there yet
        Start("b", "a", 2);
        ExpectMsg<PeerStateReady>(r => r.Why == "the peer's full state is merged", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void After_a_partition_both_sides_converge_keeping_the_acknowledgements_of_both_sides()
    {
        const string OnlyA = "projects/p/alarms/only-a", OnlyB = "projects/p/alarms/only-b";
        var at = DateTimeOffset.UtcNow;
        // b on its own (its peer path leads nowhere): the alarm active, acknowledged by op-b; and its own alarm.
        var split = Sys.ActorOf(StateReplicator.Props(Settings("b"), 2, "/user/nobody"), "b-split");
        split.Tell(new LocalTransition(Alarm, true, new AlarmTransition(at, 91)));
        split.Tell(new LocalAck(Alarm, "op-b", null, at));
        split.Tell(new LocalTransition(OnlyB, true, new AlarmTransition(at, 1)));
        split.Tell(new LocalAck(OnlyB, "op-b", null, at));
        Watch(split);
        AwaitAssert(() => Assert.True(View(split) is { Acked: true }), TimeSpan.FromSeconds(3));
        Sys.Stop(split);
        ExpectTerminated(split);

        // a on its own, before b is back: the same alarm acknowledged by op-a; and its own alarm.
        var a = Start("a", "b", 1);
        a.Tell(new LocalTransition(Alarm, true, new AlarmTransition(at, 92)));
        a.Tell(new LocalAck(Alarm, "op-a", null, at));
        a.Tell(new LocalTransition(OnlyA, true, new AlarmTransition(at, 2)));
        a.Tell(new LocalAck(OnlyA, "op-a", null, at));

        // Healed: b starts again from its log, now with a as its peer.
        var b = Start("b", "a", 2);
        AwaitAssert(() =>
        {
            var (stateA, stateB) = (States(a), States(b));
            Assert.Equal(3, stateA.Count);
            Assert.Equal(stateA.OrderBy(p => p.Key).Select(p => p.Value), stateB.OrderBy(p => p.Key).Select(p => p.Value));
            Assert.True(stateA[OnlyA] is { Acked: true, Ack.By: "op-a" } && stateA[OnlyB] is { Acked: true, Ack.By: "op-b" });
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_restarted_receiver_gets_only_the_deltas_it_missed_and_one_with_its_folder_deleted_gets_one_full_state()
    {
        const string Missed = "projects/p/alarms/missed", Later = "projects/p/alarms/later";
        var at = DateTimeOffset.UtcNow;
        var a = Start("a", "b", 1);
        var b = Start("b", "a", 2);
        a.Tell(new LocalTransition(Alarm, true, new AlarmTransition(at, 91)));
        AwaitAssert(() => Assert.True(View(b) is { Active: true }), TimeSpan.FromSeconds(5));
        // Each side's first-contact full state: b's view can show a's change before b's own full state to a was counted.
        AwaitAssert(() => Assert.True(Status(a).FullTransfers == 1 && Status(b).FullTransfers == 1), TimeSpan.FromSeconds(5));

        // b stops; a goes on changing (its batches to b are lost and retained); b starts again from its folder.
        Stop(b);
        a.Tell(new LocalTransition(Missed, true, new AlarmTransition(at, 5)));
        a.Tell(new LocalAck(Missed, "op-a", "while b was down", at));
        b = Start("b", "a", 2);
        AwaitAssert(() =>
        {
            // Reachable (the failure detector's word) so that b waits for the peer's state: the sync point brings it.
            Sys.EventStream.Publish(new PeerReachable("akka.tcp://x@h:1", 1, "a"));
            b.Tell(AwaitPeerState.Instance);
            ExpectMsg<PeerStateReady>(r => r.Why == "the peer's full state is merged", TimeSpan.FromSeconds(3));
        }, TimeSpan.FromSeconds(5));
        Assert.True(States(b).TryGetValue(Missed, out var missed) && missed is { Acked: true, Ack.By: "op-a" }, $"b shows {missed}");
        AssertSettledWithoutFullTransfer(a, b, "projects/p/alarms/after-restart", expectedFullsOnA: 1, expectedFullsOnB: 0);

        // b's folder deleted: exactly one full state from a (and one from b, whose stream is new).
        Stop(b);
        Directory.Delete(Settings("b").Directory, recursive: true);
        a.Tell(new LocalTransition(Later, true, new AlarmTransition(at, 6)));
        b = Start("b", "a", 2);
        AwaitAssert(() => Assert.True(View(b) is { Active: true } && States(b).ContainsKey(Later) && States(b).ContainsKey(Missed)),
            TimeSpan.FromSeconds(5));
        AssertSettledWithoutFullTransfer(a, b, "projects/p/alarms/after-delete", expectedFullsOnA: 2, expectedFullsOnB: 1);
        Assert.Contains("lost its state", Status(a).LastFullTransfer!.Why);
    }

    [Fact]
    public void A_restarted_sender_ships_what_the_peer_did_not_acknowledge_as_deltas_on_the_same_stream()
    {
        const string WhileDown = "projects/p/alarms/while-down", AfterRestart = "projects/p/alarms/after-restart";
        var at = DateTimeOffset.UtcNow;
        var a = Start("a", "b", 1);
        var b = Start("b", "a", 2);
        a.Tell(new LocalTransition(Alarm, true, new AlarmTransition(at, 91)));
        AwaitAssert(() => Assert.True(View(b) is { Active: true }), TimeSpan.FromSeconds(5));

        // b stops; a changes (sent to nobody, retained in a's memory only) and stops too, losing what it retained.
        Stop(b);
        a.Tell(new LocalTransition(WhileDown, true, new AlarmTransition(at, 5)));
        a.Tell(new LocalAck(WhileDown, "op-a", "unacknowledged when a stopped", at));
        AwaitAssert(() => Assert.True(States(a).ContainsKey(WhileDown)), TimeSpan.FromSeconds(3));
        Stop(a);

        // a starts again alone and changes more before b is back; then b starts: both resume their streams.
        a = Start("a", "b", 1);
        a.Tell(new LocalTransition(AfterRestart, true, new AlarmTransition(at, 6)));
        b = Start("b", "a", 2);
        AwaitAssert(() =>
        {
            var onB = States(b);
            Assert.True(onB.TryGetValue(WhileDown, out var down) && down is { Acked: true, Ack.By: "op-a" }, $"b shows {down}");
            Assert.True(onB.ContainsKey(AfterRestart));
        }, TimeSpan.FromSeconds(5));
        AssertSettledWithoutFullTransfer(a, b, "projects/p/alarms/settled", expectedFullsOnA: 0, expectedFullsOnB: 0);
        Assert.True(Status(a).DeltaBatches > 0);
    }

    [Fact]
    public void With_a_sync_interval_the_positions_are_stored_only_once_the_log_is_synced()
    {
        var a = Start("a", "b", 1);
        var b = Sys.ActorOf(StateReplicator.Props(Settings("b") with { SyncInterval = TimeSpan.FromHours(1) }, 2, "/user/a"), "b");
        a.Tell(new LocalTransition(Alarm, true, new AlarmTransition(DateTimeOffset.UtcNow, 91)));
        AwaitAssert(() => Assert.True(View(b) is { Active: true }), TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.True(PositionBytes("a") > 0), TimeSpan.FromSeconds(3));   // every batch fsynced: stored at once

        // b holds a's batches in a log not yet fsynced: a position naming them could be ahead of it after a power cut.
        Assert.Equal(0, PositionBytes("b"));
        Stop(b);   // a stop syncs the log, then stores the position
        Assert.True(PositionBytes("b") > 0);
    }

    private long PositionBytes(string name)
    {
        var path = Path.Combine(Settings(name).Directory, StreamPositionFile.FileName);
        return File.Exists(path) ? new FileInfo(path).Length : 0;
    }

    private void Stop(IActorRef replicator)
    {
        Watch(replicator);
        Sys.Stop(replicator);
        ExpectTerminated(replicator);
    }

    /// <summary>
    /// One more change each way arrives as a delta (so both streams are settled: no full state was still to come),
    /// both hold the same state, and the full transfer counts (since each replicator started) are the expected ones.
    /// </summary>
    private void AssertSettledWithoutFullTransfer(IActorRef a, IActorRef b, string alarm, int expectedFullsOnA, int expectedFullsOnB)
    {
        var at = DateTimeOffset.UtcNow;
        a.Tell(new LocalTransition(alarm + "-a", true, new AlarmTransition(at, 1)));
        b.Tell(new LocalTransition(alarm + "-b", true, new AlarmTransition(at, 2)));
        AwaitAssert(() =>
        {
            var (stateA, stateB) = (States(a), States(b));
            Assert.True(stateA.ContainsKey(alarm + "-b") && stateB.ContainsKey(alarm + "-a"));
            Assert.Equal(stateA.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)), stateB.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)));
        }, TimeSpan.FromSeconds(5));
        Assert.Equal((expectedFullsOnA, expectedFullsOnB), (Status(a).FullTransfers, Status(b).FullTransfers));
    }

    private IReadOnlyDictionary<string, ReplicatedAlarm> States(IActorRef replicator)
    {
        var probe = CreateTestProbe();
        replicator.Tell(SubscribeAlarmState.Instance, probe.Ref);
        return probe.ExpectMsg<ReplicatedAlarmsChanged>().Changed;
    }
}
