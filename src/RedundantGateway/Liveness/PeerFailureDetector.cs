using System.Diagnostics;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace RedundantGateway.Liveness;

/// <summary>
/// Watches the peer node: a heartbeat on its own schedule, phi accrual on the answers, and
/// <see cref="PeerReachable"/> / <see cref="PeerUnreachable"/> / <see cref="PeerDown"/> on the
/// local event stream. It answers the peer's heartbeats too, telling it what this node knows
/// of its own cluster so that two separate clusters can be noticed.
/// Independent of Akka's cluster failure detector on purpose: the pair's decisions run on this
/// node's own schedule and thresholds, and heartbeats flow even between separate clusters.
/// </summary>
public sealed class PeerFailureDetector : ReceiveActor, IWithTimers
{
    public const string Name = RedundancyPaths.Liveness;
    public const int MaxSamples = 200;

    private sealed record SendHeartbeat { public static readonly SendHeartbeat Instance = new(); }
    private sealed record CheckPeer { public static readonly CheckPeer Instance = new(); }

    /// <summary>The outcome of a plain TCP connect to the peer's node link after the link dropped.</summary>
    private sealed record LinkProbed(string PeerAddress, bool Refused);

    private readonly LivenessSettings _settings;
    private readonly string _nodeName;
    private readonly Func<long> _clockMs;
    private readonly Cluster _cluster;
    private readonly PhiAccrualEstimator _estimator;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private string? _peerAddress;
    private long? _peerUid;
    private PeerState _state = PeerState.Unknown;
    private long _sequence;
    private double? _roundTripMs;
    private HeartbeatAck? _lastAck;
    private PeerActivity _ownActivity;
    private long? _lastHeardFromPeerMs;
    private long? _lastCheckMs;
    private long _graceUntilMs;
    private long? _oneWaySinceMs;
    private bool _oneWayReported;

    public ITimerScheduler Timers { get; set; } = null!;

    public PeerFailureDetector(LivenessSettings settings, string nodeName, string? peerAddress, PeerActivity ownActivity, Func<long>? clockMs = null)
    {
        _settings = settings;
        _nodeName = nodeName;
        _peerAddress = peerAddress;
        _ownActivity = ownActivity;
        _clockMs = clockMs ?? MonotonicMs;
        _cluster = Cluster.Get(Context.System);
        _estimator = new PhiAccrualEstimator(MaxSamples, settings.PhiMinStdDeviation, TimeSpan.Zero);

        Receive<SendHeartbeat>(_ => OnSendHeartbeat());
        Receive<CheckPeer>(_ => OnCheckPeer());
        Receive<Heartbeat>(OnHeartbeat);
        Receive<HeartbeatAck>(OnHeartbeatAck);
        Receive<LocalActivityChanged>(changed => _ownActivity = changed.Activity);
        Receive<ClusterEvent.MemberUp>(up => LearnPeer(up.Member));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<GetLivenessStatus>(_ => Sender.Tell(Status()));
        Receive<DisassociatedEvent>(OnLinkDropped);
        Receive<LinkProbed>(OnLinkProbed);
    }

    public static Props Props(LivenessSettings settings, string nodeName, string? peerAddress, PeerActivity ownActivity, Func<long>? clockMs = null) =>
        Akka.Actor.Props.Create(() => new PeerFailureDetector(settings, nodeName, peerAddress, ownActivity, clockMs));

