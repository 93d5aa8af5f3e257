using Akka.Actor;
using Prometheus;
using RedundantGateway.ConfigSync;
using RedundantGateway.StateSync;

namespace RedundantGateway.Node.Metrics;

/// <summary>
/// Configuration replication (revisions, lag in revisions and of the last applied change, the update queue, the
/// last pull, transfers) and the alarm state's shipping to the peer (sequences, lag, retained batches and bytes).
/// </summary>
internal sealed class ReplicationMetrics : INodeMetricsSource
{
    private readonly Gauge _revision;
    private readonly Gauge _peerRevision;
    private readonly Gauge _lagRevisions;
    private readonly Gauge _applyLag;
    private readonly Gauge _queueUpdates;
    private readonly Gauge _queueBytes;
    private readonly Gauge _lastPull;
    private readonly Gauge _lastPullDuration;
    private readonly RunningTotal _transfers;
    private readonly Gauge _stateLag;
    private readonly Gauge _stateRetainedBytes;
    private readonly Gauge _stateRetainedBatches;
    private readonly Gauge _stateSent;
    private readonly Gauge _stateAcked;
    private readonly Gauge _stateAlarms;
    private readonly RunningTotal _stateDeltaBatches;
    private readonly RunningTotal _stateFullTransfers;
    private long _lastChangeSeen;

    public ReplicationMetrics(IMetricFactory metrics)
    {
        _revision = metrics.CreateGauge("rgw_config_revision", "This node's configuration revision.");
        _peerRevision = metrics.CreateGauge("rgw_config_peer_revision", "The configuration revision this node knows the peer holds.");
        _lagRevisions = metrics.CreateGauge("rgw_config_replication_lag_revisions", "Revisions the backup is behind the master (as this node knows).");
        _applyLag = metrics.CreateGauge("rgw_config_replication_lag_seconds", "From the master's acknowledgement to this node's apply, for the last change applied here.");
        _queueUpdates = metrics.CreateGauge("rgw_config_queue_updates", "Updates in the master's replication queue.");
        _queueBytes = metrics.CreateGauge("rgw_config_queue_bytes", "Size of the master's replication queue.");
        _lastPull = metrics.CreateGauge("rgw_config_last_pull_time_seconds", "When the last configuration pull was answered (Unix time).");
        _lastPullDuration = metrics.CreateGauge("rgw_config_last_pull_duration_seconds", "How long the last pull took, the master's hold included.");
        _transfers = new RunningTotal(metrics.CreateCounter("rgw_config_transfers_total", "Full and module configuration transfers."));
        _stateLag = metrics.CreateGauge("rgw_state_replication_lag_seconds", "Age of the oldest alarm state batch the peer has not acknowledged (0: none).");
        _stateRetainedBytes = metrics.CreateGauge("rgw_state_retained_bytes", "Alarm state batches kept for a resend until the peer acknowledges them.");
        _stateRetainedBatches = metrics.CreateGauge("rgw_state_retained_batches", "Number of alarm state batches kept for a resend.");
        _stateSent = metrics.CreateGauge("rgw_state_sequence_sent", "The last alarm state batch sequence sent on this node's current stream.");
        _stateAcked = metrics.CreateGauge("rgw_state_sequence_acked", "The highest alarm state batch sequence the peer acknowledged.");
        _stateAlarms = metrics.CreateGauge("rgw_state_alarms", "Alarms in this node's replicated state.");
        _stateDeltaBatches = new RunningTotal(metrics.CreateCounter("rgw_state_delta_batches_total", "Alarm state delta batches shipped to the peer."));
        _stateFullTransfers = new RunningTotal(metrics.CreateCounter("rgw_state_full_transfers_total", "Whole alarm states sent to the peer."));
    }

    public string Name => "replication";

    public async Task UpdateAsync(NodeActorSystem runtime, RedundancyHandles handles, TimeSpan timeout)
    {
        var config = await handles.Config.Ask<ConfigSyncStatus>(GetConfigSyncStatus.Instance, timeout);
        _revision.Set(config.Revision);
        if (config.PeerRevision is { } peer)
        {
            _peerRevision.Set(peer);
            // The master's view: its revision over the backup's; the backup's: the master's over its own.
            _lagRevisions.Set(Math.Max(0, runtime.Settings.Role == NodeRole.Backup ? peer - config.Revision : config.Revision - peer));
        }
        _queueUpdates.Set(config.QueueLength);
        _queueBytes.Set(config.QueueBytes);
        if (config.LastPullAt is { } pulled) _lastPull.Set(pulled.ToUnixTimeMilliseconds() / 1000.0);
        if (config.LastPullMs is { } pullMs) _lastPullDuration.Set(pullMs / 1000.0);
        _transfers.Observe(config.Transfers);

        var changes = await handles.Config.Ask<RecentConfigChanges>(new GetRecentConfigChanges(_lastChangeSeen, 100_000), timeout);
        if (changes.Changes.Count > 0)
        {
            var last = changes.Changes.MaxBy(c => c.Revision)!;
            _lastChangeSeen = last.Revision;
            _applyLag.Set(Math.Max(0, (last.AppliedAt - last.AckedAt).TotalSeconds));
        }

        if (handles.StateSync is not { } replicator) return;
        var state = await replicator.Ask<StateSyncStatus>(GetStateSyncStatus.Instance, timeout);
        _stateLag.Set(state.LagMs / 1000.0);
        _stateRetainedBytes.Set(state.RetainedBytes);
        _stateRetainedBatches.Set(state.RetainedBatches);
        _stateSent.Set(state.SequenceSent);
        _stateAcked.Set(state.SequenceAcked);
        _stateAlarms.Set(state.Alarms);
        _stateDeltaBatches.Observe(state.DeltaBatches);
        _stateFullTransfers.Observe(state.FullTransfers);
    }
}
