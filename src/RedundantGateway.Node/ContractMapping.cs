using RedundantGateway.Client;
using RedundantGateway.ConfigSync;
using RedundantGateway.History;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.StateSync;

namespace RedundantGateway.Node;

/// <summary>
/// The actors' answers as the REST contract's records. The rounding lives here, not in the records: the actors
/// keep full precision, the API has always sent durations rounded (0.1 ms; lag 0.001 ms).
/// </summary>
internal static class ContractMapping
{
    /// <param name="startedAt">when the node's process started; <paramref name="now"/>: the time of this answer (uptimes).</param>
    public static NodeStatus ToNodeStatus(
        GatewaySettings settings, string version, int rebuilds, RedundancyStatus status, LivenessStatus liveness, ConfigSyncStatus? config,
        ConfigEditHealth? edits = null, StateSyncStatus? stateSync = null, DateTimeOffset? startedAt = null, DateTimeOffset? now = null,
        HistoryCacheStatus? history = null) =>
        new(NodeName: settings.NodeName,
            Role: Lower(settings.Role),
            ActivityLevel: Lower(status.Level),
            PeerConnected: status.PeerConnected,
            Epoch: status.Epoch,
            ActiveNode: status.ActiveNodeName,
            LevelSince: status.LevelSince,
            ConfigRevision: config?.Revision,
            RecoveryMode: Lower(settings.Redundancy.RecoveryMode),
            HistoryLevel: Lower(settings.Redundancy.BackupHistoryLevel),
            StandbyActivityLevel: Lower(settings.Redundancy.StandbyActivityLevel),
            FailoverTimeoutMs: settings.Liveness.FailoverTimeout.TotalMilliseconds,
            Version: version,
            Rebuilds: rebuilds,
            Peer: new PeerStatus(
                NodeName: status.PeerNodeName,
                Address: liveness.PeerAddress,
                State: Lower(liveness.State),
                Phi: liveness.Phi,
                RoundTripMs: liveness.RoundTripMs,
                LastHeardMsAgo: liveness.LastHeardMsAgo,
                Role: liveness.LastAck is { } ack ? Lower(ack.ResponderActivity.Role) : null,
                ActivityLevel: liveness.LastAck is { } levelAck ? Lower(levelAck.ResponderActivity.Level) : null,
                Epoch: liveness.LastAck?.ResponderActivity.Epoch,
                WebAddress: string.IsNullOrEmpty(config?.PeerWebAddress) ? null : config.PeerWebAddress),
            Subsystems: status.Subsystems.Select(s => new SubsystemStatus(s.Name, s.Level, s.Transitions, s.Restarts, s.ConfigRevision)).ToList(),
            Config: config is null ? null : ToReplication(config, edits),
            RoleConflict: status.RoleConflict,
            StateSync: stateSync is null ? null : ToStateSync(stateSync),
            HasConfigAccess: OperatorStatusRules.HasConfigAccess(settings.Role, config),
            SyncPending: OperatorStatusRules.SyncPending(settings.Role, config, stateSync),
            FailoverPending: status.FailoverPending,
            StartedAt: startedAt,
            UptimeMs: startedAt is { } start ? Millis((now ?? DateTimeOffset.UtcNow) - start) : null,
            LevelUptimeMs: status.LevelSince is { } since ? Millis((now ?? DateTimeOffset.UtcNow) - since) : null,
            LastSyncAt: config?.LastPullAt,
            History: history is null ? null : ToHistory(history));

    private static long Millis(TimeSpan span) => Math.Max(0, (long)span.TotalMilliseconds);

    public static HistoryCacheInfo ToHistory(HistoryCacheStatus h) =>
        new(h.State, h.Store, h.Tags, h.Rows, h.Bytes, h.OldestAgeMs is { } age ? Math.Round(age, 1) : null, Math.Round(h.ForwardRatePerSecond, 1),
            h.Quarantined, h.Sampled, h.Written, h.Duplicates, h.Rejected, h.OutageSince, h.FencedBy);

    public static StateSyncInfo ToStateSync(StateSyncStatus s) =>
        new(s.SequenceSent, s.SequenceAcked, s.LagMs, s.RetainedBatches, s.RetainedBytes, s.DeltaBatches, s.FullTransfers, s.Alarms,
            s.LastFullTransfer is { } f ? new StateFullTransferInfo(f.Why, f.Entries, f.Bytes, f.Batches, f.Millis, f.At) : null);

    public static ConfigReplicationStatus ToReplication(ConfigSyncStatus config, ConfigEditHealth? edits = null) =>
        new(Identity: config.Identity,
            Revision: config.Revision,
            Digest: config.Digest,
            State: config.State,
            PeerRevision: config.PeerRevision,
            LastPullAt: config.LastPullAt,
            LastPullMs: config.LastPullMs is { } ms ? Math.Round(ms, 1) : null,
            LastPullUpdates: config.LastPullUpdates,
            QueueLength: config.QueueLength,
            QueueBytes: config.QueueBytes,
            QueueOldestRevision: config.QueueOldestRevision,
            Modules: config.ModuleCount,
            ModulesDigest: config.ModulesDigest,
            Transfers: config.Transfers,
            LastTransfer: config.LastTransfer is { } t
                ? new ConfigTransfer(Lower(t.Kind), t.Reason, t.Bytes, Math.Round(t.DurationMs, 1), t.At, t.Revision)
                : null,
            Store: edits is null ? null : new ConfigStoreInfo(edits.Store.Failing ? "failing" : "ok", edits.Store.Problem, edits.Store.Since),
            Acknowledge: edits?.Acknowledge is { } a ? new ConfigAcknowledgeInfo(Lower(a.Setting), Lower(a.Effective), a.Degraded, a.Held) : null,
            EditsRefused: config.EditsRefused);

    public static RedundancyEventInfo ToEvent(RedundancyEvent e) =>
        new(e.Time, e.Kind, e.Reason, e.Epoch, e.Level,
            e.DetectionMs is { } d ? Math.Round(d, 1) : null,
            e.SwitchMs is { } s ? Math.Round(s, 1) : null,
            e.Sequence);

    public static ConfigChangeInfo ToChange(ConfigChangeRecord c) =>
        new(c.Revision, c.Path, c.Operation, c.AckedAt, c.AppliedAt, Math.Round((c.AppliedAt - c.AckedAt).TotalMilliseconds, 3));

    public static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
