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
}
