namespace RedundantGateway.History;

/// <summary>When the history cache samples and forwards, and how long it waits after a failed write. No actor, no clock.</summary>
public static class ForwardingRules
{
    /// <summary>Only the active node logs history (a warm standby's values are the active node's to log).</summary>
    public static bool Samples(ActivityLevel level) => level == ActivityLevel.Active;

    /// <summary>
    /// Whether the cache may write to the store now: the node runs active (its subsystems were told so) and announced
    /// the epoch it is active under (<paramref name="activeEpoch"/>), the store has not fenced that epoch, and this is
    /// not a backup in partial mode (which keeps its history in the cache until it is reconciled with the master's).
    /// </summary>
    public static bool Forwards(NodeRole role, HistoryLevel backupLevel, ActivityLevel level, long? activeEpoch, long? fencedBy) =>
        level == ActivityLevel.Active
        && activeEpoch is { } epoch
        && (fencedBy is not { } fence || epoch > fence)
        && !(role == NodeRole.Backup && backupLevel == HistoryLevel.Partial);

    /// <summary>The wait before the next try after the store was unavailable: <paramref name="min"/> first, then doubling up to <paramref name="max"/>.</summary>
    public static TimeSpan NextBackoff(TimeSpan? previous, TimeSpan min, TimeSpan max) =>
        previous is not { } last ? min : TimeSpan.FromTicks(Math.Min(max.Ticks, Math.Max(min.Ticks, last.Ticks * 2)));

    /// <summary>Whether the cache should fsync now: <paramref name="unsynced"/> records appended since the last fsync.</summary>
    public static bool SyncNow(long unsynced, TimeSpan sinceLastSync, TimeSpan syncInterval, int syncRecords) =>
        unsynced > 0 && (syncInterval == TimeSpan.Zero || unsynced >= syncRecords || sinceLastSync >= syncInterval);

}
