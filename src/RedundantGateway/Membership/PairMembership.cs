using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;

namespace RedundantGateway.Membership;

/// <summary>
/// The pair's own membership rules, since no built-in downing strategy fails over with two nodes:
/// <list type="bullet">
/// <item>Joining: the master lists itself first and the backup second, so it joins a backup that already
/// runs alone and otherwise forms the cluster; the backup only joins the master, and joins itself
/// only after the join wait time.</item>
/// <item>Downing: nobody is downed for being unreachable (a silent peer may be alive behind a broken link,
/// and a downed node can never come back). The only downing is of an old incarnation of the peer once
/// its new incarnation answers.</item>
/// <item>Merging: when heartbeats show the peer Up in another cluster, the side the designation rules
/// would not keep active rebuilds its actor system and joins the other.</item>
/// <item>Resetting a one-way link: when the peer is heard but does not hear this node, this node rebuilds
/// its actor system (Akka.Remote can keep dropping what it sends to a peer restarted within a second).</item>
/// <item>Recovering a lost join: when the peer lists this node as a member but this node is Up in a cluster
/// without the peer (the peer's Welcome was lost), this node rebuilds its actor system and joins again.</item>
/// </list>
/// </summary>
public sealed class PairMembership : ReceiveActor, IWithTimers
{
    public const string Name = RedundancyPaths.Membership;

    private sealed record JoinWaitElapsed { public static readonly JoinWaitElapsed Instance = new(); }

    private readonly NodeIdentity _node;
    private readonly RedundancySettings _settings;
    private readonly IActorSystemHost _host;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private JoinPlan? _joinPlan;
    private bool _selfIsMember;
    private bool _peerAnswers;
    private bool _keepJoiningLogged;
    private int _silentLooks;
    private DateTime? _lostJoinSeenSince;
    private DateTime? _splitSeenSince;
    private bool _restartRequested;
    private PeerActivity? _ownActivity;

    public ITimerScheduler Timers { get; set; } = null!;

