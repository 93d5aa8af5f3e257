using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RedundantGateway.Liveness;

namespace RedundantGateway.Redundancy;

/// <summary>
/// Cluster singleton that decides which node is active, from the coordinators' reports, the recovery
/// mode and operator requests. Each decision carries a growing epoch (a fencing token). A new
/// incarnation (after the singleton moved) rebuilds its view from the reports, so it holds no state
/// that matters beyond them. A change of active node is sent to the node that stands down first and
/// to the new active node only once no other member may be active (<see cref="MayBeActive"/>): no overlap.
/// </summary>
public sealed class ActiveNodeDesignator : ReceiveActor, IWithTimers
{
    private sealed record Evaluate { public static readonly Evaluate Instance = new(); }

    /// <param name="ReceivedAt">monotonic timestamp of its arrival: an old report (this process was paused) no longer counts.</param>
    private sealed record Known(CoordinatorReport Report, IActorRef Coordinator, long ReceivedAt);

    private readonly RecoveryMode _mode;
    private readonly RedundancySettings _settings;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Known> _known = new();
    private readonly Dictionary<string, (long Epoch, DateTime At)> _sent = new();
    private readonly DateTime _startedAt = DateTime.UtcNow;

    private ActiveNodeDesignated? _current;

    /// <summary>
    /// The incarnations present when an operator requested failover: their choice holds (even against
    /// automatic recovery) until one of them leaves or restarts.
    /// </summary>
    private HashSet<(string Address, long Uid)>? _operatorHold;

    /// <summary>
    /// Peers this node's own failure detector judges down. Akka's reachability lags behind it by seconds,
    /// and a node judged down must never be designated (its last report may still say "active").
    /// </summary>
    private readonly HashSet<string> _judgedDown = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public ActiveNodeDesignator(RedundancySettings settings)
    {
        _mode = settings.RecoveryMode;
        _settings = settings;
        Receive<CoordinatorReport>(report =>
        {
            _known[report.NodeAddress] = new Known(report, Sender, Stopwatch.GetTimestamp());
            Decide(null);
        });
        Receive<FailoverRequested>(request => Sender.Tell(OnFailoverRequested(request)));
        Receive<Evaluate>(_ => Decide(null));
        Receive<PeerDown>(down => _judgedDown.Add(down.PeerAddress));
        Receive<PeerReachable>(reachable => _judgedDown.Remove(reachable.PeerAddress));
        Receive<LivenessStatus>(status =>
        {
            if (status is { State: PeerState.Down, PeerAddress: { } address }) _judgedDown.Add(address);
        });
    }

    public static Props Props(RedundancySettings settings) =>
        Akka.Actor.Props.Create(() => new ActiveNodeDesignator(settings));

    protected override void PreStart()
    {
        _log.Info("Active-node designator started on {Address} (recovery mode {RecoveryMode})", _cluster.SelfAddress, _mode);
        Timers.StartPeriodicTimer("evaluate", Evaluate.Instance, _settings.DesignatorEvaluateInterval);
        Context.System.EventStream.Subscribe(Self, typeof(PeerDown));
        Context.System.EventStream.Subscribe(Self, typeof(PeerReachable));
        // A designator that starts after a move learns what the local detector already knows.
        Context.ActorSelection(RedundancyPaths.LivenessPath("")).Tell(GetLivenessStatus.Instance);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    /// <summary>
    /// Fresh reports of Up members that the cluster sees as reachable and this node's detector does not judge down.
    /// A report older than <see cref="RedundancySettings.ReportMaxAge"/> describes the pair before a pause of this process.
    /// </summary>
    private List<Known> Present()
    {
        var state = _cluster.State;
        var present = state.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && !state.Unreachable.Contains(m))
            .Select(m => (Address: m.Address.ToString(), Uid: (long)m.UniqueAddress.Uid))
            .Where(member => !_judgedDown.Contains(member.Address))
            .ToHashSet();
        // Matching the incarnation too: a restarted node's old report (say "active") must not count for the new one.
        return _known.Values.Where(k => present.Contains((k.Report.NodeAddress, k.Report.NodeUid)) && !k.Report.Leaving
                                        && Stopwatch.GetElapsedTime(k.ReceivedAt) <= _settings.ReportMaxAge).ToList();
    }

    private bool Settled(List<Known> present)
    {
        if (DateTime.UtcNow - _startedAt >= _settings.DesignatorSettleTime) return true;
        var upMembers = _cluster.State.Members.Count(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp);
        return present.Count >= upMembers;
    }

    private FailoverResult OnFailoverRequested(FailoverRequested request)
    {
        var present = Present();
        if (present.Count < 2) return new FailoverResult(false, "failover refused: the peer is not connected");
        var activeAddress = _current?.ActiveAddress
            ?? present.FirstOrDefault(k => k.Report.Level == ActivityLevel.Active)?.Report.NodeAddress;
        var target = present.FirstOrDefault(k => k.Report.NodeAddress != activeAddress) ?? present[0];
        Decide((target.Report, $"operator requested failover ({request.Source})"));
        _operatorHold = present.Select(k => (k.Report.NodeAddress, k.Report.NodeUid)).ToHashSet();
        return new FailoverResult(true, $"failover requested: {target.Report.NodeName} becomes active (epoch {_current!.Epoch})");
    }

