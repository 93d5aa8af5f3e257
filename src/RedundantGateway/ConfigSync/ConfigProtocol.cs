using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

/// <summary>Messages and events of configuration replication; all go through <see cref="ConfigSyncSerializer"/>.</summary>
public interface IConfigSyncMessage;

// ---- Journal events and snapshot of the config store ---------------------------------------------

/// <summary>The master's config store was created: the system identity that travels with the configuration.</summary>
public sealed record ConfigIdentityCreated(string Identity, DateTimeOffset At) : IConfigSyncMessage;

/// <summary>One accepted edit (<paramref name="Value"/> null: the resource was deleted).</summary>
/// <param name="At">when the master accepted the edit.</param>
public sealed record ConfigResourceChanged(long Revision, string Path, string? Value, DateTimeOffset At) : IConfigSyncMessage;

/// <summary>The backup replaced its whole configuration with the one of a full transfer.</summary>
public sealed record ConfigReplaced(string Identity, long Revision, IReadOnlyDictionary<string, string> Resources, string Reason) : IConfigSyncMessage;

public sealed record ConfigStoreSnapshot(string? Identity, long Revision, IReadOnlyDictionary<string, string> Resources) : IConfigSyncMessage;

// ---- Asking the local config store ----------------------------------------------------------------

/// <summary>An edit from an operator (REST). <paramref name="Value"/> is canonical JSON; null deletes the resource.</summary>
public sealed record EditConfig(string Path, string? Value);

/// <summary>
/// <see cref="DiskFull"/>: the store could not write because its disk (or database) is full;
/// <see cref="StoreFailed"/>: it could not write for another reason, or did not answer. Neither stored the edit.
/// </summary>
public enum EditOutcome { Accepted, NotFound, Refused, DiskFull, StoreFailed }

/// <summary>The answer to <see cref="EditConfig"/>: the new revision when accepted.</summary>
public sealed record EditResult(EditOutcome Outcome, long Revision, string Message);

/// <summary>The master's publisher to its replicator: edits are refused for <paramref name="Refusal"/> (null: accepted again).</summary>
public sealed record ConfigEditsGate(string? Refusal);

/// <summary>
/// Published on the local event stream by the master's publisher the first time it has compared its store
/// with its backup's and kept its own, or taken the backup's. Local only, never sent.
/// </summary>
public sealed record ConfigAuthoritySettled(bool AdoptedBackup);

public sealed record GetConfigDocument
{
    public static readonly GetConfigDocument Instance = new();
}

/// <summary>The store's committed configuration (immutable, shared safely).</summary>
public sealed record ConfigDocumentView(ConfigDocument Document, bool Recovered);

/// <summary>Backup: apply updates pulled from the master, in order, each checked against the master's digest.</summary>
/// <param name="Batch">echoed in the answer, so an answer that comes late is not taken for the next batch's.</param>
public sealed record ApplyReplicatedUpdates(string Identity, IReadOnlyList<ConfigUpdate> Updates, long Batch = 0);

/// <summary>Answer to <see cref="ApplyReplicatedUpdates"/>: persisted up to <paramref name="Revision"/>, or refused.</summary>
public sealed record ReplicatedUpdatesApplied(bool Consistent, long Revision, string Digest, string Problem, long Batch = 0);

/// <summary>Backup: replace the whole configuration (full transfer).</summary>
public sealed record ReplaceConfig(ConfigDocument Document, string Reason);

public sealed record ConfigReplacedAck(long Revision, string Digest);

/// <summary>Told by the store to its parent after each persisted change (and once after recovery, with no updates).</summary>
public sealed record ConfigCommitted(ConfigDocument Document, IReadOnlyList<ConfigUpdate> Updates)
{
    /// <summary>True for the commit told once the store has recovered (nothing was written for it).</summary>
    public bool AfterRecovery { get; init; }
}

/// <summary>Told by the store to its parent when a write failed; the store then stops and is started again after a back-off.</summary>
/// <param name="Problem">one line, e.g. "disk full at /var/lib/gateway/config-store/config.db".</param>
public sealed record ConfigStoreFailed(string Problem, bool DiskFull, DateTimeOffset At);

/// <summary>
/// Published on the local event stream after every commit of this node's store (an edit, applied updates, a
/// full transfer, the recovery at start): the configuration the node now runs with. Local only, never sent.
/// </summary>
public sealed record ConfigurationChanged(ConfigDocument Document);

public sealed record GetRecentConfigChanges(long AfterRevision, int Limit);

/// <summary>One change as this node saw it: when the master acknowledged it, and when it was applied here.</summary>
public sealed record ConfigChangeRecord(long Revision, string Path, string Operation, DateTimeOffset AckedAt, DateTimeOffset AppliedAt);

public sealed record RecentConfigChanges(IReadOnlyList<ConfigChangeRecord> Changes);

// ---- Between the replicators of the two nodes ------------------------------------------------------

/// <summary>One revision of the master's configuration, with the digest of the whole configuration after it.</summary>
public sealed record ConfigUpdate(long Revision, string Path, string? Value, string DigestAfter, DateTimeOffset AckedAt) : IConfigSyncMessage
{
    /// <summary>
    /// An upper bound of its size on the wire: JSON escaping (relaxed, see <see cref="ConfigSyncSerializer"/>) at
    /// most doubles a string, plus the fields around it. Pull answers are cut by it so each fits in one frame.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long Bytes => WireBytes(Path, Value);

