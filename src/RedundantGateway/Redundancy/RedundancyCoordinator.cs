using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RedundantGateway.Liveness;
using RedundantGateway.Runtime;

namespace RedundantGateway.Redundancy;

/// <summary>
/// Turns the designation into this node's activity level, drives the runtime subsystems to it,
/// keeps the events log, and decides alone when it must: a standby whose peer is down past the
/// failover timeout becomes active; at start it waits up to the join wait time for its peer.
/// </summary>
public sealed partial class RedundancyCoordinator : ReceiveActor, IWithTimers
{
    public const string Name = RedundancyPaths.Coordinator;

    private sealed record SendReport { public static readonly SendReport Instance = new(); }
    private sealed record JoinWaitElapsed { public static readonly JoinWaitElapsed Instance = new(); }
    private sealed record FailoverAnswered(FailoverResult Result, IActorRef ReplyTo);

    private readonly NodeIdentity _node;
    private readonly RedundancySettings _settings;
    private readonly LivenessSettings _liveness;
    private readonly IReadOnlyList<IRuntimeSubsystem> _subsystems;
    private readonly IActorRef _designator;
    private readonly EpochFile? _epochFile;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<RedundancyEvent> _events;

    private ActivityLevel _level = ActivityLevel.Undecided;
    private long _epoch;
    private long? _activeSinceMs;
    private DateTimeOffset _levelSince = DateTimeOffset.UtcNow;
    private string? _activeNodeName;
    private PeerState _peerState = PeerState.Unknown;
    private bool _peerSeen;
    private HeartbeatAck? _lastPeerAck;
    private bool _peerConnected;
    private readonly HashSet<UniqueAddress> _reachableUpPeers = new();
    private readonly HashSet<UniqueAddress> _unreachable = new();
    private bool _stopping;
    private TimeSpan? _peerDownSilence;
    private int _failoverRequestsWaiting;

    public ITimerScheduler Timers { get; set; } = null!;

    public RedundancyCoordinator(NodeIdentity node, RedundancySettings settings, LivenessSettings liveness,
        IReadOnlyList<IRuntimeSubsystem> subsystems, IActorRef designator, NodeMemory memory, EpochFile? epochFile,
        bool awaitsConfiguration = false)
    {
        _configurationLoaded = !awaitsConfiguration;
        _node = node;
        _settings = settings;
        _liveness = liveness;
        _subsystems = subsystems;
        _designator = designator;
        _epochFile = epochFile;
        _epoch = Math.Max(memory.Epoch, epochFile?.Read() ?? 0);
        _events = RedundancyEventQuery.Numbered(memory.Events);

        Receive<ActiveNodeDesignated>(OnDesignated);
        Receive<PeerReachable>(OnPeerReachable);
        Receive<PeerUnreachable>(e => { _peerState = PeerState.Unreachable; Record(RedundancyEventKinds.PeerUnreachable, $"peer suspected: phi {e.Phi:F1} after {e.SilentFor.TotalMilliseconds:F0} ms of silence"); UpdatePeerConnected(); });
        Receive<PeerDown>(OnPeerDown);
        Receive<HeartbeatAck>(OnPeerAck);
        Receive<PauseCheck>(_ => { });
        Receive<ConfigSync.ConfigurationChanged>(_ => OnConfigurationLoaded());
        Receive<ClusterEvent.IClusterDomainEvent>(OnClusterEvent);
        Receive<JoinWaitElapsed>(_ => OnJoinWaitElapsed());
        Receive<SendReport>(_ =>
        {
            TakeOverFromSilentPeer("peer still down");
            Report();
            // PeerReachable is published once, at the peer's first answer: a coordinator that was not yet
            // subscribed then (a busy start) would never see the peer; it asks the detector until it has.
            if (!_peerSeen) Context.ActorSelection("../" + RedundancyPaths.Liveness).Tell(GetLivenessStatus.Instance);
        });
        Receive<LivenessStatus>(status =>
        {
            if (!_peerSeen && status is { State: PeerState.Reachable, PeerAddress: { } address, LastAck: { } ack })
                OnPeerReachable(new PeerReachable(address, ack.ResponderUid, ack.ResponderNodeName));
        });
        Receive<TakeOverRequested>(OnTakeOverRequested);
        Receive<FailoverRequested>(OnFailoverRequested);
        Receive<FailoverAnswered>(OnFailoverAnswered);
        Receive<PrepareForShutdown>(_ => OnPrepareForShutdown());
        Receive<GetRedundancyStatus>(_ => Sender.Tell(Status()));
        Receive<AppendRedundancyEvent>(e => Record(e.Kind, e.Reason, switchMs: e.DurationMs));
        Receive<RestartRuntime>(OnRestartRuntime);
        Receive<GetRedundancyEvents>(q => Sender.Tell(new RedundancyEvents(RedundancyEventQuery.Select(_events, q))));
    }

