using System.Text.Json.Serialization;

namespace RedundantGateway.Client;

// The records of /api/redundancy and its sub-resources. Property order is the order on the wire (the
// serializer follows declaration order); names are camelCased by ContractJson.Options. Enum-like values
// (role, activityLevel, state, ...) stay lower-case strings, as the API has always sent them.

/// <summary>GET /api/redundancy: what a node knows of the pair.</summary>
/// <param name="Role">master, backup or independent.</param>
/// <param name="ActivityLevel">active, warm, cold or undecided.</param>
/// <param name="PeerConnected">true only while the peer is a reachable cluster member and answers heartbeats.</param>
/// <param name="ConfigRevision">null while the config store does not answer.</param>
/// <param name="Rebuilds">rebuilds of the whole actor system (membership rules, a failed coordinator); on the wire
/// <c>softRestarts</c>, its name before rebuild and restart were told apart.</param>
/// <param name="Config">null while the config replicator does not answer.</param>
/// <param name="RoleConflict">a configuration mistake seen over the node link, e.g. "both nodes are configured as master"; null when none.</param>
/// <param name="HasConfigAccess">this node takes configuration edits now (a master or independent node whose edits are not refused).</param>
/// <param name="SyncPending">something this node knows of is not on both nodes yet: configuration the backup lacks (or, on a
/// backup, has not applied), or alarm state batches the peer has not acknowledged.</param>
/// <param name="FailoverPending">an operator's failover request waits for the designator's answer, or an activation waits for
/// the configuration to load: the active node may change any moment.</param>
/// <param name="StartedAt">when this node's process started; <paramref name="UptimeMs"/>: how long ago.</param>
/// <param name="LevelUptimeMs">how long this node has been at its current activity level (since <paramref name="LevelSince"/>).</param>
/// <param name="LastSyncAt">the last configuration pull (a backup's own, or the one a master last answered); null: none yet.</param>
/// <param name="History">the history store-and-forward cache; null while it does not answer.</param>
public sealed record NodeStatus(
    string NodeName,
    string Role,
    string ActivityLevel,
    bool PeerConnected,
    long Epoch,
    string? ActiveNode,
    DateTimeOffset? LevelSince,
    long? ConfigRevision,
    string RecoveryMode,
    string HistoryLevel,
    string StandbyActivityLevel,
    double FailoverTimeoutMs,
    string Version,
    [property: JsonPropertyName("softRestarts")] int Rebuilds,
    PeerStatus? Peer,
    IReadOnlyList<SubsystemStatus>? Subsystems,
    ConfigReplicationStatus? Config,
    string? RoleConflict = null,
    StateSyncInfo? StateSync = null,
    bool HasConfigAccess = false,
    bool SyncPending = false,
    bool FailoverPending = false,
    DateTimeOffset? StartedAt = null,
    long? UptimeMs = null,
    long? LevelUptimeMs = null,
    DateTimeOffset? LastSyncAt = null,
    HistoryCacheInfo? History = null)
{
    /// <summary>Not on the wire: derived from <see cref="ActivityLevel"/>.</summary>
    [JsonIgnore]
    public bool IsActive => ActivityLevel == "active";

    public override string ToString() =>
        $"{NodeName}: role={Role} level={ActivityLevel} peerConnected={PeerConnected} epoch={Epoch} activeNode={ActiveNode ?? "-"} " +
        $"rebuilds={Rebuilds} peer={Peer?.State ?? "-"} phi={Peer?.Phi} lastHeard={Peer?.LastHeardMsAgo}ms";
}

/// <summary>
/// The <c>stateSync</c> object: this node's shipping of the alarm runtime state to its peer (issue 11).
/// </summary>
/// <param name="SequenceSent">the last batch sequence sent on this node's current stream.</param>
/// <param name="SequenceAcked">the highest sequence the peer acknowledged (held contiguously).</param>
/// <param name="LagMs">age of the oldest batch sent and not acknowledged; 0: none.</param>
/// <param name="RetainedDeltas">delta batches kept for a resend (not yet acknowledged).</param>
/// <param name="Alarms">alarms in this node's replicated state.</param>
public sealed record StateSyncInfo(
    long SequenceSent,
    long SequenceAcked,
    long LagMs,
    int RetainedDeltas,
    long RetainedBytes,
    long DeltaBatches,
    long FullTransfers,
    int Alarms,
    StateFullTransferInfo? LastFullTransfer);

/// <summary>The last full state this node sent: why, how much, how long.</summary>
public sealed record StateFullTransferInfo(string Reason, int Entries, long Bytes, int Batches, double DurationMs, DateTimeOffset At);