    public PairMembership(NodeIdentity node, RedundancySettings settings, IActorSystemHost host)
    {
        _node = node;
        _settings = settings;
        _host = host;
        Receive<ClusterEvent.MemberUp>(e => NoteMember(e.Member));
        Receive<ClusterEvent.MemberJoined>(e => NoteMember(e.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(e => NoteMember(e.Member));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<JoinWaitElapsed>(_ => OnJoinWaitElapsed());
        Receive<LocalActivityChanged>(changed => _ownActivity = changed.Activity);
        Receive<HeartbeatAck>(OnPeerAck);
        // Block bodies: an expression lambda returning bool would pick Receive's Func<T, bool> overload (false = unhandled).
        Receive<PeerReachable>(_ => { _peerAnswers = true; });
        Receive<PeerUnreachable>(_ => { _peerAnswers = false; });
        Receive<PeerDown>(_ => { _peerAnswers = false; });
        Receive<PeerLinkOneWay>(oneWay => RequestRestart(
            $"the peer's heartbeats arrive but it has not heard this node for {oneWay.For.TotalMilliseconds:F0} ms; rebuilding this node's actor system to reset the link"));
    }

    public static Props Props(NodeIdentity node, RedundancySettings settings, IActorSystemHost host) =>
        Akka.Actor.Props.Create(() => new PairMembership(node, settings, host));

    private Address AddressOf(NodeEndpoint endpoint) =>
        new(_cluster.SelfAddress.Protocol, _cluster.SelfAddress.System, endpoint.Host, endpoint.Port);

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        Context.System.EventStream.Subscribe(Self, typeof(HeartbeatAck));
        Context.System.EventStream.Subscribe(Self, typeof(LocalActivityChanged));
        Context.System.EventStream.Subscribe(Self, typeof(PeerLinkOneWay));
        Context.System.EventStream.Subscribe(Self, typeof(PeerReachable));
        Context.System.EventStream.Subscribe(Self, typeof(PeerUnreachable));
        Context.System.EventStream.Subscribe(Self, typeof(PeerDown));

        var self = _cluster.SelfAddress;
        var plan = MembershipRules.PlanJoin(_node.Role, self,
            _settings.MasterAddress is { } master ? AddressOf(master) : null,
            _settings.BackupAddress is { } backup ? AddressOf(backup) : null);
        _joinPlan = plan;
        if (plan.FormAlone) _cluster.Join(self);
        else _cluster.JoinSeedNodes(plan.SeedNodes);
        if (plan.FormAloneAfterJoinWait) Timers.StartSingleTimer("join-wait", JoinWaitElapsed.Instance, _settings.JoinWaitTime);
        _log.Info("Joining as {Role}: self {SelfAddress}", _node.Role, self);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private void NoteMember(Member member)
    {
        if (member.UniqueAddress.Equals(_cluster.SelfUniqueAddress)) _selfIsMember = true;
    }

    private void OnJoinWaitElapsed()
    {
        if (_joinPlan is not { } plan) return;
        var outcome = MembershipRules.AfterJoinWait(plan, _selfIsMember, _peerAnswers, _silentLooks);
        _silentLooks = _peerAnswers ? 0 : _silentLooks + 1;
        switch (outcome)
        {
            case JoinWaitOutcome.KeepJoining:
                if (_peerAnswers && !_keepJoiningLogged)
                {
                    _log.Info("Join wait time ({JoinWait}) elapsed, but the master answers: the backup keeps joining its cluster", _settings.JoinWaitTime);
                    _keepJoiningLogged = true;
                }
                // Akka's join process retries at this pace; look again as often.
                Timers.StartSingleTimer("join-wait", JoinWaitElapsed.Instance, _cluster.Settings.SeedNodeTimeout);
                break;
            case JoinWaitOutcome.FormAlone:
                _log.Info("No master cluster found within the join wait time ({JoinWait}) and the master stayed silent: the backup forms a cluster alone unless the master answers within {SeedNodeTimeout}",
                    _settings.JoinWaitTime, _cluster.Settings.SeedNodeTimeout);
                // Not Cluster.Join(self): see MembershipRules.SeedNodesToFormAlone (a join in flight would be lost for good).
                _cluster.JoinSeedNodes(MembershipRules.SeedNodesToFormAlone(plan, _cluster.SelfAddress));
                break;
        }
    }

    private void OnPeerAck(HeartbeatAck ack)
    {
        var state = _cluster.State;
        var members = state.Members.Select(m => new MemberView(m.Address, m.UniqueAddress.Uid, m.Status)).ToList();
        if (MembershipRules.OldIncarnationToDown(members, ack.ResponderAddress, ack.ResponderUid) is { } old)
        {
            // The peer restarted: its old incarnation can never come back, so downing it is safe, and
            // it lets the new incarnation join without waiting for Akka to notice.
            _log.Info("Downing the old incarnation of the peer {PeerAddress} (uid {OldUid}); its new incarnation {NewUid} answers",
                ack.ResponderAddress, old.Uid, ack.ResponderUid);
            _cluster.Down(old.Address);
            return;
        }
        var peerIsMemberHere = MembershipRules.PeerMember(members, ack.ResponderAddress) is not null;
        if (CheckForLostJoin(ack, state, peerIsMemberHere)) return;
        CheckForSplit(ack, state, peerIsMemberHere);
    }

    private bool SelfUp(ClusterEvent.CurrentClusterState state) =>
        state.Members.Any(m => m.UniqueAddress.Equals(_cluster.SelfUniqueAddress) && m.Status == MemberStatus.Up);

    /// <summary>Rule 6 (see <see cref="MembershipRules.IsLostJoin"/>): true while the peer holds this node in a cluster it is not in.</summary>
    private bool CheckForLostJoin(HeartbeatAck ack, ClusterEvent.CurrentClusterState state, bool peerIsMemberHere)
    {
        if (!MembershipRules.IsLostJoin(SelfUp(state), ack.ResponderSeesSender, peerIsMemberHere))
        {
            _lostJoinSeenSince = null;
            return false;
        }
        var now = DateTime.UtcNow;
        _lostJoinSeenSince ??= now;
        if (MembershipRules.SplitConfirmed(_lostJoinSeenSince.Value, now, _settings.MergeConfirmTime))
            RequestRestart($"lost join: the peer {ack.ResponderNodeName} lists this node as a member of its cluster, but this node is Up in a cluster without it (the peer's Welcome was lost); rebuilding this node's actor system to join it again");
        return true;
    }

    private void CheckForSplit(HeartbeatAck ack, ClusterEvent.CurrentClusterState state, bool peerIsMemberHere)
    {
        if (!MembershipRules.IsSplit(SelfUp(state), ack.ResponderIsUp, ack.ResponderSeesSender, peerIsMemberHere))
        {
            _splitSeenSince = null;
            return;
        }
        var now = DateTime.UtcNow;
        _splitSeenSince ??= now;
        if (_restartRequested || !MembershipRules.SplitConfirmed(_splitSeenSince.Value, now, _settings.MergeConfirmTime) || _ownActivity is null) return;

        if (!MembershipRules.YieldsOnMerge(_cluster.SelfAddress.ToString(), _node.NodeName, _ownActivity,
                ack.ResponderAddress, ack.ResponderNodeName, ack.ResponderActivity, _settings.RecoveryMode))
        {
            _log.Info("Two clusters: the peer {PeerAddress} runs its own; it will join this one", ack.ResponderAddress);
            return;
        }
        RequestRestart($"two clusters: the peer {ack.ResponderNodeName} runs its own; rebuilding this node's actor system to join it");
    }

    private void RequestRestart(string reason)
    {
        if (_restartRequested) return;
        _restartRequested = true;
        _log.Warning("{Reason}", reason);
        _host.RequestRebuild(reason);
    }
}
