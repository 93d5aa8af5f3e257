using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

public sealed class PeerFailureDetectorSpec(ITestOutputHelper output) : ClusterTestKit(output)
{
    // Defaults: heartbeat 200 ms, failover timeout 1500 ms, phi threshold 8, min std deviation 100 ms.
    private static readonly LivenessSettings Redundancy = TestSupport.Settings("").Liveness;
    private static readonly PeerActivity Undecided = new(NodeRole.Backup, ActivityLevel.Undecided, 0, null);

    private readonly FakeClock _clock = new();

    private IActorRef StartDetector(string? peerAddress, string name, string nodeName = "watcher", PeerActivity? activity = null)
    {
        var detector = Sys.ActorOf(PeerFailureDetector.Props(Redundancy, nodeName, peerAddress, activity ?? Undecided, _clock.AsFunc()), name);
        Status(detector); // PreStart has run: it is subscribed to the event stream
        return detector;
    }

    /// <summary>A detector with no peer of its own at /user/redundancy/liveness, where heartbeats to this system arrive.</summary>
    private IActorRef StartResponder(string nodeName = "responder") =>
        Sys.ActorOf(NamedParent.Props(
            PeerFailureDetector.Props(Redundancy, nodeName, null, Undecided, _clock.AsFunc()), PeerFailureDetector.Name),
            RedundancyPaths.Guardian);