/// <summary>The <c>peer</c> object: this node's failure detector's view of the other node.</summary>
/// <param name="State">unknown, reachable, unreachable or down.</param>
/// <param name="Role">the peer's role, <paramref name="ActivityLevel"/> and <paramref name="Epoch"/>: as its last heartbeat
/// answer said them (<paramref name="LastHeardMsAgo"/> ago); null before it answered.</param>
/// <param name="WebAddress">the peer's web address (e.g. http://host:8089), as the peer told it over configuration replication;
/// absent until it has (a backup tells it with its first pull), so the object reads as before. The status page calls the peer there.</param>
public sealed record PeerStatus(string? NodeName, string? Address, string? State, double? Phi, double? RoundTripMs, double? LastHeardMsAgo,
    string? Role = null, string? ActivityLevel = null, long? Epoch = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? WebAddress = null);

/// <summary>One of the <c>subsystems</c>: its level, level changes and restarts (after configuration transfers).</summary>
public sealed record SubsystemStatus(string Name, string Level, int Transitions, int Restarts = 0, long? ConfigRevision = null);

/// <summary>The <c>config</c> object: configuration replication as this node sees it.</summary>
/// <param name="State">master: backup-in-sync, backup-behind, backup-modules-differ, backup-disconnected (judged down by the
/// master's failure detector), no-backup, adopting-backup-config, edits-refused; backup: in-sync, behind, modules-differ,
/// applying, full-transfer, module-transfer, master-unreachable, never-synced.</param>
/// <param name="EditsRefused">master: why it refuses edits now (its store is older than the backup's); null when it takes them.</param>
/// <param name="LastPullMs">includes the time the master held the pull.</param>
/// <param name="Modules">the number of module files.</param>
public sealed record ConfigReplicationStatus(
    string? Identity,
    long Revision,
    string Digest,
    string State,
    long? PeerRevision,
    DateTimeOffset? LastPullAt,
    double? LastPullMs,
    int LastPullUpdates,
    int QueueLength,
    long QueueBytes,
    long? QueueOldestRevision,
    int Modules,
    string ModulesDigest,
    int Transfers,
    ConfigTransfer? LastTransfer,
    ConfigStoreInfo? Store = null,
    ConfigAcknowledgeInfo? Acknowledge = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EditsRefused = null);


/// <summary>The <c>config.store</c> object: whether the node's config store writes.</summary>
/// <param name="State">ok or failing (a write failed, e.g. "disk full at ..."; edits are refused with 507 or 503 until one succeeds).</param>
public sealed record ConfigStoreInfo(string State, string? Problem, DateTimeOffset? Since);

/// <summary>The <c>config.acknowledge</c> object of a master: when its edits are answered (config-sync.acknowledge).</summary>
/// <param name="Setting">backup or master, as configured.</param>
/// <param name="Effective">backup while the backup is connected, in sync and not degraded; master otherwise.</param>
/// <param name="Held">edits persisted by the master waiting for the backup.</param>
public sealed record ConfigAcknowledgeInfo(string Setting, string Effective, bool Degraded, int Held);

/// <summary>The <c>config.lastTransfer</c> object.</summary>
/// <param name="Kind">full or module.</param>
public sealed record ConfigTransfer(string Kind, string? Reason, long Bytes, double DurationMs, DateTimeOffset At, long Revision);

/// <summary>One entry of GET /api/redundancy/events (newest first).</summary>
/// <param name="DetectionMs">for changes of activity: how long it took to notice the cause.</param>
/// <param name="SwitchMs">for changes of activity: how long the subsystems took to reach the new level.</param>
/// <param name="Id">the event's sequence on this node (grows by one per event, also across rebuilds of the actor system):
/// <c>?before=</c> the oldest id of a page gives the next page.</param>
public sealed record RedundancyEventInfo(DateTimeOffset Time, string Kind, string? Reason, long Epoch, string? Level, double? DetectionMs, double? SwitchMs,
    long Id = 0)
{
    public override string ToString() =>
        $"{Time:HH:mm:ss.fff} {Kind} level={Level} epoch={Epoch} detection={DetectionMs} switch={SwitchMs}: {Reason}";
}

/// <summary>One entry of GET /api/redundancy/config-changes: a change this node applied.</summary>
/// <param name="AckedAt">when the master acknowledged the edit.</param>
/// <param name="AppliedAt">when this node had it written.</param>
public sealed record ConfigChangeInfo(long Revision, string Path, string Operation, DateTimeOffset AckedAt, DateTimeOffset AppliedAt, double LagMs)
{
    public override string ToString() => $"{Revision} {Operation} {Path} (lag {LagMs:0.0} ms)";
}

/// <summary>
/// The answer of POST /api/redundancy/failover (200 or 409) and /resync (202 or 409): accepted or not, and why.
/// </summary>
public sealed record ActionAnswer(bool Accepted, string Message);

/// <summary>The body of every other error answer (400, 404, 409, 413, 503): one line.</summary>
public sealed record ErrorBody(string Message);
