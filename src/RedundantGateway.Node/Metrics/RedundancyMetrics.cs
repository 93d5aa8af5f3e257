using Akka.Actor;
using Prometheus;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;

namespace RedundantGateway.Node.Metrics;

/// <summary>
/// The pair's series: this node's activity level (one series per level, 1 for the current one), epoch, the peer's
/// phi, heartbeat round trip and silence, failovers by cause and events by kind (counted from the events log by
/// sequence, so what a rebuild carries over is not counted twice), and rebuilds of the actor system.
/// </summary>
internal sealed class RedundancyMetrics : INodeMetricsSource
{
    private static readonly ActivityLevel[] Levels = Enum.GetValues<ActivityLevel>();

    private readonly Gauge _level;
    private readonly Gauge _epoch;
    private readonly Gauge _peerConnected;
    private readonly Gauge _phi;
    private readonly Gauge _roundTrip;
    private readonly Gauge _lastHeard;
    private readonly Gauge _levelSince;
    private readonly Counter _failovers;
    private readonly Counter _events;
    private readonly RunningTotal _rebuilds;
    private long _lastEventSeen;

    public RedundancyMetrics(IMetricFactory metrics)
    {
        _level = metrics.CreateGauge("rgw_activity_level", "This node's activity level: 1 for the current level, 0 for the others.", ["level"]);
        _epoch = metrics.CreateGauge("rgw_epoch", "The newest epoch (fencing token) this node has seen.");
        _peerConnected = metrics.CreateGauge("rgw_peer_connected", "1 while the peer is a reachable cluster member and answers heartbeats.");
        _phi = metrics.CreateGauge("rgw_peer_phi", "The failure detector's suspicion of the peer (phi accrual).");
        _roundTrip = metrics.CreateGauge("rgw_heartbeat_round_trip_seconds", "Round trip of the last heartbeat the peer answered.");
        _lastHeard = metrics.CreateGauge("rgw_peer_last_heard_seconds", "Time since the peer last answered a heartbeat.");
        _levelSince = metrics.CreateGauge("rgw_activity_level_since_seconds", "When this node reached its current activity level (Unix time).");
        _failovers = metrics.CreateCounter("rgw_failovers_total", "Times this node became active, by cause: peer-down, designation, handover, alone.", ["cause"]);
        _events = metrics.CreateCounter("rgw_redundancy_events_total", "Redundancy events recorded on this node, by kind.", ["kind"]);
        _rebuilds = new RunningTotal(metrics.CreateCounter("rgw_actor_system_rebuilds_total", "Rebuilds of this node's whole actor system (membership rules)."));
        foreach (var level in Levels) _level.WithLabels(LevelName(level)).Set(0);
        foreach (var cause in MetricRules.FailoverCauses) _failovers.WithLabels(cause);
    }

    public string Name => "redundancy";

    public async Task UpdateAsync(NodeActorSystem runtime, RedundancyHandles handles, TimeSpan timeout)
    {
        _rebuilds.Observe(runtime.Rebuilds);
        var status = await handles.Coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, timeout);
        foreach (var level in Levels) _level.WithLabels(LevelName(level)).Set(level == status.Level ? 1 : 0);
        _epoch.Set(status.Epoch);
        _peerConnected.Set(status.PeerConnected ? 1 : 0);
        if (status.LevelSince is { } since) _levelSince.Set(since.ToUnixTimeMilliseconds() / 1000.0);

        var liveness = await handles.Liveness.Ask<LivenessStatus>(GetLivenessStatus.Instance, timeout);
        _phi.Set(liveness.Phi); // +Inf is a valid sample value: a peer silent far past any threshold
        if (liveness.RoundTripMs is { } rtt) _roundTrip.Set(rtt / 1000.0);
        if (liveness.LastHeardMsAgo is { } heard) _lastHeard.Set(heard / 1000.0);

        // A log that starts over (a rebuild whose old incarnation did not hand its events over) numbers from 1 again.
        var newest = await handles.Coordinator.Ask<RedundancyEvents>(new GetRedundancyEvents(1), timeout);
        if (newest.Events is [var last] && last.Sequence < _lastEventSeen) _lastEventSeen = 0;
        var fresh = await handles.Coordinator.Ask<RedundancyEvents>(new GetRedundancyEvents(int.MaxValue, After: _lastEventSeen), timeout);
        foreach (var e in fresh.Events)
        {
            _events.WithLabels(e.Kind).Inc();
            if (MetricRules.FailoverCause(e) is { } cause) _failovers.WithLabels(cause).Inc();
            _lastEventSeen = Math.Max(_lastEventSeen, e.Sequence);
        }
    }

    private static string LevelName(ActivityLevel level) => level.ToString().ToLowerInvariant();
}
