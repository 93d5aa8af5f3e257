using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit;
using RedundantGateway.Alarms;
using RedundantGateway.ConfigSync;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Alarms;

/// <summary>
/// Issue 11, the alarm engine's side of the state sync: the active node reports transitions and accepted commands to
/// its state replicator; a standby shows the replicated state; a node going active waits for the peer's state and
/// continues the replicated activation (and its acknowledgement) instead of starting a new one.
/// </summary>
public sealed class AlarmEngineStateSyncSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Tag = "projects/demo/tags/t001";
    private const string High = "projects/demo/alarms/high";
    private static readonly string Json = $$"""{"tag":"{{Tag}}","condition":"above","setpoint":50,"deadband":1,"onDelayMs":0,"priority":"high"}""";

    private readonly TestProbe _tags;
    private readonly TestProbe _config;
    private readonly TestProbe _replicator;
    private readonly ManualTimeProvider _clock = new();

    public AlarmEngineStateSyncSpec(ITestOutputHelper output) : base(output: output)
    {
        _tags = CreateTestProbe("tag-engine");
        _config = CreateTestProbe("config-replicator");
        _replicator = CreateTestProbe("state-replicator");
    }

    private IActorRef Engine()
    {
        var engine = Sys.ActorOf(AlarmEngine.Props(null, _tags.Ref, _config.Ref, _clock, _replicator.Ref));
        _config.ExpectMsg<GetConfigDocument>();
        _replicator.ExpectMsg<SubscribeAlarmState>();
        _config.Reply(new ConfigDocumentView(ConfigDocument.From("identity", 1, [KeyValuePair.Create(High, Json)]), false));
        return engine;
    }

    private static ReplicatedAlarmsChanged Replicated(ReplicatedAlarm alarm) =>
        new(ImmutableDictionary<string, ReplicatedAlarm>.Empty.Add(High, alarm), ImmutableHashSet<string>.Empty);

    private AlarmStatus Alarm(IActorRef engine)
    {
        engine.Tell(new GetAlarms(AlarmFilter.All));
        return ExpectMsg<AlarmList>().Alarms.Single(a => a.Id == High);
    }

    private void GoActive(IActorRef engine)
    {
        engine.Tell(new ApplyRuntimeLevel(ActivityLevel.Active));
        _replicator.ExpectMsg<AwaitPeerState>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));   // held until the peer's state is merged
        engine.Tell(new PeerStateReady("the peer's full state is merged"));
        Assert.Equal(ActivityLevel.Active, ExpectMsg<RuntimeLevelApplied>().Level);
    }

    [Fact]
    public void The_active_node_reports_its_transitions_and_accepted_acks()
    {
        var engine = Engine();
        GoActive(engine);
        _tags.FishForMessage(m => m is SubscribeTags);

        engine.Tell(new TagSnapshot(ActivityLevel.Active, [new TagValue(Tag, 60.0, TagQuality.Good, ManualTimeProvider.Start)]));
        var transition = _replicator.ExpectMsg<LocalTransition>();
        Assert.Equal((High, true), (transition.Id, transition.Active));

        engine.Tell(new AckAlarm(High, "op", "seen"));
        Assert.True(ExpectMsg<AlarmCommandResult>().Accepted);
        var ack = _replicator.ExpectMsg<LocalAck>();
        Assert.Equal((High, "op", "seen"), (ack.Id, ack.By, ack.Note));

        engine.Tell(new TagsChanged([new TagValue(Tag, 10.0, TagQuality.Good, ManualTimeProvider.Start)]));
        Assert.False(_replicator.ExpectMsg<LocalTransition>().Active);
    }

    [Fact]
    public void The_active_node_shows_the_merged_ack_when_both_nodes_acknowledged_the_activation()
    {
        var engine = Engine();
        engine.Tell(new ApplyRuntimeLevel(ActivityLevel.Cold));
        ExpectMsg<RuntimeLevelApplied>();
        var since = ManualTimeProvider.Start.AddSeconds(-30);
        var activation = new AlarmTransition(since, 70);
        engine.Tell(Replicated(new ReplicatedAlarm(true, since, activation, null, false, null, null)));
        GoActive(engine);
        _tags.FishForMessage(m => m is SubscribeTags);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [new TagValue(Tag, 60.0, TagQuality.Good, ManualTimeProvider.Start)]));
        engine.Tell(new AckAlarm(High, "op-here", "mine"));
        var mine = ExpectMsg<AlarmCommandResult>();
        Assert.True(mine.Accepted);
        Assert.Equal(["op-here"], mine.Alarm!.Acks.Select(a => a.By));

        // After a partition: the peer acknowledged the same activation, and the merge shows the peer's (earlier by stamp).
        var peers = new AlarmAck("op-peer", since.AddSeconds(10), "theirs");
        var both = AlarmAcks.Of([peers, new AlarmAck("op-here", mine.Alarm.AckedAt!.Value, "mine")]);
        engine.Tell(Replicated(new ReplicatedAlarm(true, since, activation, null, true, peers, null, both)));

        var shown = Alarm(engine);
        Assert.True(shown is { Active: true, Acked: true, AckedBy: "op-peer", AckNote: "theirs" }, $"{shown}");
        Assert.Equal(since, shown.ActiveSince);
        Assert.Equal(both, shown.Acks);

        // A merge of another activation (one this node has not shown) is not taken.
        var other = new AlarmTransition(since.AddSeconds(1), 71);
        engine.Tell(Replicated(new ReplicatedAlarm(true, since, other, null, true, new AlarmAck("op-stale", since, null), null)));
        Assert.Equal("op-peer", Alarm(engine).AckedBy);
    }

    [Fact]
    public void A_standby_shows_the_replicated_ack_and_continues_that_activation_when_it_takes_over()
    {
        var engine = Engine();
        engine.Tell(new ApplyRuntimeLevel(ActivityLevel.Cold));
        ExpectMsg<RuntimeLevelApplied>();
        var since = ManualTimeProvider.Start.AddSeconds(-30);
        engine.Tell(Replicated(new ReplicatedAlarm(true, since, new AlarmTransition(since, 70), null, true,
            new AlarmAck("op-master", since.AddSeconds(5), "seen"), null)));

        Assert.True(Alarm(engine) is { Active: true, Acked: true, AckedBy: "op-master" });

        GoActive(engine);
        _tags.FishForMessage(m => m is SubscribeTags);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [new TagValue(Tag, 60.0, TagQuality.Good, ManualTimeProvider.Start)]));

        var shown = Alarm(engine);
        Assert.True(shown is { Active: true, Acked: true, AckedBy: "op-master" }, $"{shown}");
        Assert.Equal(since, shown.ActiveSince);
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(100));   // the same activation: no new transition
    }

    [Fact]
    public void Going_active_does_not_wait_for_ever_on_a_replicator_that_does_not_answer()
    {
        var engine = Engine();
        engine.Tell(new ApplyRuntimeLevel(ActivityLevel.Active));
        _replicator.ExpectMsg<AwaitPeerState>();
        Assert.Equal(ActivityLevel.Active, ExpectMsg<RuntimeLevelApplied>(TimeSpan.FromSeconds(12)).Level);
    }
}
