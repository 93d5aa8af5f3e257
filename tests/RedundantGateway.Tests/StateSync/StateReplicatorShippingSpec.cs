using Akka.Actor;
using Akka.TestKit.Xunit2;
using RedundantGateway.Alarms;
using RedundantGateway.Configuration;
using RedundantGateway.StateSync;
using RedundantGateway.Tests.Alarms;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.StateSync;

/// <summary>
/// Issue 11, shipping at rate (the state-replication and state-full-transfer benchmarks): local changes in a burst are
/// stored together (one log record per batch, not one per change), and a full state of many batches, encoded and sent
/// while the node goes on changing, reaches a fresh peer whole, followed by the changes made meanwhile.
/// </summary>
public sealed class StateReplicatorShippingSpec : TestKit, IDisposable
{
    private readonly string _root = TestSupport.TempDir();

    public StateReplicatorShippingSpec(ITestOutputHelper output) : base(GatewayConfig.Reference, output: output) { }

    public new void Dispose()
    {
        base.Dispose();
        TestSupport.DeleteQuietly(_root);
    }

    // Batches of 100 alarms for a full state, of 50 for deltas: a few thousand alarms make many batches.
    private StateSyncSettings Settings(string name) =>
        new StateSyncSettings(Path.Combine(_root, name), TimeSpan.Zero, 1 << 30, 100)
        {
            ProbeInterval = TimeSpan.FromMilliseconds(100),
            Shipping = new ShippingLimits(50, TimeSpan.FromMilliseconds(10), 10_000, 64L << 20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)),
        };

    private IActorRef Start(string name, string peer, ushort node) =>
        Sys.ActorOf(StateReplicator.Props(Settings(name), node, "/user/" + peer), name);

    private static string Id(int i) => $"projects/p/alarms/a{i:D5}";

    private static LocalTransition Activation(int i) => new(Id(i), true, new AlarmTransition(DateTimeOffset.UtcNow, i));

    private IReadOnlyDictionary<string, ReplicatedAlarm> States(IActorRef replicator)
    {
        var probe = CreateTestProbe();
        replicator.Tell(SubscribeAlarmState.Instance, probe.Ref);
        return probe.ExpectMsg<ReplicatedAlarmsChanged>(TimeSpan.FromSeconds(10)).Changed;
    }

    [Fact]
    public void A_burst_of_local_changes_is_logged_in_a_few_records_not_one_per_change()
    {
        var alone = Sys.ActorOf(StateReplicator.Props(Settings("alone"), 1, null), "alone");
        for (var i = 0; i < 500; i++) alone.Tell(Activation(i));
        AwaitAssert(() => Assert.Equal(500, States(alone).Count), TimeSpan.FromSeconds(10));
        Watch(alone);
        Sys.Stop(alone);
        ExpectTerminated(alone);

        var (log, report) = StateLog.Open(Settings("alone"));
        log.Dispose();
        Assert.Equal(500, report.Alarms);
        // One record per delta batch of at most 50 alarms (a store every batch interval): before, one per change.
        Assert.InRange(report.LogRecords, 10, 100);
    }

    [Fact]
    public void A_stopping_replicator_writes_the_local_changes_still_waiting_for_their_batch_interval()
    {
        // A batch interval far longer than the test: the changes are written only because the replicator stops.
        var settings = Settings("stopping") with
        {
            Shipping = Settings("stopping").Shipping with { BatchInterval = TimeSpan.FromMinutes(10) },
        };
        var replicator = Sys.ActorOf(StateReplicator.Props(settings, 1, null), "stopping");
        for (var i = 0; i < 3; i++) replicator.Tell(Activation(i));
        AwaitAssert(() => Assert.Equal(3, States(replicator).Count), TimeSpan.FromSeconds(10));
        Watch(replicator);
        Sys.Stop(replicator);
        ExpectTerminated(replicator);

        var (log, report) = StateLog.Open(settings);
        log.Dispose();
        Assert.Equal(3, report.Alarms);
        Assert.Equal(1, report.LogRecords);
    }

    [Fact]
    public async Task A_full_state_of_many_batches_reaches_a_fresh_peer_with_the_changes_made_while_it_was_sent()
    {
        var a = Start("a", "b", 1);
        for (var i = 0; i < 3000; i++) a.Tell(Activation(i));
        AwaitAssert(() => Assert.Equal(3000, States(a).Count), TimeSpan.FromSeconds(10));

        var b = Start("b", "a", 2);
        // Changes while the full state (30 batches) is on its way: acknowledgements, and new alarms.
        for (var i = 0; i < 200; i++) a.Tell(new LocalAck(Id(i), "op", null, DateTimeOffset.UtcNow));
        for (var i = 3000; i < 3100; i++) a.Tell(Activation(i));

        AwaitAssert(() =>
        {
            var (onA, onB) = (States(a), States(b));
            Assert.Equal(3100, onB.Count);
            Assert.Equal(onA.OrderBy(p => p.Key).Select(p => p.Value), onB.OrderBy(p => p.Key).Select(p => p.Value));
            Assert.True(onB[Id(199)] is { Acked: true, Ack.By: "op" });
        }, TimeSpan.FromSeconds(15));
        var status = await a.Ask<StateSyncStatus>(GetStateSyncStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.True(status.LastFullTransfer is { Entries: >= 3000, Batches: >= 30 }, $"{status.LastFullTransfer}");
    }
}
