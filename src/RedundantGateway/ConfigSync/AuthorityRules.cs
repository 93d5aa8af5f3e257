namespace RedundantGateway.ConfigSync;

/// <summary>What a master does with a backup's pull once it has compared the two configurations.</summary>
public enum AuthorityVerdict
{
    /// <summary>The master's configuration is the one to keep: serve the pull (updates or a full transfer to the backup).</summary>
    Serve,
    /// <summary>The backup holds newer configuration of this system (or this master holds none): take the backup's.</summary>
    AdoptBackup,
    /// <summary>Neither side can be taken without losing acknowledged edits: refuse edits until an operator decides.</summary>
    RefuseEdits,
}

public sealed record AuthorityDecision(AuthorityVerdict Verdict, string Reason)
{
    public static readonly AuthorityDecision Serve = new(AuthorityVerdict.Serve, "");
}

/// <summary>
/// The master's decision on whose configuration wins, apart from the actor that acts on it. A backup only
/// ever holds what a master acknowledged, so a backup ahead of its master (same system identity) means the
/// master's store lost revisions (restored from an older copy, or emptied): pushing it over the backup
/// would lose acknowledged edits on both nodes.
/// </summary>
public static class AuthorityRules
{
    /// <param name="master">the master's configuration now.</param>
    /// <param name="startRevision">the master's revision when its store recovered (or when it last adopted the backup's).</param>
    /// <param name="masterDigestAtBackupRevision">the master's digest after the backup's revision, when it still knows it.</param>
    /// <param name="startOver">the operator started this master with <c>--start-over</c>: its configuration wins, whatever the backup holds.</param>
    public static AuthorityDecision Decide(ConfigDocument master, long startRevision, PullConfigUpdates pull,
        string? masterDigestAtBackupRevision, bool startOver)
    {
        if (startOver || pull.Identity is null) return AuthorityDecision.Serve;
        var masterEmpty = master.Revision == 0 && master.Resources.Count == 0;
        if (masterEmpty && pull.AfterRevision > 0)
            return new(AuthorityVerdict.AdoptBackup,
                $"this master's config store is empty and the backup holds system {pull.Identity} at revision {pull.AfterRevision}");
        if (pull.Identity != master.Identity)
        {
            // This master's store was empty when it started (so its identity is new) and it has taken edits since:
            // the backup's configuration is likely the one this master lost. Neither is taken without an operator.
            if (startRevision == 0 && pull.AfterRevision > 0)
                return new(AuthorityVerdict.RefuseEdits,
                    $"this master started with an empty config store (new system {master.Identity}) and took edits since; the backup holds system {pull.Identity} at revision {pull.AfterRevision}");
            // Another system on both sides: the backup keeps a copy (config-saved) and takes the master's.
            return AuthorityDecision.Serve;
        }
        if (pull.AfterRevision > master.Revision)
            return master.Revision == startRevision
                ? new(AuthorityVerdict.AdoptBackup,
                    $"the backup is at revision {pull.AfterRevision}, ahead of this master's {master.Revision} (same system {master.Identity}): this master's store is older than the backup's")
                : new(AuthorityVerdict.RefuseEdits,
                    $"the backup is at revision {pull.AfterRevision}, ahead of this master's {master.Revision}, and this master took edits since it started at revision {startRevision}: the two configurations differ");
        // The backup has revisions this master started without, and the master wrote others over them.
        if (pull.AfterRevision > startRevision && pull.Digest.Length > 0 && masterDigestAtBackupRevision is { } digest && digest != pull.Digest)
            return new(AuthorityVerdict.RefuseEdits,
                $"the backup's configuration at revision {pull.AfterRevision} differs from this master's, which started at revision {startRevision} (older than the backup's) and took other edits since");
        return AuthorityDecision.Serve;
    }
}