    private static long MonotonicMs() => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(LocalActivityChanged));
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        if (_peerAddress is null)
            _cluster.Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
        Timers.StartPeriodicTimer("heartbeat", SendHeartbeat.Instance, TimeSpan.Zero, _settings.HeartbeatInterval);
        var checkEvery = TimeSpan.FromMilliseconds(Math.Clamp(_settings.HeartbeatInterval.TotalMilliseconds / 4, 10, 100));
        Timers.StartPeriodicTimer("check", CheckPeer.Instance, checkEvery);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    private void LearnPeer(Member member)
    {
        if (_peerAddress is not null || member.Address.Equals(_cluster.SelfAddress)) return;
        _peerAddress = member.Address.ToString();
        _log.Info("Peer learned from cluster membership: {PeerAddress}", _peerAddress);
    }

    private void OnSendHeartbeat()
    {
        if (_peerAddress is null) return;
        var heartbeat = new Heartbeat(++_sequence, _clockMs(), _cluster.SelfAddress.ToString(), _cluster.SelfUniqueAddress.Uid);
        Context.ActorSelection(RedundancyPaths.LivenessPath(_peerAddress)).Tell(heartbeat, Self);
    }

    private void OnHeartbeat(Heartbeat heartbeat)
    {
        if (_peerAddress is null || heartbeat.FromAddress == _peerAddress) _lastHeardFromPeerMs = _clockMs();
        var self = _cluster.SelfMember;
        var state = _cluster.State;
        var seesSender = state.Members.Any(m =>
            m.Address.ToString() == heartbeat.FromAddress && m.UniqueAddress.Uid == heartbeat.FromUid &&
            m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining);
        Sender.Tell(new HeartbeatAck(
            heartbeat.Sequence, heartbeat.SentAtMs,
            _cluster.SelfAddress.ToString(), _cluster.SelfUniqueAddress.Uid,
            _nodeName,
            self.Status == MemberStatus.Up, seesSender, _ownActivity));
    }

    private void OnHeartbeatAck(HeartbeatAck ack)
    {
        var now = _clockMs();
        if (_peerUid is { } uid && uid != ack.ResponderUid)
        {
            _log.Info("Peer {PeerAddress} restarted (incarnation {OldUid} -> {NewUid})", ack.ResponderAddress, uid, ack.ResponderUid);
            _estimator.Reset();
        }
        _peerUid = ack.ResponderUid;
        _peerAddress ??= ack.ResponderAddress;
        _estimator.Heartbeat(now);
        _roundTripMs = now - ack.SentAtMs;
        _lastAck = ack;
        Context.System.EventStream.Publish(ack);
        _oneWaySinceMs = null;
        _oneWayReported = false;
        if (_state != PeerState.Reachable)
        {
            _state = PeerState.Reachable;
            Context.System.EventStream.Publish(new PeerReachable(ack.ResponderAddress, ack.ResponderUid, ack.ResponderNodeName));
        }
    }

    private void OnCheckPeer()
    {
        CheckOneWayLink();
        var now = _clockMs();
        // Stalls are measured on the real clock: they are this process's own scheduling delays.
        var realNow = MonotonicMs();
        if (_lastCheckMs is { } previousCheck && realNow - previousCheck > _settings.FailoverTimeout.TotalMilliseconds / 2)
        {
            // This process itself stalled (GC, starved CPU): the peer's silence measured across the stall says
            // nothing about the peer. Give it a fresh heartbeat round before judging.
            _graceUntilMs = now + 2 * (long)_settings.HeartbeatInterval.TotalMilliseconds + 100;
            _log.Warning("This node stalled for {StallMs} ms; the peer gets a fresh heartbeat round before it is judged", realNow - previousCheck);
            Self.Tell(SendHeartbeat.Instance);
        }
        _lastCheckMs = realNow;
        if (_peerAddress is null || _estimator.LastHeartbeatMs is not { } last || now < _graceUntilMs) return;
        var silent = TimeSpan.FromMilliseconds(now - last);
        if (_state != PeerState.Down && silent >= _settings.FailoverTimeout)
        {
            JudgeDown(silent, $"silent for {silent.TotalMilliseconds:F0} ms (failover timeout {_settings.FailoverTimeout.TotalMilliseconds:F0} ms)");
            return;
        }
        if (_state == PeerState.Reachable)
        {
            var phi = _estimator.Phi(now);
            if (phi >= _settings.PhiThreshold)
            {
                _state = PeerState.Unreachable;
                Context.System.EventStream.Publish(new PeerUnreachable(_peerAddress, phi, silent));
            }
        }
    }

    /// <summary>
    /// Seen after a peer restarted within a second: Akka.Remote may keep dropping what this node sends to the
    /// new incarnation while that one's messages still arrive. The peer is alive, so this is not a failure
    /// to wait out; after a while (8 times the failover timeout, at least 12 s) the membership resets the link.
    /// </summary>
    private void CheckOneWayLink()
    {
        var now = _clockMs();
        if (!OneWayLinkRule.IsOneWay(_state == PeerState.Down, _lastHeardFromPeerMs, now, _settings.FailoverTimeout) || _peerAddress is null)
        {
            _oneWaySinceMs = null;
            return;
        }
        _oneWaySinceMs ??= now;
        var oneWayFor = TimeSpan.FromMilliseconds(now - _oneWaySinceMs.Value);
        // Only a link that stays one-way well past a normal rejoin is reset (membership rule 5).
        if (_oneWayReported || !OneWayLinkRule.MustReset(oneWayFor, _settings)) return;
        _oneWayReported = true;
        _log.Warning("The peer {PeerAddress} is heard but does not hear this node for {OneWayMs} ms", _peerAddress, oneWayFor.TotalMilliseconds);
        Context.System.EventStream.Publish(new PeerLinkOneWay(_peerAddress, oneWayFor));
    }

    private void JudgeDown(TimeSpan silent, string cause)
    {
        _state = PeerState.Down;
        _estimator.Reset();
        Context.System.EventStream.Publish(new PeerDown(_peerAddress!, silent, cause));
    }

    /// <summary>
    /// The link to the peer dropped. If its node link now refuses connections, the peer's process is gone
    /// (a crash or kill, not a broken network, which refuses nothing): no need to wait out the failover timeout.
    /// </summary>
    private void OnLinkDropped(DisassociatedEvent dropped)
    {
        if (_peerAddress is null || _state == PeerState.Down || dropped.RemoteAddress.ToString() != _peerAddress) return;
        if (dropped.RemoteAddress is not { Host: { } host, Port: { } port }) return;
        var peer = _peerAddress;
        ProbeLink(host, port, _settings.LinkProbeTimeout).PipeTo(Self, success: refused => new LinkProbed(peer, refused));
    }

    private static async Task<bool> ProbeLink(string host, int port, TimeSpan probeTimeout)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(probeTimeout);
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private void OnLinkProbed(LinkProbed probed)
    {
        if (!probed.Refused || probed.PeerAddress != _peerAddress || _state == PeerState.Down) return;
        var silent = _estimator.LastHeartbeatMs is { } last ? TimeSpan.FromMilliseconds(_clockMs() - last) : TimeSpan.Zero;
        _log.Info("Peer {PeerAddress} dropped the link and its port refuses connections: its process is gone", probed.PeerAddress);
        JudgeDown(silent, $"link dropped and the peer's port refuses connections (process gone) after {silent.TotalMilliseconds:F0} ms of silence");
    }

    private LivenessStatus Status()
    {
        var now = _clockMs();
        return new LivenessStatus(_peerAddress, _state, Math.Round(_estimator.Phi(now), 3), _roundTripMs,
            _estimator.LastHeartbeatMs is { } last ? now - last : null, _lastAck);
    }
}