    /// <param name="awaitsConfiguration">the node has a configuration store: it goes active only once the store
    /// has loaded (the first <see cref="ConfigSync.ConfigurationChanged"/>), never on an empty configuration.</param>
    public static Props Props(NodeIdentity node, RedundancySettings settings, LivenessSettings liveness,
        IReadOnlyList<IRuntimeSubsystem> subsystems, IActorRef designator, NodeMemory memory, EpochFile? epochFile,
        bool awaitsConfiguration = false) =>
        Akka.Actor.Props.Create(() => new RedundancyCoordinator(node, settings, liveness, subsystems, designator, memory, epochFile, awaitsConfiguration));

    private string SelfAddress => _cluster.SelfAddress.ToString();
    private ActivityLevel StandbyLevel => _settings.StandbyActivityLevel;

    protected override void PreStart()
    {
        var stream = Context.System.EventStream;
        stream.Subscribe(Self, typeof(PeerReachable));
        stream.Subscribe(Self, typeof(PeerUnreachable));
        stream.Subscribe(Self, typeof(PeerDown));
        stream.Subscribe(Self, typeof(HeartbeatAck));
        if (!_configurationLoaded) stream.Subscribe(Self, typeof(ConfigSync.ConfigurationChanged));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Record(RedundancyEventKinds.Started, $"node {_node.NodeName} started as {_node.Role.ToString().ToLowerInvariant()}");

        if (_node.Role == NodeRole.Independent)
        {
            ChangeLevel(ActivityLevel.Active, _epoch, RedundancyEventKinds.ActivityChanged, "independent node: always active");
            return;
        }
        Timers.StartSingleTimer("join-wait", JoinWaitElapsed.Instance, _settings.JoinWaitTime);
        Timers.StartPeriodicTimer("report", SendReport.Instance, _settings.ReportInterval);
        Timers.StartPeriodicTimer("pause-check", PauseCheck.Instance, _settings.PauseCheckInterval);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    private void OnDesignated(ActiveNodeDesignated designation)
    {
        if (_stopping) return;
        if (designation.Epoch < _epoch)
        {
            // Stale: this node decided something newer alone; the designator will learn it from the report.
            Report();
            return;
        }
        var designatesSelf = designation.ActiveAddress == SelfAddress;
        if (!designatesSelf && _peerState == PeerState.Down)
        {
            // Never stand by for a peer this node judges down: the designator may not know it yet.
            Record(RedundancyEventKinds.DesignationRefused, $"designation of {designation.ActiveNodeName} at epoch {designation.Epoch} refused: that node is judged down");
            TakeOverFromSilentPeer("the designated node is judged down");
            return;
        }
        var refusal = designatesSelf ? RefusesActivation(designation.Epoch) : null;
        // Recorded once per reason: the designator resends a designation that is not followed.
        if (refusal is not null && refusal != _lastRefusal)
            Record(RedundancyEventKinds.DesignationRefused, $"designation at epoch {designation.Epoch} refused: {refusal}");
        _lastRefusal = refusal;
        if (refusal is not null)
        {
            Report();
            return;
        }
        _activeNodeName = designation.ActiveNodeName;
        var target = designatesSelf ? ActivityLevel.Active : StandbyLevel;
        ChangeLevel(target, designation.Epoch, RedundancyEventKinds.Designation, designation.Reason);
    }

    private void OnPeerReachable(PeerReachable reachable)
    {
        var first = !_peerSeen;
        _peerSeen = true;
        _peerState = PeerState.Reachable;
        Record(RedundancyEventKinds.PeerReachable, first
            ? $"peer {reachable.PeerNodeName} at {reachable.PeerAddress} answers"
            : $"peer {reachable.PeerNodeName} answers again");
        UpdatePeerConnected();
    }

    private void OnPeerDown(PeerDown down)
    {
        _peerState = PeerState.Down;
        UpdatePeerConnected();
        var reason = $"peer judged down: {down.Cause}";
        Record(RedundancyEventKinds.PeerDown, reason);
        _peerDownSilence = down.SilentFor;
        TakeOverFromSilentPeer(reason);
    }

    /// <summary>With the peer down, this node must be active: nobody else can be.</summary>
    private void TakeOverFromSilentPeer(string reason)
    {
        // An undecided node has no active peer to take over from yet: its join wait time decides.
        if (_stopping || _level is ActivityLevel.Active or ActivityLevel.Undecided || !_peerSeen || _peerState != PeerState.Down) return;
        _activeNodeName = _node.NodeName;
        ChangeLevel(ActivityLevel.Active, NextOwnEpoch(_epoch), RedundancyEventKinds.Failover, $"{reason}: taking over", _peerDownSilence?.TotalMilliseconds);
    }

    private void OnJoinWaitElapsed()
    {
        if (_stopping || _level != ActivityLevel.Undecided || StillWaitingForPeerAfterPause()) return;
        var wait = $"{_settings.JoinWaitTime.TotalSeconds:0.#} s";
        if (_peerState == PeerState.Reachable && _lastPeerAck is { } ack)
        {
            var peer = ack.ResponderActivity;
            if (peer.Level == ActivityLevel.Active || _node.Role == NodeRole.Backup
                || RoleConflictRules.StandsByAtJoinWait(SelfAddress, _node.Role, ack.ResponderAddress, peer))
            {
                _activeNodeName = peer.Level == ActivityLevel.Active ? ack.ResponderNodeName : null;
                ChangeLevel(StandbyLevel, Math.Max(_epoch, peer.Epoch), RedundancyEventKinds.ActivityChanged,
                    $"join wait time ({wait}) elapsed without a designation; peer {ack.ResponderNodeName} answers and is {peer.Level.ToString().ToLowerInvariant()}: standing by");
                return;
            }
        }
        _activeNodeName = _node.NodeName;
        ChangeLevel(ActivityLevel.Active, NextOwnEpoch(_epoch), RedundancyEventKinds.ActivityChanged, $"peer not found within the join wait time ({wait}): going active alone");
    }

    private void OnTakeOverRequested(TakeOverRequested request)
    {
        if (_stopping)
        {
            Sender.Tell(new TakeOverDeclined("it is stopping too"));
            return;
        }
        var epoch = NextOwnEpoch(Math.Max(request.Epoch, _epoch));
        _activeNodeName = _node.NodeName;
        ChangeLevel(ActivityLevel.Active, epoch, RedundancyEventKinds.Handover, $"planned handover from {request.FromNodeName}: {request.Reason}");
        Sender.Tell(new TookOver(epoch));
    }

    private void OnFailoverRequested(FailoverRequested request)
    {
        if (!_peerConnected)
        {
            Sender.Tell(new FailoverResult(false, "failover refused: the peer is not connected"));
            return;
        }
        Record(RedundancyEventKinds.FailoverRequested, $"operator requested failover ({request.Source})");
        _failoverRequestsWaiting++;
        var replyTo = Sender;
        _designator.Ask<FailoverResult>(request, _liveness.FailoverTimeout + _settings.FailoverRequestMargin)
            .ContinueWith(t => new FailoverAnswered(t.IsCompletedSuccessfully ? t.Result
                : new FailoverResult(false, "failover refused: the active-node designator did not answer"), replyTo))
            .PipeTo(Self);
    }

    /// <summary>The designator's answer passes through here, so the status can say a request is still waiting.</summary>
    private void OnFailoverAnswered(FailoverAnswered answered)
    {
        _failoverRequestsWaiting = Math.Max(0, _failoverRequestsWaiting - 1);
        answered.ReplyTo.Tell(answered.Result);
    }

    /// <summary>
    /// Moves the subsystems to <paramref name="target"/>, then records and reports the change. RunTask holds
    /// the mailbox meanwhile, so level changes never interleave.
    /// </summary>
    private void ChangeLevel(ActivityLevel target, long epoch, string kind, string reason, double? detectionMs = null)
    {
        if (target != ActivityLevel.Active) _pendingActivation = null;
        if (target == _level)
        {
            SetEpoch(epoch);
            Announce();
            return;
        }
        if (target == ActivityLevel.Active && !_configurationLoaded)
        {
            DeferActivation(new PendingActivation(epoch, kind, reason, detectionMs));
            return;
        }
        var stopwatch = Stopwatch.StartNew();
        RunTask(async () =>
        {
            await ApplyToSubsystems(target);
            NoteRan();
            // Recorded before it is announced, so the event's time is the moment of the change, not after
            // the designator and the peer have already acted on the announcement.
            SetLevel(target, epoch);
            Record(kind, reason, detectionMs, stopwatch.Elapsed.TotalMilliseconds);
            Announce();
        });
    }

    /// <summary>Rebuilds the subsystems in turn; RunTask keeps level changes out meanwhile.</summary>
    private void OnRestartRuntime(RestartRuntime restart)
    {
        var replyTo = Sender;
        var stopwatch = Stopwatch.StartNew();
        RunTask(async () =>
        {
            foreach (var subsystem in _subsystems)
            {
                try { await subsystem.RestartAsync(new RuntimeRestart(restart.Reason, restart.ConfigRevision), CancellationToken.None); }
                catch (Exception e)
                {
                    _log.Error(e, "Subsystem {Subsystem} failed to restart", subsystem.Name);
                }
            }
            NoteRan();
            var elapsed = stopwatch.Elapsed.TotalMilliseconds;
            Record(RedundancyEventKinds.RuntimeRestart, $"runtime restart with config revision {restart.ConfigRevision}: {restart.Reason}", switchMs: elapsed);
            replyTo.Tell(new RuntimeRestarted(elapsed, restart.RequestId));
        });
    }

    private async Task ApplyToSubsystems(ActivityLevel level)
    {
        foreach (var subsystem in _subsystems)
        {
            try { await subsystem.ApplyLevelAsync(level, CancellationToken.None); }
            catch (Exception e)
            {
                _log.Error(e, "Subsystem {Subsystem} failed to reach {Level}", subsystem.Name, level);
            }
        }
    }

    private void SetLevel(ActivityLevel level, long epoch)
    {
        SetEpoch(epoch);
        if (level != _level)
        {
            _level = level;
            _levelSince = DateTimeOffset.UtcNow;
            _activeSinceMs = level == ActivityLevel.Active ? _levelSince.ToUnixTimeMilliseconds() : null;
        }
    }

    /// <summary>Tells the designator and, through the heartbeats, the peer what this node now is.</summary>
    private void Announce()
    {
        Context.System.EventStream.Publish(new LocalActivityChanged(OwnActivity()));
        Report();
    }

    private void SetEpoch(long epoch)
    {
        if (epoch == _epoch) return;
        _epoch = epoch;
        try { _epochFile?.Write(epoch); }
        catch (IOException e) { _log.Warning("Cannot save epoch {Epoch}: {Reason}", epoch, e.Message); }
    }

    private long NextOwnEpoch(long newest) => DesignationRules.EpochAbove(newest, _node.Role);

    private PeerActivity OwnActivity() =>
        new(_node.Role, _level, _epoch, _activeSinceMs);

    private void Report()
    {
        if (_node.Role == NodeRole.Independent) return;
        _designator.Tell(new CoordinatorReport(SelfAddress, _cluster.SelfUniqueAddress.Uid, _node.NodeName, _node.Role, _level, _epoch, _activeSinceMs, _stopping), Self);
    }

    private void Record(string kind, string reason, double? detectionMs = null, double? switchMs = null, bool warning = false)
    {
        var entry = new RedundancyEvent(DateTimeOffset.UtcNow, kind, reason, _epoch, _level.ToString().ToLowerInvariant(), detectionMs, switchMs,
            RedundancyEventQuery.NextSequence(_events));
        _events.Add(entry);
        if (_events.Count > _settings.EventsKept) _events.RemoveRange(0, _events.Count - _settings.EventsKept);
        if (detectionMs is { } d)
            _log.Info("Redundancy {Kind}: {Reason} (level {Level}, epoch {Epoch}, detection {DetectionMs} ms, switch {SwitchMs} ms)",
                new object?[] { kind, reason, entry.Level, _epoch, Math.Round(d, 1), Math.Round(switchMs ?? 0, 1) });
        else if (switchMs is { } s)
            _log.Info("Redundancy {Kind}: {Reason} (level {Level}, epoch {Epoch}, switch {SwitchMs} ms)", kind, reason, entry.Level, _epoch, Math.Round(s, 1));
        else if (warning)
            _log.Warning("Redundancy {Kind}: {Reason} (level {Level}, epoch {Epoch})", kind, reason, entry.Level, _epoch);
        else
            _log.Info("Redundancy {Kind}: {Reason} (level {Level}, epoch {Epoch})", kind, reason, entry.Level, _epoch);
    }

    private RedundancyStatus Status() => new(
        _node.NodeName, _node.Role, _level, _peerConnected, _epoch,
        _level == ActivityLevel.Active ? _node.NodeName : _activeNodeName,
        _levelSince, _lastPeerAck?.ResponderNodeName,
        _subsystems.Select(s => new SubsystemState(s.Name, s.Level.ToString().ToLowerInvariant(), s.Transitions, s.Restarts, s.ConfigRevision)).ToList(),
        RoleConflict: _roleConflict,
        AnsweredAt: Stopwatch.GetTimestamp()) { FailoverPending = _failoverRequestsWaiting > 0 || _pendingActivation is not null };
}
