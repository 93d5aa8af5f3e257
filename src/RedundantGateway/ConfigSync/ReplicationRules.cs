namespace RedundantGateway.ConfigSync;

/// <summary>What the replication actors know of their node, besides their own settings.</summary>
/// <param name="MasterAddress">the master's node link (a backup pulls from it).</param>
/// <param name="WebAddress">where operators reach this node's REST API; a master hands it to its backup.</param>
/// <param name="StartOver">the node was started with <c>--start-over</c>: as master, its configuration wins even over a backup's newer one.</param>
public sealed record ReplicationNode(NodeRole Role, string NodeName, string DataDir, string ModulesDir, NodeEndpoint? MasterAddress, string WebAddress,
    bool StartOver = false)
{
    /// <summary>Transfer files of this run (cleared at start: left-overs of an earlier run are of no use).</summary>
    public string TransfersDir => Path.Combine(Path.GetFullPath(DataDir), "transfers");

    /// <summary>Where a configuration of another system is kept before a full transfer replaces it.</summary>
    public string SavedDir => Path.Combine(Path.GetFullPath(DataDir), "config-saved");
}

/// <summary>The master's decisions on a backup's pull, apart from the actor that acts on them.</summary>
public static class PullRules
{
    /// <summary>Why incremental updates cannot bring this backup up to date, or null when they can.</summary>
    public static string? FullTransferReason(PullConfigUpdates pull, ConfigDocument document, UpdateQueue queue)
    {
        if (pull.Identity != document.Identity)
            return pull.Identity is null
                ? "first contact: the backup has no configuration yet"
                : $"the backup's system identity {pull.Identity} differs from the master's {document.Identity}";
        if (pull.AfterRevision > document.Revision)
            return $"the backup's revision {pull.AfterRevision} is ahead of the master's {document.Revision}";
        if (!queue.Covers(pull.AfterRevision, document.Revision))
            return $"too far behind: the backup is at revision {pull.AfterRevision}, the queue holds {(queue.OldestRevision is { } oldest ? $"revisions {oldest} to {document.Revision}" : "nothing")}";
        // Same revision, other content (say, a master database restored from an older copy).
        if (DigestAt(pull.AfterRevision, document, queue) is { } expected && pull.Digest.Length > 0 && pull.Digest != expected)
            return $"the backup's configuration at revision {pull.AfterRevision} differs from the master's (digest)";
        return null;
    }

    /// <summary>True when the backup has something to fetch; otherwise the master holds the pull (long poll).</summary>
    public static bool HasNews(PullConfigUpdates pull, ConfigDocument document, string modulesDigest) =>
        pull.AfterRevision < document.Revision || pull.ModulesDigest != modulesDigest;

    /// <summary>The master's digest after <paramref name="revision"/>, when it still knows it.</summary>
    public static string? DigestAt(long revision, ConfigDocument document, UpdateQueue queue) =>
        revision == document.Revision ? document.Digest : queue.DigestAfter(revision);

    /// <summary>Whether a peer last heard of at <paramref name="last"/> still takes part (its pulls come every long poll).</summary>
    public static bool StillHeard(DateTimeOffset? last, ConfigSyncSettings sync, DateTimeOffset now) =>
        last is { } at && now - at < sync.LongPollTimeout + sync.PeerSilenceMargin;
}
