using Akka.Actor;
using Akka.Event;
using RedundantGateway.Redundancy;
using RedundantGateway.Liveness;
using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// The master's side of replication (a child of <see cref="ConfigReplicator"/>, which forwards to it what the
/// backup sends): keeps a bounded queue of committed updates, answers each backup's pull (holding it while
/// there is nothing new), prepares full-transfer archives and module files and hands each to a
/// <see cref="TransferSender"/> that serves it.
/// </summary>
public sealed partial class ConfigPublisher : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    public const string Name = "publisher";

    private readonly ConfigSyncSettings _sync;
    private readonly ReplicationNode _node;
    private readonly IActorRef _store;
    private readonly IActorRef _coordinator;
    private readonly ConfigSyncMemory? _memory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly UpdateQueue _queue;
    /// <summary>Pulls held until something changes, one per backup (normally there is one).</summary>
    private readonly Dictionary<IActorRef, HeldPull> _held = [];
    /// <summary>The transfers being served, by transfer id; watched, so a sender that stops leaves the list.</summary>
    private readonly Dictionary<string, IActorRef> _senders = [];

    private ConfigDocument _document = ConfigDocument.Empty;
    private ModuleScan _modules = ModuleScan.Empty;
    private IActorRef? _backup;
    private long? _backupRevision;
    private string? _backupModulesDigest;
    private DateTimeOffset? _backupLastPull;
    /// <summary>Where the backup's web surface is (it says so on each pull): shown in the status as the peer's, for the status page.</summary>
    private string _backupWebAddress = "";

    /// <summary>The revision the store recovered at (or last adopted): a backup beyond it holds edits this store lost.</summary>
    private long _startRevision;
    /// <summary>Why edits are refused now (adopting the backup's configuration, or a conflict), null when they are accepted.</summary>
    private string? _refusal;
    private IActorRef? _adopter;
    private string _adoptionReason = "";
    private bool _settled;
    /// <summary>This node's failure detector judges the backup down: its last pull says nothing of it any more.</summary>
    private bool _backupDown;

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    private sealed record HeldPull(IActorRef ReplyTo, PullConfigUpdates Pull);
    private sealed record HeldPullDue(IActorRef Backup, long PullId);
    private sealed record TransferPrepared(IActorRef ReplyTo, TransferOffer Offer, string FilePath);
    private sealed record TransferPreparationFailed(IActorRef ReplyTo, string Reason);

    /// <param name="store">the node's config store: replaced with the backup's configuration when this master's is older.</param>
    /// <param name="coordinator">told the events (adoption, edits refused).</param>
    /// <param name="memory">the transfer history of an earlier actor system, shown in the status.</param>
    public static Props Props(ConfigSyncSettings sync, ReplicationNode node, IActorRef store, IActorRef coordinator, ConfigSyncMemory? memory) =>
        Akka.Actor.Props.Create(() => new ConfigPublisher(sync, node, store, coordinator, memory));

    public ConfigPublisher(ConfigSyncSettings sync, ReplicationNode node, IActorRef store, IActorRef coordinator, ConfigSyncMemory? memory)
    {
        _sync = sync;
        _node = node;
        _store = store;
        _coordinator = coordinator;
        _memory = memory;
        _queue = new UpdateQueue(sync.MaxQueuedUpdates, sync.MaxQueuedBytes);
        Starting();
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new TransferChildStrategy(child => _senders.ContainsValue(child));

    protected override void PreStart()
    {
        Context.ActorOf(ModuleWatcher.Props(_node.ModulesDir, requireSettled: true, _sync.ModuleScanInterval, _sync.PullRetryInterval), ModuleWatcher.Name);
        // A restarted publisher decides again at the backup's next pull: the refusal of its previous incarnation goes.
        Context.Parent.Tell(new ConfigEditsGate(null));
        Context.System.EventStream.Subscribe(Self, typeof(PeerDown));
        Context.System.EventStream.Subscribe(Self, typeof(PeerReachable));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    /// <summary>
    /// Until the store has recovered and the modules folder has been read once, pulls wait: one answered
    /// before, with no modules known yet, would have the backup delete its modules.
    /// </summary>
    private void Starting()
    {
        var storeReady = false;
        var modulesRead = false;
        void RunWhenReady()
        {
            if (!storeReady || !modulesRead) return;
            Become(Running);
            Stash.UnstashAll();
        }
        Receive<ConfigCommitted>(committed =>
        {
            OnCommitted(committed);
            if (!storeReady) _startRevision = committed.Document.Revision;
            storeReady = true;
            RunWhenReady();
        });
        Receive<ModulesChanged>(changed =>
        {
            OnModulesChanged(changed);
            modulesRead = true;
            RunWhenReady();
        });
        Receive<GetConfigSyncStatus>(_ => Sender.Tell(Status()));
        ReceivePeerState();
        ReceiveAny(_ => Stash.Stash());
    }

    private void Running()
    {
        Receive<ConfigCommitted>(OnCommitted);
        Receive<ModulesChanged>(OnModulesChanged);
        Receive<GetConfigSyncStatus>(_ => Sender.Tell(Status()));
        Receive<ResyncRequested>(request => Sender.Tell(Resync(request)));
        ReceivePeerState();
        Receive<PullConfigUpdates>(OnPull);
        Receive<HeldPullDue>(due =>
        {
            if (_held.TryGetValue(due.Backup, out var held) && held.Pull.PullId == due.PullId) AnswerHeld(due.Backup);
        });
        Receive<GetModuleManifest>(_ => Sender.Tell(_modules.Manifest));
        Receive<RequestFullTransfer>(request =>
        {
            // Never push this configuration over the backup's while it is the one to keep.
            if (_refusal is { } refusal) Sender.Tell(new TransferRefused($"this master does not serve its configuration now: {refusal}"));
            else OnRequestFullTransfer(request);
        });
        Receive<ConfigAdopter.Adopted>(OnAdopted);
        Receive<ConfigAdopter.NotAdopted>(OnNotAdopted);
        Receive<RequestModuleTransfer>(OnRequestModuleTransfer);
        Receive<TransferPrepared>(prepared =>
        {
            var sender = Context.ActorOf(TransferSender.Props(prepared.Offer, prepared.FilePath, prepared.ReplyTo, _sync.SyncTimeout),
                "send-" + prepared.Offer.TransferId);
            Context.Watch(sender);
            _senders[prepared.Offer.TransferId] = sender;
        });
        Receive<TransferPreparationFailed>(failed =>
        {
            _log.Warning("Transfer not prepared: {Reason}", failed.Reason);
            failed.ReplyTo.Tell(new TransferRefused(failed.Reason));
        });
        Receive<TransferFinished>(finished =>
        {
            if (_senders.Remove(finished.TransferId, out var sender)) sender.Tell(finished);
        });
        Receive<Terminated>(terminated =>
        {
            foreach (var id in _senders.Where(s => s.Value.Equals(terminated.ActorRef)).Select(s => s.Key).ToList()) _senders.Remove(id);
        });
    }

    private void OnCommitted(ConfigCommitted committed)
    {
        _document = committed.Document;
        foreach (var update in committed.Updates) _queue.Add(update);
        foreach (var (backup, held) in _held.ToList())
            if (_document.Revision > held.Pull.AfterRevision) AnswerHeld(backup);
    }

    private void OnModulesChanged(ModulesChanged changed)
    {
        var news = changed.Scan.Manifest.Digest != _modules.Manifest.Digest;
        _modules = changed.Scan;
        // A held pull learns at once that the backup's modules are now out of date.
        if (news) foreach (var backup in _held.Keys.ToList()) AnswerHeld(backup);
    }

    private void ReceivePeerState()
    {
        Receive<PeerDown>(_ => _backupDown = true);
        Receive<PeerReachable>(_ => _backupDown = false);
    }

    private ResyncResult Resync(ResyncRequested request)
    {
        if (_backupDown)
            return new ResyncResult(false, "the backup is disconnected (this node judges it down): it catches up by itself when it is back");
        if (!BackupIsPulling || _backup is not { } backup)
            return new ResyncResult(false, "no backup is pulling the configuration from this master");
        if (_refusal is { } refusal)
            return new ResyncResult(false, $"this master does not push its configuration now: {refusal}");
        backup.Tell(new ResyncAsked(request.Source));
        return new ResyncResult(true, "the backup was asked to take a full transfer");
    }

    private bool BackupIsPulling => PullRules.StillHeard(_backupLastPull, _sync, DateTimeOffset.UtcNow);

    // ---- pulls ----

    private void OnPull(PullConfigUpdates pull)
    {
        _backupDown = false;
        _backup = Sender;
        _backupRevision = pull.AfterRevision;
        _backupModulesDigest = pull.ModulesDigest;
        _backupLastPull = DateTimeOffset.UtcNow;
        if (pull.FromWebAddress.Length > 0) _backupWebAddress = pull.FromWebAddress;
        // A new pull from the same backup replaces its held one (that one timed out on its side).
        if (_held.Remove(Sender)) Timers.Cancel(HeldTimerKey(Sender));

        var authority = AuthorityRules.Decide(_document, _startRevision, pull, PullRules.DigestAt(pull.AfterRevision, _document, _queue), _node.StartOver);
        if (authority.Verdict != AuthorityVerdict.Serve)
        {
            OnBackupAhead(authority, pull);
            Hold(pull);
            return;
        }
        if (_refusal is not null && _adopter is null) AcceptEdits("the backup's configuration no longer conflicts with this master's");
        Settled(adoptedBackup: false);
        var fullTransferReason = PullRules.FullTransferReason(pull, _document, _queue);
        // A backup pulls only what it has persisted: the acknowledger releases the edits it now holds.
        Context.Parent.Tell(new BackupProgress(pull.AfterRevision, _document.Revision, fullTransferReason is null, _backupLastPull.Value));
        if (fullTransferReason is { } reason)
        {
            Sender.Tell(new FullTransferRequired(pull.PullId, reason));
            return;
        }
        if (PullRules.HasNews(pull, _document, _modules.Manifest.Digest))
        {
            Sender.Tell(Updates(pull));
            return;
        }
        // Up to date: hold the pull until something changes (long poll), so the next edit leaves at once.
        Hold(pull);
    }

    private void Hold(PullConfigUpdates pull)
    {
        _held[Sender] = new HeldPull(Sender, pull);
        Timers.StartSingleTimer(HeldTimerKey(Sender), new HeldPullDue(Sender, pull.PullId), _sync.LongPollTimeout);
    }

    private static string HeldTimerKey(IActorRef backup) => "parked-" + backup.Path;

    private void AnswerHeld(IActorRef backup)
    {
        if (!_held.Remove(backup, out var held)) return;
        Timers.Cancel(HeldTimerKey(backup));
        held.ReplyTo.Tell(Updates(held.Pull), Self);
    }

    private ConfigUpdates Updates(PullConfigUpdates pull)
    {
        // While the backup's configuration is the one to keep, nothing of this master's goes to it.
        var updates = _refusal is null ? _queue.After(pull.AfterRevision, _sync.MaxUpdatesPerPull, _sync.MaxPullBytes) : [];
        return new ConfigUpdates(pull.PullId, _document.Identity ?? "", updates, _document.Revision, _modules.Manifest.Digest,
            _queue.Count, _queue.Bytes, _node.WebAddress);
    }

    // ---- transfers: prepared here on the thread pool, served by a TransferSender each ----

    private void OnRequestFullTransfer(RequestFullTransfer request)
    {
        var replyTo = Sender;
        var document = _document;
        var id = NewTransferId("full");
        var path = Path.Combine(_node.TransfersDir, id + ".zip");
        var modulesDir = _node.ModulesDir;
        // Only published modules: one still being copied in goes with a later module sync, once settled.
        var published = _modules.Manifest.Modules.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var transfer = _sync.Transfer;
        _log.Info("Preparing a full transfer at revision {Revision} for the backup: {Reason}", document.Revision, request.Reason);
        Task.Run(() =>
        {
            var (size, sha) = ConfigArchive.Write(path, document, modulesDir, published);
            return new TransferOffer(id, TransferKind.Full, $"revision {document.Revision}", size, sha, transfer.ChunkSize, transfer.ChunkCount(size));
        }).PipeTo(Self,
            success: offer => new TransferPrepared(replyTo, offer, path),
            failure: e => new TransferPreparationFailed(replyTo, $"archive not written: {e.GetBaseException().Message}"));
    }

    private void OnRequestModuleTransfer(RequestModuleTransfer request)
    {
        var replyTo = Sender;
        if (!ModuleFolder.IsModuleName(request.ModuleName))
        {
            replyTo.Tell(new TransferRefused($"'{request.ModuleName}' is not a module name"));
            return;
        }
        var source = Path.Combine(_node.ModulesDir, request.ModuleName);
        var id = NewTransferId("module");
        var path = Path.Combine(_node.TransfersDir, id);
        var transfer = _sync.Transfer;
        // A copy, so the file sent is the one hashed even if the module is replaced meanwhile.
        Task.Run(() =>
        {
            File.Copy(source, path, overwrite: true);
            var size = new FileInfo(path).Length;
            return new TransferOffer(id, TransferKind.Module, request.ModuleName, size, ModuleFolder.HashFile(path), transfer.ChunkSize, transfer.ChunkCount(size));
        }).PipeTo(Self,
            success: offer => new TransferPrepared(replyTo, offer, path),
            failure: e => new TransferPreparationFailed(replyTo, $"module {request.ModuleName} not readable: {e.GetBaseException().Message}"));
    }

    private static string NewTransferId(string kind) => $"{kind}-{Guid.NewGuid():N}";

    private ConfigSyncStatus Status()
    {
        var state = _adopter is not null ? "adopting-backup-config"
            : _refusal is not null ? "edits-refused"
            : _backupDown && _backupLastPull is not null ? "backup-disconnected"
            : BackupIsPulling
            ? (_backupRevision != _document.Revision ? "backup-behind"
                : _backupModulesDigest != _modules.Manifest.Digest ? "backup-modules-differ" : "backup-in-sync")
            : "no-backup";
        return new ConfigSyncStatus(_document.Identity, _document.Revision, _document.Digest, _backupRevision, state,
            _backupLastPull, null, 0, _queue.Count, _queue.Bytes, _queue.OldestRevision,
            _modules.Manifest.Digest, _modules.Manifest.Modules.Count, _memory?.LastTransfer, _memory?.Transfers ?? 0, "", _refusal,
            PeerWebAddress: _backupWebAddress);
    }
}
