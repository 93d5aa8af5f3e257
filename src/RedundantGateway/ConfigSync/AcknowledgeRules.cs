namespace RedundantGateway.ConfigSync;

/// <summary>When the master answers an operator's edit (<c>config-sync.acknowledge</c>).</summary>
public enum AcknowledgeMode
{
    /// <summary>As soon as the master has persisted it.</summary>
    Master,

    /// <summary>Once the backup has persisted it too (while the backup is connected and in sync).</summary>
    Backup,
}

/// <summary>
/// What the master learnt from its backup's last pull: a backup pulls only after it has persisted what it
/// applied, so <paramref name="Revision"/> is what the backup holds on its disk.
/// </summary>
/// <param name="MasterRevision">the master's committed revision when the pull arrived.</param>
/// <param name="Following">the backup follows incrementally (same identity, no full transfer needed).</param>
public sealed record BackupProgress(long Revision, long MasterRevision, bool Following, DateTimeOffset At);

/// <summary>
/// The master's acknowledgement policy as a value (the decisions of <see cref="EditAcknowledger"/>, apart from
/// the actor). With <see cref="AcknowledgeMode.Backup"/>, an edit waits for the backup while the backup is
/// heard and follows; an edit that waited <c>acknowledge-timeout</c> degrades the gate to the master alone
/// (<see cref="Degrade"/>) until the backup has caught up with the master again (<see cref="Progress"/>).
/// </summary>
/// <param name="Setting">the configured mode.</param>
/// <param name="PeerSilence">a backup whose last pull is older than this is taken as gone (long-poll-timeout plus peer-silence-margin).</param>
public sealed record AcknowledgeGate(AcknowledgeMode Setting, TimeSpan PeerSilence)
{
    /// <summary>The backup failed to persist an edit in time: the master acknowledges alone until it has caught up.</summary>
    public bool Degraded { get; init; }

    public BackupProgress? Backup { get; init; }

    public static AcknowledgeGate Create(ConfigSyncSettings sync) =>
        new(sync.Acknowledge, sync.LongPollTimeout + sync.PeerSilenceMargin);

    /// <summary>The backup pulls incrementally and was heard recently.</summary>
    public bool BackupFollowing(DateTimeOffset now) => Backup is { Following: true } backup && now - backup.At < PeerSilence;

    /// <summary>The mode edits are acknowledged in now.</summary>
    public AcknowledgeMode Effective(DateTimeOffset now) =>
        Setting == AcknowledgeMode.Backup && !Degraded && BackupFollowing(now) ? AcknowledgeMode.Backup : AcknowledgeMode.Master;

    /// <summary>The backup has persisted <paramref name="revision"/> (and everything before it).</summary>
    public bool BackupHolds(long revision) => Backup is { } backup && backup.Revision >= revision;

    /// <summary>Whether an edit the master persisted as <paramref name="revision"/> waits for the backup before it is answered.</summary>
    public bool MustWait(long revision, DateTimeOffset now) =>
        Effective(now) == AcknowledgeMode.Backup && !BackupHolds(revision);

    /// <summary>An edit waited longer than acknowledge-timeout: acknowledge with the master alone from now on.</summary>
    public AcknowledgeGate Degrade() => this with { Degraded = true };

    /// <summary>
    /// Takes the backup's latest pull; a degraded gate is restored when the backup follows and holds every
    /// revision the master had when it pulled (<paramref name="Restored"/> true: say so).
    /// </summary>
    public (AcknowledgeGate Gate, bool Restored) Progress(BackupProgress progress)
    {
        var restored = Degraded && progress.Following && progress.Revision >= progress.MasterRevision;
        return (this with { Backup = progress, Degraded = Degraded && !restored }, restored);
    }
}
