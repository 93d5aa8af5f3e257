using RedundantGateway.ConfigSync;
using RedundantGateway.StateSync;

namespace RedundantGateway.Node;

/// <summary>
/// The summary flags of /api/redundancy that operators of the reference read first (hasConfigAccess, syncPending), from
/// the replicators' answers; pure, so each case is a spec.
/// </summary>
internal static class OperatorStatusRules
{
    /// <summary>Config states in which the backup holds everything the master has (or there is no backup to hold it).</summary>
    private static readonly HashSet<string> ConfigSettled = new(StringComparer.Ordinal)
    {
        "backup-in-sync", "no-backup", "backup-disconnected", "in-sync", "master-unreachable",
    };

    /// <summary>A node takes edits when it is not a backup and its config replicator answers without refusing them.</summary>
    public static bool HasConfigAccess(NodeRole role, ConfigSyncStatus? config) =>
        role != NodeRole.Backup && config is not null && config.EditsRefused is null;

    /// <summary>
    /// Something known here is not on both nodes yet: the configuration (the peer's revision is behind, a transfer runs,
    /// the backup has never synced), or alarm state batches the peer has not acknowledged. A disconnected peer is not
    /// "pending": nothing can move until it is back, and peerConnected says so.
    /// </summary>
    public static bool SyncPending(NodeRole role, ConfigSyncStatus? config, StateSyncStatus? stateSync)
    {
        if (role == NodeRole.Independent) return false;
        var configPending = config is not null && !ConfigSettled.Contains(config.State);
        var statePending = stateSync is not null && stateSync.SequenceSent > stateSync.SequenceAcked;
        return configPending || statePending;
    }
}