    public static long WireBytes(string path, string? value) =>
        256 + 2L * (System.Text.Encoding.UTF8.GetByteCount(path) + (value is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(value)));
}

/// <summary>Backup to master: the updates after <paramref name="AfterRevision"/>, please (held by the master until there are some).</summary>
/// <param name="ModulesDigest">the digest of the backup's modules folder.</param>
/// <param name="Digest">the backup's config digest at <paramref name="AfterRevision"/>: the master checks it, so equal revisions with different content are noticed.</param>
/// <param name="FromWebAddress">the backup's web address (its status page calls it); "" from a backup older than it.</param>
public sealed record PullConfigUpdates(long PullId, string? Identity, long AfterRevision, string ModulesDigest, string FromNodeName, string Digest = "",
    string FromWebAddress = "") : IConfigSyncMessage;

/// <summary>Master to backup: updates in order (possibly none after a long poll), and the master's state.</summary>
public sealed record ConfigUpdates(
    long PullId,
    string Identity,
    IReadOnlyList<ConfigUpdate> Updates,
    long MasterRevision,
    string ModulesDigest,
    int QueueLength,
    long QueueBytes,
    string MasterWebAddress) : IConfigSyncMessage;

/// <summary>Master to backup: incremental updates cannot bring the backup up to date.</summary>
public sealed record FullTransferRequired(long PullId, string Reason) : IConfigSyncMessage;

/// <summary>Backup to master: prepare an archive of the whole configuration and the modules.</summary>
public sealed record RequestFullTransfer(string Reason) : IConfigSyncMessage;

/// <summary>Backup to master: the list of modules with their SHA-256.</summary>
public sealed record GetModuleManifest : IConfigSyncMessage
{
    public static readonly GetModuleManifest Instance = new();
}

public sealed record ModuleEntry(string Name, string Sha256, long Size) : IConfigSyncMessage;

public sealed record ModuleManifest(IReadOnlyList<ModuleEntry> Modules, string Digest) : IConfigSyncMessage;

/// <summary>Backup to master: prepare one module file for transfer.</summary>
public sealed record RequestModuleTransfer(string ModuleName) : IConfigSyncMessage;

// The transfer itself (offer, chunks, end) is RedundantGateway.Transfer's.

/// <summary>Master to backup: an operator on the master asked for a full re-sync.</summary>
public sealed record ResyncAsked(string Source) : IConfigSyncMessage;

// ---- Operators and the status surfaces ---------------------------------------------------------

/// <summary>An operator forces a full transfer (POST /api/redundancy/resync).</summary>
public sealed record ResyncRequested(string Source);

public sealed record ResyncResult(bool Accepted, string Message);

public sealed record GetConfigSyncStatus
{
    public static readonly GetConfigSyncStatus Instance = new();
}

/// <summary>Asks the replicator how edits fare: the store's health and, on the master, the acknowledgement mode.</summary>
public sealed record GetConfigEditHealth
{
    public static readonly GetConfigEditHealth Instance = new();
}

/// <summary>Whether the config store writes; <paramref name="Problem"/> is the last failure's line while it does not.</summary>
/// <param name="Since">when the store started failing.</param>
public sealed record ConfigStoreHealth(bool Failing, string? Problem, bool DiskFull, DateTimeOffset? Since)
{
    public static readonly ConfigStoreHealth Ok = new(false, null, false, null);
}

/// <summary>The replicator asks its acknowledger to answer <see cref="GetConfigEditHealth"/> with the store's health added.</summary>
public sealed record GetAcknowledgeStatus(ConfigStoreHealth Store);

/// <param name="Effective">the mode edits are acknowledged in now (master alone while the backup is gone, behind or degraded).</param>
/// <param name="Held">edits persisted by the master and waiting for the backup.</param>
public sealed record AcknowledgeStatus(AcknowledgeMode Setting, AcknowledgeMode Effective, bool Degraded, int Held);

/// <param name="Acknowledge">null on a backup or an independent node (they acknowledge nothing to a peer).</param>
public sealed record ConfigEditHealth(ConfigStoreHealth Store, AcknowledgeStatus? Acknowledge);

/// <summary>A transfer as the backup saw it, for the status surfaces.</summary>
public sealed record TransferSummary(TransferKind Kind, string Reason, long Bytes, double DurationMs, DateTimeOffset At, long Revision);

/// <summary>The transfer history a rebuild of the actor system carries over.</summary>
public sealed record ConfigSyncMemory(TransferSummary? LastTransfer, int Transfers);

/// <summary>What a node knows of configuration replication.</summary>
public sealed record ConfigSyncStatus(
    string? Identity,
    long Revision,
    string Digest,
    long? PeerRevision,
    string State,
    DateTimeOffset? LastPullAt,
    double? LastPullMs,
    int LastPullUpdates,
    int QueueLength,
    long QueueBytes,
    long? QueueOldestRevision,
    string ModulesDigest,
    int ModuleCount,
    TransferSummary? LastTransfer,
    int Transfers,
    string MasterWebAddress,
    string? EditsRefused = null,
    string PeerWebAddress = "");
