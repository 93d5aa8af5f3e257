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
        if (_joinPlan is not { } plan || !MembershipRules.FormsAloneAfterJoinWait(plan, _selfIsMember)) return;
        _log.Info("No master cluster found within the join wait time ({JoinWait}): the backup forms a cluster alone",
            _settings.JoinWaitTime);
        _cluster.Join(_cluster.SelfAddress);
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
        CheckForSplit(ack, state, MembershipRules.PeerMember(members, ack.ResponderAddress) is not null);
    }

    private void CheckForSplit(HeartbeatAck ack, ClusterEvent.CurrentClusterState state, bool peerIsMemberHere)
    {
        var selfUp = state.Members.Any(m => m.UniqueAddress.Equals(_cluster.SelfUniqueAddress) && m.Status == MemberStatus.Up);
        if (!MembershipRules.IsSplit(selfUp, ack.ResponderIsUp, ack.ResponderSeesSender, peerIsMemberHere))
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
