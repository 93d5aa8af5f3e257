using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// Replicates the master's configuration to the backup. Owns the node's <see cref="ConfigStore"/>.
/// Master: keeps a bounded queue of committed updates and answers the backup's pulls (holding a pull while
/// there is nothing new), prepares full-transfer archives and module files and serves them in chunks.
/// Backup: pulls the updates after its revision and has the store apply them; takes a full transfer when
/// the master says incremental updates cannot do (too far behind, another identity) or an apply fails its
/// digest check; mirrors the master's modules; after any transfer, asks the coordinator for a soft restart
/// of the runtime. An independent node only keeps its store.
/// </summary>
public sealed class ConfigReplicator : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    public const string Name = "config-replicator";

    private readonly GatewaySettings _settings;
    private readonly IActorRef _coordinator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _transfersDir;
    private IActorRef _store = ActorRefs.Nobody;

    private ConfigDocument _document = ConfigDocument.Empty;
    private ModuleScan _modules = ModuleScan.Empty;
    private bool _scanning;
    private TransferSummary? _lastTransfer;
    private int _transfers;

    // ---- master ----
    private readonly UpdateQueue _queue;
    private readonly Dictionary<string, OutgoingTransfer> _outgoing = [];
    /// <summary>Pulls held until something changes, one per backup (normally there is one).</summary>
    private readonly Dictionary<IActorRef, ParkedPull> _parked = [];
    private IActorRef? _backup;
    private long? _backupRevision;
    private string? _backupModulesDigest;
    private DateTimeOffset? _backupLastPull;

    // ---- backup ----
    private readonly ActorSelection? _master;
    private IActorRef? _masterRef;
    private string _masterWebAddress = "";
    private long? _masterRevision;
    private string? _masterModulesDigest;
    // Numbers of pulls and transfers start at the time of creation: results of an earlier incarnation of
    // this actor (piped to the same Self) never match the current ones.
    private long _pullId = DateTime.UtcNow.Ticks;
    private SyncState _state = SyncState.Idle;
    private readonly Stopwatch _pullTimer = new();
    private DateTimeOffset? _lastPullAt;
    private double? _lastPullMs;
    private int _lastPullUpdates;
    private IncomingTransfer? _incoming;

    /// <summary>How long the store may take to persist one pulled batch.</summary>
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(15);

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    private enum SyncState { Idle, Pulling, Applying, Transferring }

    private enum IncomingStage { Fetching, Replacing, Installing, Restarting }

    private long _transferNumber = DateTime.UtcNow.Ticks;

    private sealed record ParkedPull(IActorRef ReplyTo, PullConfigUpdates Pull);

    /// <summary>A prepared transfer file, kept open for chunk reads until the transfer ends.</summary>
    private sealed record OutgoingTransfer(TransferOffer Offer, string FilePath, Microsoft.Win32.SafeHandles.SafeFileHandle File)
    {
        public DateTimeOffset LastUsed { get; set; } = DateTimeOffset.UtcNow;
    }

    /// <summary>What the backup is in the middle of: a full transfer, or the modules it still has to fetch.</summary>
    private sealed class IncomingTransfer(long number, TransferKind kind, string reason)
    {
        public long Number { get; } = number;
        /// <summary>The reply expected next from the store or the coordinator (they know nothing of transfer numbers).</summary>
        public IncomingStage Stage { get; set; } = IncomingStage.Fetching;
        public TransferKind Kind { get; } = kind;
        public string Reason { get; } = reason;
        public Stopwatch Elapsed { get; } = Stopwatch.StartNew();
        public long Bytes { get; set; }
        public int Refetched { get; set; }
        public int Fetched { get; set; }
        public TransferOffer? Offer { get; set; }
        public ModuleManifest? Manifest { get; set; }
        public Queue<ModuleEntry> ModulesToFetch { get; } = new();
        public string StagingDir { get; set; } = "";
        public long Revision { get; set; }
    }

    // ---- internal messages ----
    private sealed record StoreReady(ConfigDocument Document);
    private sealed record ModulesScanned(ModuleScan Scan);
    private sealed record ModulesScanFailed(string Reason);
    private sealed record ScanModules { public static readonly ScanModules Instance = new(); }
    private sealed record PullNow { public static readonly PullNow Instance = new(); }
    private sealed record PullTimedOut(long PullId);
    private sealed record ApplyTimedOut(long PullId);
    private sealed record ParkedPullDue(IActorRef Backup, long PullId);
    private sealed record SweepTransfers { public static readonly SweepTransfers Instance = new(); }
    private sealed record TransferPrepared(IActorRef ReplyTo, TransferOffer Offer, string FilePath);
    private sealed record TransferPreparationFailed(IActorRef ReplyTo, string Reason);
    // Results of a transfer's steps carry its number: one of a cancelled transfer must not act on the next.
    private sealed record ArchiveUnpacked(long Transfer, ConfigArchive.Unpacked Unpacked, string? SavedPrevious);
    private sealed record TransferStepFailed(long Transfer, string Reason);
    private sealed record ModulesInstalled(long Transfer, ModuleScan Scan);
    private sealed record TransferTimedOut(long Transfer, string Reason);

    public static Props Props(GatewaySettings settings, IActorRef coordinator, ConfigSyncMemory? memory = null) =>
        Akka.Actor.Props.Create(() => new ConfigReplicator(settings, coordinator, memory));

    public ConfigReplicator(GatewaySettings settings, IActorRef coordinator, ConfigSyncMemory? memory)
    {
        _settings = settings;
        _coordinator = coordinator;
        _lastTransfer = memory?.LastTransfer;
        _transfers = memory?.Transfers ?? 0;
        _queue = new UpdateQueue(settings.ConfigSync.MaxQueuedUpdates, settings.ConfigSync.MaxQueuedBytes);
        _transfersDir = Path.Combine(Path.GetFullPath(settings.DataDir), "transfers");
        if (settings.Role == NodeRole.Backup && settings.Redundancy.MasterAddress is { } master)
            _master = Context.ActorSelection($"akka.tcp://{Context.System.Name}@{master.Host}:{master.Port}/user/{RedundancyPaths.Guardian}/{Name}");

        Starting();
    }

    protected override void PreStart()
    {
        // Left-over transfer files of an earlier run are of no use.
        try
        {
            if (Directory.Exists(_transfersDir)) Directory.Delete(_transfersDir, recursive: true);
        }
        catch (IOException e)
        {
            _log.Warning("Could not clear {Directory}: {Reason}", _transfersDir, e.Message);
        }
        Directory.CreateDirectory(_transfersDir);

        // A store that fails to write stops; it comes back, recovering from the journal.
        _store = Context.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(
            ConfigStore.Props(_settings, Self), ConfigStore.Name,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2, -1)), ConfigStore.Name + "-supervisor");
        Context.System.EventStream.Subscribe(Self, typeof(PeerReachable));
        StartScan();
        // The backup reads its own folder too, so a module changed or removed there is noticed and mirrored again.
        if (_settings.Role != NodeRole.Independent)
            Timers.StartPeriodicTimer("scan", ScanModules.Instance, _settings.ConfigSync.ModuleScanInterval);
        if (_settings.Role == NodeRole.Master)
            Timers.StartPeriodicTimer("sweep", SweepTransfers.Instance, TimeSpan.FromSeconds(5));
    }

    protected override void PostStop()
    {
        foreach (var transfer in _outgoing.Values) transfer.File.Dispose();
        Context.System.EventStream.Unsubscribe(Self);
    }

    // ---- behaviours ----

    /// <summary>
    /// Until the store has recovered and the modules folder has been read once, everything but their news
    /// waits: a pull answered before, with no modules known yet, would have the backup delete its modules.
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
            if (_settings.Role == NodeRole.Backup) Self.Tell(PullNow.Instance);
        }
        Receive<ConfigCommitted>(committed =>
        {
            OnCommitted(committed);
            storeReady = true;
            RunWhenReady();
        });
        Receive<ModulesScanned>(scanned =>
        {
            OnModulesScanned(scanned);
            modulesRead = true;
            RunWhenReady();
        });
        Receive<ModulesScanFailed>(failed =>
        {
            OnModulesScanFailed(failed);
            Timers.StartSingleTimer("scan-retry", ScanModules.Instance, _settings.ConfigSync.PullRetryInterval);
        });
        Receive<ScanModules>(_ => StartScan());
        Receive<GetConfigSyncStatus>(_ => Sender.Tell(Status()));
        Receive<PeerReachable>(_ => { });
        // The store stashes these itself until it has recovered.
        ForwardToStore();
        ReceiveAny(_ => Stash.Stash());
    }

    private void Running()
    {
        Receive<ConfigCommitted>(OnCommitted);
        ForwardToStore();
        Receive<GetConfigSyncStatus>(_ => Sender.Tell(Status()));
        Receive<ScanModules>(_ => StartScan());
        Receive<ModulesScanned>(OnModulesScanned);
        Receive<ModulesScanFailed>(OnModulesScanFailed);
        Receive<ResyncRequested>(request => Sender.Tell(Resync(request)));

        // master
        Receive<PullConfigUpdates>(OnPull);
        Receive<ParkedPullDue>(due =>
        {
            if (_parked.TryGetValue(due.Backup, out var parked) && parked.Pull.PullId == due.PullId) AnswerParked(due.Backup);
        });
        Receive<RequestFullTransfer>(OnRequestFullTransfer);
        Receive<GetModuleManifest>(_ => Sender.Tell(_modules.Manifest));
        Receive<RequestModuleTransfer>(OnRequestModuleTransfer);
        Receive<TransferPrepared>(OnTransferPrepared);
        Receive<TransferPreparationFailed>(failed =>
        {
            _log.Warning("Transfer not prepared: {Reason}", failed.Reason);
            failed.ReplyTo.Tell(new TransferRefused(failed.Reason));
        });
        Receive<FetchChunk>(OnFetchChunk);
        Receive<TransferFinished>(finished => CloseOutgoing(finished.TransferId));
        Receive<SweepTransfers>(_ => SweepOutgoing());

        // backup
        Receive<PullNow>(_ => Pull());
        Receive<PeerReachable>(_ =>
        {
            // The master is back (or answers again): a pull held by its previous incarnation will never be answered.
            if (_settings.Role != NodeRole.Backup || _state is not (SyncState.Idle or SyncState.Pulling)) return;
            _state = SyncState.Idle;
            _masterRef = null;
            Pull();
        });
        Receive<PullTimedOut>(OnPullTimedOut);
        Receive<ApplyTimedOut>(timedOut =>
        {
            if (timedOut.PullId != _pullId || _state != SyncState.Applying) return;
            _log.Warning("The config store did not apply pulled updates within {Timeout}; pulling again", ApplyTimeout);
            _state = SyncState.Idle;
            Timers.StartSingleTimer("pull", PullNow.Instance, _settings.ConfigSync.PullRetryInterval);
        });
        Receive<ConfigUpdates>(OnUpdates);
        Receive<FullTransferRequired>(required =>
        {
            if (required.PullId != _pullId || _state != SyncState.Pulling) return;
            _masterRef = Sender;
            FinishPull(0);
            StartFullTransfer(required.Reason);
        });
        Receive<ReplicatedUpdatesApplied>(OnApplied);
        Receive<ResyncAsked>(asked => Resync(new ResyncRequested($"the master ({asked.Source})")));
        Receive<TransferOffer>(OnOffer);
        Receive<TransferRefused>(refused => FailTransfer($"the master refused: {refused.Reason}"));
        Receive<ModuleManifest>(OnMasterManifest);
        Receive<TransferReceived>(OnTransferReceived);
        Receive<TransferFailed>(failed =>
        {
            if (_incoming?.Offer?.TransferId == failed.Offer.TransferId)
                FailTransfer($"{failed.Offer.Kind.ToString().ToLowerInvariant()} transfer of {failed.Offer.Name}: {failed.Reason}");
        });
        Receive<ArchiveUnpacked>(OnArchiveUnpacked);
        Receive<ConfigReplacedAck>(OnReplaced);
        Receive<ModulesInstalled>(OnModulesInstalled);
        Receive<RuntimeRestarted>(OnRuntimeRestarted);
        Receive<TransferStepFailed>(failed =>
        {
            if (_incoming?.Number == failed.Transfer) FailTransfer(failed.Reason);
        });
        Receive<TransferTimedOut>(timedOut =>
        {
            if (_incoming?.Number == timedOut.Transfer) FailTransfer(timedOut.Reason);
        });
    }

    // ---- both roles ----

    private void OnCommitted(ConfigCommitted committed)
    {
        _document = committed.Document;
        if (_settings.Role != NodeRole.Master) return;
        foreach (var update in committed.Updates) _queue.Add(update);
        foreach (var (backup, parked) in _parked.ToList())
            if (_document.Revision > parked.Pull.AfterRevision) AnswerParked(backup);
    }

    private void StartScan()
    {
        if (_scanning) return;
        _scanning = true;
        var previous = _modules;
        var directory = _settings.ModulesDir;
        var requireSettled = _settings.Role == NodeRole.Master;
        Task.Run(() => ModuleFolder.Scan(directory, previous, requireSettled))
            .PipeTo(Self, success: scan => new ModulesScanned(scan), failure: e => new ModulesScanFailed(e.GetBaseException().Message));
    }

    private void OnModulesScanFailed(ModulesScanFailed failed)
    {
        // The last manifest stays: better slightly stale than empty (an empty one would have the backup delete its modules).
        _scanning = false;
        _log.Warning("Modules folder {Directory} not read: {Reason}", _settings.ModulesDir, failed.Reason);
    }

    private void OnModulesScanned(ModulesScanned scanned)
    {
        _scanning = false;
        var changed = scanned.Scan.Manifest.Digest != _modules.Manifest.Digest;
        _modules = scanned.Scan;
        if (changed) _log.Info("Modules: {Count} files, digest {Digest}", _modules.Manifest.Modules.Count, _modules.Manifest.Digest[..12]);
        // A held pull learns at once that the backup's modules are now out of date.
        if (changed) foreach (var backup in _parked.Keys.ToList()) AnswerParked(backup);
        // On the backup: a pull held by the master still names the old digest; send one that tells the news.
        if (changed && _settings.Role == NodeRole.Backup && _state == SyncState.Pulling)
        {
            _state = SyncState.Idle;
            Pull();
        }
    }

    private void ForwardToStore()
    {
        Receive<EditConfig>(m => _store.Forward(m));
        Receive<GetConfigDocument>(m => _store.Forward(m));
        Receive<GetRecentConfigChanges>(m => _store.Forward(m));
    }

    private ResyncResult Resync(ResyncRequested request)
    {
        switch (_settings.Role)
        {
            case NodeRole.Backup when _state == SyncState.Transferring && _incoming?.Kind == TransferKind.Full:
                return new ResyncResult(true, "a full transfer is already under way");
            case NodeRole.Backup:
                StartFullTransfer($"re-sync requested by {request.Source}");
                return new ResyncResult(true, "full transfer started");
            case NodeRole.Master when BackupIsPulling && _backup is { } backup:
                backup.Tell(new ResyncAsked(request.Source));
                return new ResyncResult(true, "the backup was asked to take a full transfer");
            case NodeRole.Master:
                return new ResyncResult(false, "no backup is pulling the configuration from this master");
            default:
                return new ResyncResult(false, "an independent node has no peer to re-sync with");
        }
    }

    private bool BackupIsPulling =>
        _backupLastPull is { } last && DateTimeOffset.UtcNow - last < _settings.ConfigSync.LongPollTimeout + TimeSpan.FromSeconds(5);

    // ---- master: pulls ----

    private void OnPull(PullConfigUpdates pull)
    {
        if (_settings.Role != NodeRole.Master) return;
        _backup = Sender;
        _backupRevision = pull.AfterRevision;
        _backupModulesDigest = pull.ModulesDigest;
        _backupLastPull = DateTimeOffset.UtcNow;
        // A new pull from the same backup replaces its held one (that one timed out on its side).
        if (_parked.Remove(Sender)) Timers.Cancel(ParkedTimerKey(Sender));

        string? fullReason = null;
        if (pull.Identity != _document.Identity)
            fullReason = pull.Identity is null
                ? "first contact: the backup has no configuration yet"
                : $"the backup's system identity {pull.Identity} differs from the master's {_document.Identity}";
        else if (pull.AfterRevision > _document.Revision)
            fullReason = $"the backup's revision {pull.AfterRevision} is ahead of the master's {_document.Revision}";
        else if (!_queue.Covers(pull.AfterRevision, _document.Revision))
            fullReason = $"too far behind: the backup is at revision {pull.AfterRevision}, the queue holds {(_queue.OldestRevision is { } oldest ? $"revisions {oldest} to {_document.Revision}" : "nothing")}";
        else if (DigestAt(pull.AfterRevision) is { } expected && pull.Digest.Length > 0 && pull.Digest != expected)
            fullReason = $"the backup's configuration at revision {pull.AfterRevision} differs from the master's (digest)";
        if (fullReason is not null)
        {
            Sender.Tell(new FullTransferRequired(pull.PullId, fullReason));
            return;
        }

        if (pull.AfterRevision < _document.Revision || pull.ModulesDigest != _modules.Manifest.Digest)
        {
            Sender.Tell(Updates(pull));
            return;
        }
        // Up to date: hold the pull until something changes (long poll), so the next edit leaves at once.
        _parked[Sender] = new ParkedPull(Sender, pull);
        Timers.StartSingleTimer(ParkedTimerKey(Sender), new ParkedPullDue(Sender, pull.PullId), _settings.ConfigSync.LongPollTimeout);
    }

    private static string ParkedTimerKey(IActorRef backup) => "parked-" + backup.Path;

    private void AnswerParked(IActorRef backup)
    {
        if (!_parked.Remove(backup, out var parked)) return;
        Timers.Cancel(ParkedTimerKey(backup));
        parked.ReplyTo.Tell(Updates(parked.Pull), Self);
    }

    /// <summary>The master's digest after <paramref name="revision"/>, when it still knows it.</summary>
    private string? DigestAt(long revision) =>
        revision == _document.Revision ? _document.Digest : _queue.DigestAfter(revision);

    private ConfigUpdates Updates(PullConfigUpdates pull)
    {
        var updates = _queue.After(pull.AfterRevision, _settings.ConfigSync.MaxUpdatesPerPull, _settings.ConfigSync.MaxPullBytes);
        return new ConfigUpdates(pull.PullId, _document.Identity ?? "", updates, _document.Revision, _modules.Manifest.Digest,
            _queue.Count, _queue.Bytes, MasterWebAddress());
    }

    /// <summary>Where operators reach this master's REST API; a wildcard bind is named by the node link's host.</summary>
    private string MasterWebAddress()
    {
        var host = _settings.Web.Hostname is "0.0.0.0" or "::" or "[::]" or "*" or "+" ? _settings.Cluster.PublicHostname : _settings.Web.Hostname;
        return $"http://{host}:{_settings.Web.Port}";
    }

    // ---- master: transfers ----

    private void OnRequestFullTransfer(RequestFullTransfer request)
    {
        if (_settings.Role != NodeRole.Master) return;
        var replyTo = Sender;
        var document = _document;
        var id = NewTransferId("full");
        var path = Path.Combine(_transfersDir, id + ".zip");
        var modulesDir = _settings.ModulesDir;
        // Only published modules: one still being copied in goes with a later module sync, once settled.
        var published = _modules.Manifest.Modules.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var chunkSize = _settings.ConfigSync.ChunkSize;
        _log.Info("Preparing a full transfer at revision {Revision} for the backup: {Reason}", document.Revision, request.Reason);
        Task.Run(() =>
        {
            var (size, sha) = ConfigArchive.Write(path, document, modulesDir, published);
            return new TransferOffer(id, TransferKind.Full, $"revision {document.Revision}", size, sha, chunkSize, ChunkCount(size, chunkSize));
        }).PipeTo(Self,
            success: offer => new TransferPrepared(replyTo, offer, path),
            failure: e => new TransferPreparationFailed(replyTo, $"archive not written: {e.GetBaseException().Message}"));
    }

    private void OnRequestModuleTransfer(RequestModuleTransfer request)
    {
        if (_settings.Role != NodeRole.Master) return;
        var replyTo = Sender;
        if (!ModuleFolder.IsModuleName(request.ModuleName))
        {
            replyTo.Tell(new TransferRefused($"'{request.ModuleName}' is not a module name"));
            return;
        }
        var source = Path.Combine(_settings.ModulesDir, request.ModuleName);
        var id = NewTransferId("module");
        var path = Path.Combine(_transfersDir, id);
        var chunkSize = _settings.ConfigSync.ChunkSize;
        // A copy, so the file sent is the one hashed even if the module is replaced meanwhile.
        Task.Run(() =>
        {
            File.Copy(source, path, overwrite: true);
            var size = new FileInfo(path).Length;
            return new TransferOffer(id, TransferKind.Module, request.ModuleName, size, ModuleFolder.HashFile(path), chunkSize, ChunkCount(size, chunkSize));
        }).PipeTo(Self,
            success: offer => new TransferPrepared(replyTo, offer, path),
            failure: e => new TransferPreparationFailed(replyTo, $"module {request.ModuleName} not readable: {e.GetBaseException().Message}"));
    }

    private void OnTransferPrepared(TransferPrepared prepared)
    {
        var handle = File.OpenHandle(prepared.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        _outgoing[prepared.Offer.TransferId] = new OutgoingTransfer(prepared.Offer, prepared.FilePath, handle);
        _log.Info("Transfer {TransferId} ready: {Size} bytes in {Chunks} chunks", prepared.Offer.TransferId, prepared.Offer.Size, prepared.Offer.ChunkCount);
        prepared.ReplyTo.Tell(prepared.Offer);
    }

    private void OnFetchChunk(FetchChunk fetch)
    {
        if (!_outgoing.TryGetValue(fetch.TransferId, out var transfer) || fetch.Index < 0 || fetch.Index >= transfer.Offer.ChunkCount) return;
        transfer.LastUsed = DateTimeOffset.UtcNow;
        var offset = (long)fetch.Index * transfer.Offer.ChunkSize;
        var data = new byte[(int)Math.Min(transfer.Offer.ChunkSize, transfer.Offer.Size - offset)];
        var read = 0;
        while (read < data.Length)
        {
            var n = RandomAccess.Read(transfer.File, data.AsSpan(read), offset + read);
            if (n == 0) break;
            read += n;
        }
        Sender.Tell(new TransferChunk(fetch.TransferId, fetch.Index, data, Convert.ToHexStringLower(SHA256.HashData(data))));
    }

    private void CloseOutgoing(string transferId)
    {
        if (!_outgoing.Remove(transferId, out var transfer)) return;
        transfer.File.Dispose();
        TryDelete(transfer.FilePath);
    }

    private void SweepOutgoing()
    {
        var idle = DateTimeOffset.UtcNow - _settings.ConfigSync.SyncTimeout;
        foreach (var id in _outgoing.Where(t => t.Value.LastUsed < idle).Select(t => t.Key).ToList())
        {
            _log.Info("Transfer {TransferId} abandoned by the backup; file removed", id);
            CloseOutgoing(id);
        }
    }

    private static int ChunkCount(long size, int chunkSize) => (int)((size + chunkSize - 1) / chunkSize);

    private static string NewTransferId(string kind) => $"{kind}-{Guid.NewGuid():N}";

    // ---- backup: pulls ----

    private void Pull()
    {
        if (_settings.Role != NodeRole.Backup || _state != SyncState.Idle || _master is null) return;
        Timers.Cancel("pull");
        _pullId++;
        _state = SyncState.Pulling;
        _pullTimer.Restart();
        var pull = new PullConfigUpdates(_pullId, _document.Identity, _document.Revision, _modules.Manifest.Digest, _settings.NodeName, _document.Digest);
        Master().Tell(pull, Self);
        // The master holds an up-to-date pull for the long-poll time: allow that, and the link, before giving up.
        Timers.StartSingleTimer("pull-timeout", new PullTimedOut(_pullId), _settings.ConfigSync.LongPollTimeout + TimeSpan.FromSeconds(3));
    }

    private void OnPullTimedOut(PullTimedOut timedOut)
    {
        if (timedOut.PullId != _pullId || _state != SyncState.Pulling) return;
        _state = SyncState.Idle;
        // The master may have restarted: look it up again by address.
        _masterRef = null;
        Timers.StartSingleTimer("pull", PullNow.Instance, _settings.ConfigSync.PullRetryInterval);
    }

    private void FinishPull(int updates)
    {
        Timers.Cancel("pull-timeout");
        _lastPullAt = DateTimeOffset.UtcNow;
        _lastPullMs = _pullTimer.Elapsed.TotalMilliseconds;
        _lastPullUpdates = updates;
        _state = SyncState.Idle;
    }

    private void OnUpdates(ConfigUpdates updates)
    {
        if (updates.PullId != _pullId || _state != SyncState.Pulling) return;
        _masterRef = Sender;
        _masterRevision = updates.MasterRevision;
        _masterModulesDigest = updates.ModulesDigest;
        _masterWebAddress = updates.MasterWebAddress;
        FinishPull(updates.Updates.Count);
        if (updates.Updates.Count > 0)
        {
            _state = SyncState.Applying;
            _store.Tell(new ApplyReplicatedUpdates(updates.Identity, updates.Updates, _pullId));
            // A store restarting after a failed write never answers: pull again later rather than wait forever.
            Timers.StartSingleTimer("apply-timeout", new ApplyTimedOut(_pullId), ApplyTimeout);
            return;
        }
        AfterUpToDate();
    }

    private void OnApplied(ReplicatedUpdatesApplied applied)
    {
        if (_state != SyncState.Applying || applied.Batch != _pullId) return;
        Timers.Cancel("apply-timeout");
        _state = SyncState.Idle;
        if (!applied.Consistent)
        {
            StartFullTransfer($"an incremental update failed its consistency check: {applied.Problem}");
            return;
        }
        if (_masterRevision > applied.Revision)
        {
            Pull();
            return;
        }
        AfterUpToDate();
    }

    /// <summary>Configuration is current: fetch the modules if they differ, else pull again (held by the master).</summary>
    private void AfterUpToDate()
    {
        if (_masterModulesDigest is { } digest && digest != _modules.Manifest.Digest)
        {
            StartModuleSync();
            return;
        }
        Pull();
    }

    // ---- backup: transfers ----

    private void StartFullTransfer(string reason)
    {
        if (_settings.Role != NodeRole.Backup || _master is null) return;
        CancelIncoming();
        _pullId++; // a pull still under way is answered into the void
        Timers.Cancel("pull-timeout");
        Timers.Cancel("pull");
        _state = SyncState.Transferring;
        _incoming = new IncomingTransfer(++_transferNumber, TransferKind.Full, reason);
        _log.Info("Full transfer requested from the master: {Reason}", reason);
        Master().Tell(new RequestFullTransfer(reason), Self);
        AwaitStep("the master's archive");
    }

    private void StartModuleSync()
    {
        _state = SyncState.Transferring;
        _incoming = new IncomingTransfer(++_transferNumber, TransferKind.Module, "the master's modules differ from this node's");
        Master().Tell(GetModuleManifest.Instance, Self);
        AwaitStep("the master's module list");
    }

    /// <summary>
    /// Waits at most sync-timeout for the master or the store to do their part. Fetching has its own limits
    /// (chunk-timeout, chunk-retries) and the local steps after it are not cut short.
    /// </summary>
    private void AwaitStep(string what) =>
        Timers.StartSingleTimer("transfer-timeout", new TransferTimedOut(_transferNumber,
            $"{what} did not come within {_settings.ConfigSync.SyncTimeout.TotalSeconds:F0} s (sync-timeout)"), _settings.ConfigSync.SyncTimeout);

    private void StepDone() => Timers.Cancel("transfer-timeout");

    private ICanTell Master() => _masterRef is { } master ? master : _master!;

    private void OnMasterManifest(ModuleManifest manifest)
    {
        if (_incoming is not { Kind: TransferKind.Module } incoming || incoming.Manifest is not null) return;
        StepDone();
        incoming.Manifest = manifest;
        incoming.StagingDir = Path.Combine(_transfersDir, "modules-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(incoming.StagingDir);
        var local = _modules.Hashed;
        foreach (var module in manifest.Modules)
        {
            if (!local.TryGetValue(module.Name, out var mine) || mine.Sha256 != module.Sha256) incoming.ModulesToFetch.Enqueue(module);
        }
        FetchNextModule();
    }

    private void FetchNextModule()
    {
        if (_incoming is not { } incoming) return;
        if (incoming.ModulesToFetch.TryPeek(out var next))
        {
            Master().Tell(new RequestModuleTransfer(next.Name), Self);
            AwaitStep($"the master's offer of module {next.Name}");
            return;
        }
        InstallModules(incoming);
    }

    /// <summary>Moves the staged (verified) modules in and removes the ones the master does not have.</summary>
    private void InstallModules(IncomingTransfer incoming)
    {
        var number = incoming.Number;
        var staging = incoming.StagingDir;
        var manifest = incoming.Manifest!;
        var modulesDir = _settings.ModulesDir;
        var previous = _modules;
        Task.Run(() =>
        {
            ModuleFolder.Install(modulesDir, staging, manifest, removeOthers: true);
            return ModuleFolder.Scan(modulesDir, previous);
        }).PipeTo(Self, success: scan => new ModulesInstalled(number, scan),
            failure: e => new TransferStepFailed(number, $"modules not installed: {e.GetBaseException().Message}"));
    }

    private void OnOffer(TransferOffer offer)
    {
        if (_incoming is not { } incoming || offer.Kind != incoming.Kind || incoming.Offer is not null) return;
        StepDone();
        if (incoming.Kind == TransferKind.Module && (!incoming.ModulesToFetch.TryPeek(out var expected) || expected.Name != offer.Name)) return;
        incoming.Offer = offer;
        var target = Path.Combine(_transfersDir, offer.TransferId + ".part");
        Context.ActorOf(TransferReceiver.Props(offer, Sender, target, _settings.ConfigSync), "receive-" + offer.TransferId);
    }

    private void OnTransferReceived(TransferReceived received)
    {
        if (_incoming is not { } incoming || incoming.Offer?.TransferId != received.Offer.TransferId) return;
        Master().Tell(new TransferFinished(received.Offer.TransferId), Self);
        incoming.Bytes += received.Offer.Size;
        incoming.Refetched += received.RefetchedChunks;
        if (received.RefetchedChunks > 0)
            _log.Warning("Transfer {TransferId}: {Chunks} chunks had to be fetched again", received.Offer.TransferId, received.RefetchedChunks);

        if (incoming.Kind == TransferKind.Module)
        {
            var module = incoming.ModulesToFetch.Dequeue();
            if (received.Offer.Sha256 != module.Sha256)
            {
                FailTransfer($"module {module.Name} changed on the master during the transfer");
                return;
            }
            File.Move(received.FilePath, Path.Combine(incoming.StagingDir, module.Name), overwrite: true);
            incoming.Fetched++;
            incoming.Offer = null;
            FetchNextModule();
            return;
        }

        var staging = Path.Combine(_transfersDir, "staging-" + received.Offer.TransferId);
        var path = received.FilePath;
        var number = incoming.Number;
        incoming.StagingDir = staging;
        var current = _document;
        var modulesDir = _settings.ModulesDir;
        var savedDir = Path.Combine(Path.GetFullPath(_settings.DataDir), "config-saved");
        Task.Run(() =>
        {
            var unpacked = ConfigArchive.Read(path, staging);
            // A configuration of another system is about to be replaced (a master started on an empty store,
            // or pointed at the wrong pair): keep a copy, it may be the only one left.
            string? saved = null;
            if (current.Identity is { } identity && identity != unpacked.Document.Identity)
            {
                Directory.CreateDirectory(savedDir);
                saved = Path.Combine(savedDir, $"config-{identity}-r{current.Revision}-{DateTime.UtcNow:yyyyMMddTHHmmss}.zip");
                ConfigArchive.Write(saved, current, modulesDir);
            }
            return new ArchiveUnpacked(number, unpacked, saved);
        }).PipeTo(Self, failure: e => new TransferStepFailed(number, $"the archive is not usable: {e.GetBaseException().Message}"));
    }

    private void OnArchiveUnpacked(ArchiveUnpacked unpacked)
    {
        if (_incoming is not { Kind: TransferKind.Full } incoming || incoming.Number != unpacked.Transfer) return;
        incoming.Manifest = unpacked.Unpacked.Modules;
        if (unpacked.SavedPrevious is { } saved)
        {
            _log.Warning("The configuration of system {Identity} (revision {Revision}) is replaced by another system's; a copy is kept in {Path}",
                _document.Identity, _document.Revision, saved);
            _coordinator.Tell(new AppendRedundancyEvent("config-saved",
                $"the configuration of system {_document.Identity} at revision {_document.Revision} was saved to {saved} before the master's (system {unpacked.Unpacked.Document.Identity}) replaced it"));
        }
        incoming.Stage = IncomingStage.Replacing;
        AwaitStep("the config store's replacement");
        _store.Tell(new ReplaceConfig(unpacked.Unpacked.Document, incoming.Reason));
    }

    private void OnReplaced(ConfigReplacedAck replaced)
    {
        if (_incoming is not { Kind: TransferKind.Full, Stage: IncomingStage.Replacing } incoming) return;
        StepDone();
        incoming.Stage = IncomingStage.Installing;
        incoming.Revision = replaced.Revision;
        // The archive was the master's configuration a moment ago (possibly of a new identity at a lower
        // revision); the next pull says whether it has moved on since.
        _masterRevision = replaced.Revision;
        InstallModules(incoming);
    }

    private void OnModulesInstalled(ModulesInstalled installed)
    {
        if (_incoming is not { } incoming || incoming.Number != installed.Transfer) return;
        _modules = installed.Scan;
        if (incoming.Manifest is { } wanted && _modules.Manifest.Digest != wanted.Digest)
        {
            // Without this, a file that cannot be replaced would make every pull start the same transfer again.
            FailTransfer("the modules folder still differs from the master's after the install (a file locked or changed meanwhile?)");
            return;
        }
        // The folder now matches the master's list of a moment ago; the next pull says if it moved on.
        if (incoming.Manifest is { } mirrored) _masterModulesDigest = mirrored.Digest;
        if (incoming.Kind == TransferKind.Module) incoming.Revision = _document.Revision;
        incoming.Stage = IncomingStage.Restarting;
        _coordinator.Tell(new RestartRuntime(Describe(incoming), incoming.Revision, incoming.Number));
    }

    private void OnRuntimeRestarted(RuntimeRestarted restarted)
    {
        if (_incoming is not { Stage: IncomingStage.Restarting } incoming || restarted.RequestId != incoming.Number) return;
        Timers.Cancel("transfer-timeout");
        var elapsed = incoming.Elapsed.Elapsed.TotalMilliseconds;
        _lastTransfer = new TransferSummary(incoming.Kind, incoming.Reason, incoming.Bytes, elapsed, DateTimeOffset.UtcNow, incoming.Revision);
        _transfers++;
        var kind = incoming.Kind == TransferKind.Full ? "config-full-transfer" : "config-module-transfer";
        _coordinator.Tell(new AppendRedundancyEvent(kind,
            $"{Describe(incoming)}; {incoming.Bytes} bytes, {incoming.Refetched} chunks fetched again, soft restart {restarted.DurationMs:F0} ms",
            elapsed));
        CleanStaging(incoming);
        _incoming = null;
        _state = SyncState.Idle;
        Pull();
    }

    private static string Describe(IncomingTransfer incoming) => incoming.Kind == TransferKind.Full
        ? $"full transfer to revision {incoming.Revision} ({incoming.Reason})"
        : $"modules mirrored: {incoming.Fetched} of the master's {incoming.Manifest?.Modules.Count ?? 0} fetched ({incoming.Reason})";

    private void FailTransfer(string reason)
    {
        if (_incoming is not { } incoming) return;
        _log.Warning("Configuration transfer failed: {Reason}", reason);
        _coordinator.Tell(new AppendRedundancyEvent("config-transfer-failed", $"{incoming.Kind.ToString().ToLowerInvariant()} transfer ({incoming.Reason}) failed: {reason}"));
        CancelIncoming();
        _state = SyncState.Idle;
        _masterRef = null;
        Timers.StartSingleTimer("pull", PullNow.Instance, _settings.ConfigSync.PullRetryInterval);
    }

    private void CancelIncoming()
    {
        Timers.Cancel("transfer-timeout");
        if (_incoming is not { } incoming) return;
        foreach (var child in Context.GetChildren().Where(c => c.Path.Name.StartsWith("receive-", StringComparison.Ordinal))) Context.Stop(child);
        if (incoming.Offer is { } offer) Master().Tell(new TransferFinished(offer.TransferId), Self);
        CleanStaging(incoming);
        _incoming = null;
    }

    private void CleanStaging(IncomingTransfer incoming)
    {
        if (incoming.StagingDir.Length > 0 && Directory.Exists(incoming.StagingDir))
        {
            try { Directory.Delete(incoming.StagingDir, recursive: true); }
            catch (IOException) { }
        }
        if (incoming.Offer is { } offer) TryDelete(Path.Combine(_transfersDir, offer.TransferId + ".part"));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }

    private ConfigSyncStatus Status()
    {
        var state = _settings.Role switch
        {
            NodeRole.Independent => "independent",
            NodeRole.Master => BackupIsPulling
                ? (_backupRevision != _document.Revision ? "backup-behind"
                    : _backupModulesDigest != _modules.Manifest.Digest ? "backup-modules-differ" : "backup-in-sync")
                : "no-backup",
            _ => _state switch
            {
                SyncState.Transferring => _incoming?.Kind == TransferKind.Full ? "full-transfer" : "module-transfer",
                SyncState.Applying => "applying",
                _ when _masterRevision is null => "never-synced",
                _ when _lastPullAt is { } at && DateTimeOffset.UtcNow - at > _settings.ConfigSync.LongPollTimeout + TimeSpan.FromSeconds(5) => "master-unreachable",
                _ when _masterRevision != _document.Revision => "behind",
                _ => _masterModulesDigest is null || _masterModulesDigest == _modules.Manifest.Digest ? "in-sync" : "modules-differ",
            },
        };
        var peerRevision = _settings.Role == NodeRole.Master ? _backupRevision : _masterRevision;
        return new ConfigSyncStatus(_document.Identity, _document.Revision, _document.Digest, peerRevision, state,
            _settings.Role == NodeRole.Master ? _backupLastPull : _lastPullAt,
            _lastPullMs, _lastPullUpdates, _queue.Count, _queue.Bytes, _queue.OldestRevision,
            _modules.Manifest.Digest, _modules.Manifest.Modules.Count, _lastTransfer, _transfers, _masterWebAddress);
    }
}