    private void Decide((CoordinatorReport Target, string Reason)? request)
    {
        var present = Present();
        if (present.Count == 0 || !Settled(present)) return;
        var reports = present.Select(k => k.Report).ToList();

        if (request is null && KeepsCurrent(present, reports))
        {
            Distribute(present);
            return;
        }

        CoordinatorReport? chosen;
        string reason;
        if (request is { } r) (chosen, reason) = (r.Target, r.Reason);
        else
        {
            chosen = DesignationRules.ChooseActive(reports, _mode);
            reason = DescribeChoice(chosen, reports);
        }
        if (chosen is null) return;

        var newestReported = reports.Max(x => x.Epoch);
        var unchanged = request is null && _current is not null && _current.ActiveAddress == chosen.NodeAddress
                        && _current.Epoch >= newestReported;
        if (!unchanged)
        {
            var epoch = request is not null
                ? DesignationRules.EpochAbove(Math.Max(_current?.Epoch ?? 0, newestReported), chosen.Role)
                : DesignationRules.NextEpoch(chosen, reports, _current?.Epoch ?? 0);
            _current = new ActiveNodeDesignated(epoch, chosen.NodeAddress, chosen.NodeName, reason);
            _log.Info("Designated {ActiveNode} active at epoch {Epoch}: {Reason}", chosen.NodeName, epoch, reason);
        }
        Distribute(present);
    }

    /// <summary>
    /// The current designation stands while it is complete or still on its way (its node is here, nobody
    /// else is active, no node decided something newer) and the rules, applied as if it were complete,
    /// keep it, or an operator asked for it and the same incarnations are still here.
    /// </summary>
    private bool KeepsCurrent(List<Known> present, List<CoordinatorReport> reports)
    {
        if (_current is not { } current || reports.All(r => r.NodeAddress != current.ActiveAddress)) return false;
        if (reports.Any(r => r.Epoch > current.Epoch)) return false;
        // Another node still active under an older epoch has simply not stood down yet; one active at the
        // current epoch or later decided alone (a split) and the rules must settle it.
        // ...and only if it was told: an active node this designator never told (it was away during a split)
        // is a second active node, for the rules to settle.
        if (reports.Any(r => r.NodeAddress != current.ActiveAddress && r.Level == ActivityLevel.Active
                             && (r.Epoch >= current.Epoch || !WasTold(r.NodeAddress, current.Epoch)))) return false;
        if (_operatorHold is { } hold && hold.SetEquals(present.Select(k => (k.Report.NodeAddress, k.Report.NodeUid)))) return true;
        var asIfComplete = reports
            .Select(r => r.NodeAddress == current.ActiveAddress ? r with { Level = ActivityLevel.Active } : r)
            .ToList();
        return DesignationRules.ChooseActive(asIfComplete, _mode)?.NodeAddress == current.ActiveAddress;
    }

    private bool WasTold(string address, long epoch) => _sent.TryGetValue(address, out var sent) && sent.Epoch == epoch;

    private string DescribeChoice(CoordinatorReport? chosen, List<CoordinatorReport> reports)
    {
        if (chosen is null) return "";
        var active = reports.Count(r => r.Level == ActivityLevel.Active);
        return active switch
        {
            0 => "pair formed: the master starts active",
            1 when chosen.Level == ActivityLevel.Active => $"{chosen.NodeName} is already active",
            1 => $"automatic recovery: the master {chosen.NodeName} is back",
            _ => _mode == RecoveryMode.Automatic
                ? "both nodes active after a split: automatic recovery keeps the master"
                : "both nodes active after a split: manual recovery keeps the one active before it",
        };
    }

    /// <summary>
    /// Whether a member other than <paramref name="target"/> may still be active: its last report says so, however
    /// old, and even while the cluster sees it unreachable (after a pause of this process, Akka marks the peer
    /// unreachable for a moment, and its last fresh word may be "active"). Only a peer this node's own detector
    /// judges down, or one that left, does not count: the coordinators settle those themselves.
    /// </summary>
    private bool MayBeActive(string target)
    {
        var members = _cluster.State.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
            .Select(m => (Address: m.Address.ToString(), Uid: (long)m.UniqueAddress.Uid))
            .ToHashSet();
        return _known.Values.Any(k => k.Report.NodeAddress != target && k.Report.Level == ActivityLevel.Active && !k.Report.Leaving
                                      && members.Contains((k.Report.NodeAddress, k.Report.NodeUid))
                                      && !_judgedDown.Contains(k.Report.NodeAddress));
    }

    /// <summary>Sends the designation to those behind it; to the new active node only once nobody else may be active.</summary>
    private void Distribute(List<Known> present)
    {
        if (_current is null) return;
        var othersActive = MayBeActive(_current.ActiveAddress);
        foreach (var known in present)
        {
            var report = known.Report;
            var isTarget = report.NodeAddress == _current.ActiveAddress;
            var behind = report.Epoch < _current.Epoch
                         || (isTarget && report.Level != ActivityLevel.Active)
                         || (!isTarget && report.Level is ActivityLevel.Active or ActivityLevel.Undecided);
            if (!behind || (isTarget && othersActive)) continue;
            // Resend at most every 500 ms per node: the coordinator's next report tells whether it arrived.
            if (_sent.TryGetValue(report.NodeAddress, out var sent) && sent.Epoch == _current.Epoch
                && DateTime.UtcNow - sent.At < _settings.DesignationResendInterval) continue;
            _sent[report.NodeAddress] = (_current.Epoch, DateTime.UtcNow);
            known.Coordinator.Tell(_current);
        }
    }
}