    private void StopAndWait(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor, Deadline);
        Unwatch(actor);
    }

    private static LivenessStatus Status(IActorRef detector) =>
        detector.Ask<LivenessStatus>(GetLivenessStatus.Instance, Deadline).GetAwaiter().GetResult();

    private TestProbe Subscribe(params Type[] types)
    {
        var probe = CreateTestProbe();
        foreach (var type in types) Sys.EventStream.Subscribe(probe.Ref, type);
        return probe;
    }

    /// <summary>
    /// Moves the fake clock <paramref name="count"/> steps of 200 ms, each once a heartbeat sent at the current
    /// fake time has been answered (and recorded): the recorded intervals are then 200 ms (or 0 when several
    /// heartbeats go out at one fake time), never longer, whatever the real timing.
    /// </summary>
    private void RegularAnswers(TestProbe acks, int count)
    {
        for (var steps = 0; steps < count;)
        {
            var ack = acks.ExpectMsg<HeartbeatAck>(Deadline);
            if (ack.SentAtMs != _clock.NowMs) continue; // answers a heartbeat sent before the last step
            _clock.Advance(200);
            steps++;
        }
    }

    /// <summary>Moves the fake clock so that the peer has been silent exactly <paramref name="silentMs"/>.</summary>
    private void SilenceFor(IActorRef detector, long silentMs)
    {
        var heardAgo = (long)Status(detector).LastHeardMsAgo!.Value;
        Assert.True(heardAgo <= silentMs, $"already silent {heardAgo} ms");
        _clock.Advance(silentMs - heardAgo);
    }

    [Fact]
    public async Task Answers_a_heartbeat_with_what_it_knows_of_its_cluster()
    {
        await JoinSelfAsync();
        var activity = new PeerActivity(NodeRole.Backup, ActivityLevel.Cold, 3, null);
        var detector = StartDetector(null, "detector", "node-x", activity);

        detector.Tell(new Heartbeat(5, 1234, "akka.tcp://test@10.1.1.1:1", 99), TestActor);
        var ack = ExpectMsg<HeartbeatAck>(Deadline);

        Assert.Equal(5, ack.Sequence);
        Assert.Equal(1234, ack.SentAtMs);
        Assert.Equal(SelfAddress, ack.ResponderAddress);
        Assert.Equal(SelfUid, ack.ResponderUid);
        Assert.Equal("node-x", ack.ResponderNodeName);
        Assert.True(ack.ResponderIsUp);
        Assert.False(ack.ResponderSeesSender);
        Assert.Equal(activity, ack.ResponderActivity);

        // A sender that is a member (address and incarnation) of its cluster is seen; another incarnation is not.
        detector.Tell(new Heartbeat(6, 1300, SelfAddress, SelfUid), TestActor);
        Assert.True(ExpectMsg<HeartbeatAck>(Deadline).ResponderSeesSender);
        detector.Tell(new Heartbeat(7, 1400, SelfAddress, SelfUid + 1), TestActor);
        Assert.False(ExpectMsg<HeartbeatAck>(Deadline).ResponderSeesSender);
    }

    [Fact]
    public void A_node_that_is_not_an_Up_member_says_so_in_its_answer()
    {
        var detector = StartDetector(null, "detector");

        detector.Tell(new Heartbeat(1, 10, SelfAddress, SelfUid), TestActor);
        var ack = ExpectMsg<HeartbeatAck>(Deadline);

        Assert.False(ack.ResponderIsUp);
        Assert.False(ack.ResponderSeesSender);
    }

    [Fact]
    public void Its_answers_carry_the_latest_local_activity()
    {
        var detector = StartDetector(null, "detector");
        var active = new PeerActivity(NodeRole.Backup, ActivityLevel.Active, 4, 123_456);

        Sys.EventStream.Publish(new LocalActivityChanged(active));
        detector.Tell(new Heartbeat(1, 10, SelfAddress, SelfUid), TestActor);

        Assert.Equal(active, ExpectMsg<HeartbeatAck>(Deadline).ResponderActivity);
    }

    [Fact]
    public void Before_any_answer_the_peer_is_unknown()
    {
        var detector = StartDetector("akka.tcp://test@127.0.0.1:1", "detector");

        var status = Status(detector);

        Assert.Equal("akka.tcp://test@127.0.0.1:1", status.PeerAddress);
        Assert.Equal(PeerState.Unknown, status.State);
        Assert.Equal(0, status.Phi);
        Assert.Null(status.RoundTripMs);
        Assert.Null(status.LastHeardMsAgo);
        Assert.Null(status.LastAck);
    }

    [Fact]
    public void A_silent_peer_is_first_suspected_then_judged_down_at_the_failover_timeout()
    {
        var events = Subscribe(typeof(PeerReachable), typeof(PeerUnreachable), typeof(PeerDown));
        var acks = Subscribe(typeof(HeartbeatAck));
        var responder = StartResponder();
        var detector = StartDetector(SelfAddress, "watcher");

        var reachable = events.ExpectMsg<PeerReachable>(Deadline);
        Assert.Equal(SelfAddress, reachable.PeerAddress);
        Assert.Equal(SelfUid, reachable.PeerUid);
        Assert.Equal("responder", reachable.PeerNodeName);
        RegularAnswers(acks, 4);

        StopAndWait(responder);
        var status = Status(detector);
        Assert.Equal(PeerState.Reachable, status.State);
        Assert.NotNull(status.RoundTripMs);
        Assert.Equal("responder", status.LastAck!.ResponderNodeName);

        SilenceFor(detector, 400);
        Assert.True(Status(detector).Phi < Redundancy.PhiThreshold);
        Assert.Equal(PeerState.Reachable, Status(detector).State);

        SilenceFor(detector, 800);
        var unreachable = events.ExpectMsg<PeerUnreachable>(Deadline);
        Assert.Equal(SelfAddress, unreachable.PeerAddress);
        Assert.Equal(TimeSpan.FromMilliseconds(800), unreachable.SilentFor);
        Assert.True(unreachable.Phi >= Redundancy.PhiThreshold, $"phi {unreachable.Phi}");
        Assert.Equal(PeerState.Unreachable, Status(detector).State);

        SilenceFor(detector, 1499);
        Assert.Equal(PeerState.Unreachable, Status(detector).State);
        _clock.Advance(1);
        var down = events.ExpectMsg<PeerDown>(Deadline);
        Assert.Equal(SelfAddress, down.PeerAddress);
        Assert.Equal(Redundancy.FailoverTimeout, down.SilentFor);

        var after = Status(detector);
        Assert.Equal(PeerState.Down, after.State);
        Assert.Equal(0, after.Phi);

        // Judged down once only, however long the silence lasts.
        _clock.Advance(10_000);
        Assert.Equal(PeerState.Down, Status(detector).State);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_peer_that_answers_again_is_reachable_again()
    {
        var events = Subscribe(typeof(PeerReachable), typeof(PeerUnreachable), typeof(PeerDown));
        var acks = Subscribe(typeof(HeartbeatAck));
        var responder = StartResponder();
        var detector = StartDetector(SelfAddress, "watcher");
        events.ExpectMsg<PeerReachable>(Deadline);
        RegularAnswers(acks, 3);

        // Suspected, then it answers: reachable again without being judged down.
        StopAndWait(responder);
        SilenceFor(detector, 900);
        events.ExpectMsg<PeerUnreachable>(Deadline);
        responder = StartResponder();
        Assert.Equal("responder", events.ExpectMsg<PeerReachable>(Deadline).PeerNodeName);
        Assert.Equal(PeerState.Reachable, Status(detector).State);
        RegularAnswers(acks, 2);

        // Judged down, then it answers: reachable again, with a fresh estimate.
        StopAndWait(responder);
        SilenceFor(detector, 1500);
        events.FishForMessage<PeerDown>(_ => true, Deadline);
        StartResponder("responder-2");
        Assert.Equal("responder-2", events.ExpectMsg<PeerReachable>(Deadline).PeerNodeName);
        Assert.Equal(PeerState.Reachable, Status(detector).State);
    }

    [Fact]
    public async Task Without_a_configured_peer_it_learns_the_peer_from_the_cluster_and_watches_it_remotely()
    {
        var events = Subscribe(typeof(PeerReachable), typeof(PeerDown));
        var acks = Subscribe(typeof(HeartbeatAck));
        var other = await StartSecondNodeAsync();
        var otherAddress = Cluster.Get(other).SelfAddress.ToString();
        other.ActorOf(NamedParent.Props(
            PeerFailureDetector.Props(Redundancy, "other-node", null, Undecided, _clock.AsFunc()), PeerFailureDetector.Name),
            RedundancyPaths.Guardian);

        var detector = StartDetector(null, "watcher");

        var reachable = events.ExpectMsg<PeerReachable>(TimeSpan.FromSeconds(10));
        Assert.Equal(otherAddress, reachable.PeerAddress);
        Assert.Equal((long)Cluster.Get(other).SelfUniqueAddress.Uid, reachable.PeerUid);
        Assert.Equal("other-node", reachable.PeerNodeName);
        var ack = acks.ExpectMsg<HeartbeatAck>(Deadline);
        Assert.True(ack.ResponderIsUp);
        Assert.True(ack.ResponderSeesSender);
        Assert.Equal(otherAddress, Status(detector).PeerAddress);

        await other.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        // An answer still in flight when the peer stopped may reset the silence once: move the clock until it is judged down.
        AwaitAssert(() =>
        {
            if (Status(detector).LastHeardMsAgo is not null) SilenceFor(detector, 1500);
            Assert.Equal(PeerState.Down, Status(detector).State);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        Assert.Equal(otherAddress, events.FishForMessage<PeerDown>(_ => true, Deadline).PeerAddress);
    }
}
