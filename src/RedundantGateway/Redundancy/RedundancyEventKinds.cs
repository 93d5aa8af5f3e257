namespace RedundantGateway.Redundancy;

/// <summary>
/// The kinds of the redundancy events log (<see cref="RedundancyEvent.Kind"/>). They are part of the external
/// contract (/api/redundancy/events, tools and tests match on them): never change a value, only add.
/// </summary>
public static class RedundancyEventKinds
{
    // The coordinator's own events.
    public const string Started = "started";
    public const string ActivityChanged = "activity-changed";
    public const string Designation = "designation";
    public const string DesignationRefused = "designation-refused";
    public const string Failover = "failover";
    public const string FailoverRequested = "failover-requested";
    public const string Handover = "handover";
    public const string RuntimeRestart = "runtime-restart";
    /// <summary>The node did not run for longer than its peer waits before taking over: it dropped to undecided.</summary>
    public const string PauseDetected = "pause-detected";
    /// <summary>Both nodes are configured with the same role (or that was fixed).</summary>
    public const string RoleConflict = "role-conflict";
    public const string RoleConflictResolved = "role-conflict-resolved";
    /// <summary>A designation to active waits until the configuration store has loaded.</summary>
    public const string ActivationDeferred = "activation-deferred";

    // What the coordinator learns of its peer.
    public const string PeerReachable = "peer-reachable";
    public const string PeerUnreachable = "peer-unreachable";
    public const string PeerDown = "peer-down";
    public const string PeerConnected = "peer-connected";
    public const string PeerDisconnected = "peer-disconnected";

    /// <summary>The node rebuilt its whole actor system (membership rules 4, 5 and 6); recorded by the node host.</summary>
    public const string ActorSystemRebuilt = "soft-restart";

    // Configuration replication (recorded through AppendRedundancyEvent).
    public const string ConfigSaved = "config-saved";
    public const string ConfigFullTransfer = "config-full-transfer";
    public const string ConfigModuleTransfer = "config-module-transfer";
    public const string ConfigTransferFailed = "config-transfer-failed";

    /// <summary>The alarm state replicator sent its whole state to the peer (why, alarms, bytes, time).</summary>
    public const string StateFullTransfer = "state-full-transfer";

    /// <summary>With config-sync.acknowledge = backup: an edit was not on the backup in time; the master acknowledges alone.</summary>
    public const string ConfigAcknowledgeDegraded = "config-acknowledge-degraded";

    /// <summary>The backup is in sync again: edits are acknowledged once it has persisted them.</summary>
    public const string ConfigAcknowledgeRestored = "config-acknowledge-restored";

    /// <summary>The config store could not write (e.g. a full disk); every edit is refused with the reason until it can.</summary>
    public const string ConfigStoreFailing = "config-store-failing";

    /// <summary>The config store writes again after it was failing.</summary>
    public const string ConfigStoreRecovered = "config-store-recovered";

    /// <summary>The master took its backup's newer configuration (its own store was older or empty).</summary>
    public const string ConfigAdopted = "config-adopted";
    /// <summary>The master refuses edits: its configuration cannot be kept without losing the backup's newer one.</summary>
    public const string ConfigEditsRefused = "config-edits-refused";

    // History (the HistoryCache's store-and-forward).
    /// <summary>The history database stopped answering: samples stay in the local cache (one entry per outage).</summary>
    public const string HistoryStoreUnavailable = "history-store-unavailable";
    /// <summary>The history database answers again after an outage (its duration; the cache drains).</summary>
    public const string HistoryStoreRecovered = "history-store-recovered";
    /// <summary>The history database refused samples of a batch: they are quarantined with the reason.</summary>
    public const string HistoryQuarantined = "history-quarantined";
    /// <summary>The history database has seen a newer epoch for the pair: this node's writes stop.</summary>
    public const string HistoryFenced = "history-fenced";
    /// <summary>Partial mode: the cache was reconciled with the master's logging intervals (kept and dropped).</summary>
    public const string HistoryReconciled = "history-reconciled";
}
