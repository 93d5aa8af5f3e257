using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// The backup's side of replication (a child of <see cref="ConfigReplicator"/>): pulls the updates after its
/// revision from the master and has the store apply them; takes a full transfer when the master says
/// incremental updates cannot do (too far behind, another identity) or an apply fails its digest check;
/// mirrors the master's modules; after any transfer, asks the coordinator to restart the runtime subsystems.
/// Each stage is a behaviour: idle, pulling, applying, and the transfer stages (fetching the archive or the
/// modules, replacing the configuration, installing the modules, restarting the runtime).
/// </summary>
public sealed partial class ConfigFollower : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    public const string Name = "follower";

    private readonly ConfigSyncSettings _sync;
    private readonly ReplicationNode _node;
    private readonly IActorRef _store;
    private readonly IActorRef _coordinator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ActorSelection? _master;
    private IActorRef _watcher = ActorRefs.Nobody;
    private IActorRef _archiveServer = ActorRefs.Nobody;
    private IActorRef? _masterRef;
    private string _masterWebAddress = "";
    private long? _masterRevision;
    private string? _masterModulesDigest;

    private ConfigDocument _document = ConfigDocument.Empty;
    private ModuleScan _modules = ModuleScan.Empty;
    private TransferSummary? _lastTransfer;
    private int _transfers;

    // Numbers of pulls and transfers start at the time of creation: results of an earlier incarnation of
    // this actor (piped to the same Self) never match the current ones.
    private long _pullId = DateTime.UtcNow.Ticks;
    private long _transferNumber = DateTime.UtcNow.Ticks;
    /// <summary>The current behaviour's name, for the status and for the rules that depend on it.</summary>
    private SyncState _state = SyncState.Idle;
    private readonly Stopwatch _pullTimer = new();
    private DateTimeOffset? _lastPullAt;
    private double? _lastPullMs;
    private int _lastPullUpdates;
    private IncomingTransfer? _incoming;

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    private enum SyncState { Idle, Pulling, Applying, Transferring }

    private sealed record PullNow { public static readonly PullNow Instance = new(); }
    private sealed record PullTimedOut(long PullId);
    private sealed record ApplyTimedOut(long PullId);
    private sealed record ArchiveUnpacked(long Transfer, ConfigArchive.Unpacked Unpacked, string? SavedPrevious);
    private sealed record TransferStepFailed(long Transfer, string Reason);
    private sealed record ModulesInstalled(long Transfer, ModuleScan Scan);
    private sealed record TransferTimedOut(long Transfer, string Reason);

    /// <param name="store">
    /// the node's config store, which applies what is pulled and replaced. Asked on behalf of the parent: its
    /// answer then comes through the parent like its <see cref="ConfigCommitted"/> told just before, so the
    /// follower knows the new document when the answer arrives (a pull sent with the old revision would fail
    /// the next apply's checks and cost a full transfer).
    /// </param>
    /// <param name="coordinator">told the events and asked for the runtime restart after a transfer.</param>
    public static Props Props(ConfigSyncSettings sync, ReplicationNode node, IActorRef store, IActorRef coordinator, ConfigSyncMemory? memory) =>
        Akka.Actor.Props.Create(() => new ConfigFollower(sync, node, store, coordinator, memory));

    public ConfigFollower(ConfigSyncSettings sync, ReplicationNode node, IActorRef store, IActorRef coordinator, ConfigSyncMemory? memory)
    {
        _sync = sync;
        _node = node;
        _store = store;
        _coordinator = coordinator;
        _lastTransfer = memory?.LastTransfer;
        _transfers = memory?.Transfers ?? 0;
        // The master's replicator, at the same path as this node's (ConfigReplicator.Name under the guardian).
        if (node.MasterAddress is { } master)
            _master = Context.ActorSelection(RedundancyPaths.ConfigReplicatorPath(Context.System.Name, master));
        Starting();
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new TransferChildStrategy(child => child.Equals(_incoming?.Receiver));

    protected override void PreStart()
    {
        // The backup reads its own folder too, so a module changed or removed there is noticed and mirrored again.
        _watcher = Context.ActorOf(ModuleWatcher.Props(_node.ModulesDir, requireSettled: false, _sync.ModuleScanInterval, _sync.PullRetryInterval), ModuleWatcher.Name);
        _archiveServer = Context.ActorOf(ConfigArchiveServer.Props(_sync, _node), ConfigArchiveServer.Name);
        Context.System.EventStream.Subscribe(Self, typeof(PeerReachable));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    // ---- behaviours ----

    /// <summary>
    /// Until the store has recovered and the modules folder has been read once, everything but their news
    /// waits: a pull sent before would name no modules, and the master's answer would have them deleted.
    /// </summary>
    private void Starting()
    {
        var storeReady = false;
        var modulesRead = false;
        void RunWhenReady()
        {
            if (!storeReady || !modulesRead) return;
            Go(SyncState.Idle, Idle);
            Stash.UnstashAll();
            Self.Tell(PullNow.Instance);
        }
        Receive<ConfigCommitted>(committed =>
        {
            _document = committed.Document;
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
        Receive<PeerReachable>(_ => { });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Go(SyncState state, Action behaviour)
    {
        _state = state;
        Become(behaviour);
    }

    /// <summary>What every running stage handles.</summary>
    private void Common()
    {
        Receive<ConfigCommitted>(committed => _document = committed.Document);
        Receive<ModulesChanged>(OnModulesChanged);
        Receive<GetConfigSyncStatus>(_ => Sender.Tell(Status()));
        Receive<ResyncRequested>(request => Sender.Tell(Resync(request)));
        Receive<ResyncAsked>(asked => Resync(new ResyncRequested($"the master ({asked.Source})")));
        // A master whose store is older than this node's takes this node's configuration (AuthorityRules).
        Receive<RequestFullTransfer>(request => _archiveServer.Forward(new ConfigArchiveServer.ServeConfiguration(_document, request.Reason)));
    }

    private void Idle()
    {
        Common();
        Receive<PullNow>(_ => Pull());
        Receive<PeerReachable>(_ => OnPeerReachable());
        Receive<Terminated>(_ => { });   // a receiver that already reported
    }

    private void Pulling()
    {
        Common();
        Receive<PeerReachable>(_ => OnPeerReachable());
        Receive<ConfigUpdates>(OnUpdates);
        Receive<FullTransferRequired>(required =>
        {
            if (required.PullId != _pullId) return;
            _masterRef = Sender;
            FinishPull(0);
            StartFullTransfer(required.Reason);
        });
        Receive<PullTimedOut>(timedOut =>
        {
            if (timedOut.PullId != _pullId) return;
            Go(SyncState.Idle, Idle);
            // The master may have restarted: look it up again by address.
            _masterRef = null;
            Timers.StartSingleTimer("pull", PullNow.Instance, _sync.PullRetryInterval);
        });
        Receive<Terminated>(_ => { });
    }

    private void Applying()
    {
        Common();
        Receive<ReplicatedUpdatesApplied>(OnApplied);
        Receive<ApplyTimedOut>(timedOut =>
        {
            if (timedOut.PullId != _pullId) return;
            _log.Warning("The config store did not apply pulled updates within {Timeout}; pulling again", _sync.ApplyTimeout);
            Go(SyncState.Idle, Idle);
            Timers.StartSingleTimer("pull", PullNow.Instance, _sync.PullRetryInterval);
        });
        Receive<Terminated>(_ => { });
    }

    // ---- both: modules, re-sync ----

    private void OnModulesChanged(ModulesChanged changed)
    {
        var news = changed.Scan.Manifest.Digest != _modules.Manifest.Digest;
        _modules = changed.Scan;
        // A pull held by the master still names the old digest; send one that tells the news.
        if (news && _state == SyncState.Pulling)
        {
            Go(SyncState.Idle, Idle);
            Pull();
        }
    }

    private void OnPeerReachable()
    {
        // The master is back (or answers again): a pull held by its previous incarnation will never be answered.
        Go(SyncState.Idle, Idle);
        _masterRef = null;
        Pull();
    }

    private ResyncResult Resync(ResyncRequested request)
    {
        if (_state == SyncState.Transferring && _incoming?.Kind == TransferKind.Full)
            return new ResyncResult(true, "a full transfer is already under way");
        StartFullTransfer($"re-sync requested by {request.Source}");
        return new ResyncResult(true, "full transfer started");
    }

    // ---- pulls ----

    private void Pull()
    {
        if (_state != SyncState.Idle || _master is null) return;
        Timers.Cancel("pull");
        _pullId++;
        Go(SyncState.Pulling, Pulling);
        _pullTimer.Restart();
        var pull = new PullConfigUpdates(_pullId, _document.Identity, _document.Revision, _modules.Manifest.Digest, _node.NodeName, _document.Digest, _node.WebAddress);
        Master().Tell(pull, Self);
        // The master holds an up-to-date pull for the long-poll time: allow that, and the link, before giving up.
        Timers.StartSingleTimer("pull-timeout", new PullTimedOut(_pullId), _sync.LongPollTimeout + _sync.PullTimeoutMargin);
    }

    private ICanTell Master() => _masterRef is { } master ? master : _master!;

    private void FinishPull(int updates)
    {
        Timers.Cancel("pull-timeout");
        _lastPullAt = DateTimeOffset.UtcNow;
        _lastPullMs = _pullTimer.Elapsed.TotalMilliseconds;
        _lastPullUpdates = updates;
        Go(SyncState.Idle, Idle);
    }

    private void OnUpdates(ConfigUpdates updates)
    {
        if (updates.PullId != _pullId) return;
        _masterRef = Sender;
        _masterRevision = updates.MasterRevision;
        _masterModulesDigest = updates.ModulesDigest;
        _masterWebAddress = updates.MasterWebAddress;
        FinishPull(updates.Updates.Count);
        if (updates.Updates.Count > 0)
        {
            Go(SyncState.Applying, Applying);
            _store.Tell(new ApplyReplicatedUpdates(updates.Identity, updates.Updates, _pullId), Context.Parent);
            // A store restarting after a failed write never answers: pull again later rather than wait forever.
            Timers.StartSingleTimer("apply-timeout", new ApplyTimedOut(_pullId), _sync.ApplyTimeout);
            return;
        }
        AfterUpToDate();
    }

    private void OnApplied(ReplicatedUpdatesApplied applied)
    {
        if (applied.Batch != _pullId) return;
        Timers.Cancel("apply-timeout");
        Go(SyncState.Idle, Idle);
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

    private ConfigSyncStatus Status()
    {
        var state = _state switch
        {
            SyncState.Transferring => _incoming?.Kind == TransferKind.Full ? "full-transfer" : "module-transfer",
            SyncState.Applying => "applying",
            _ when _masterRevision is null => "never-synced",
            _ when _lastPullAt is { } at && DateTimeOffset.UtcNow - at > _sync.LongPollTimeout + _sync.PeerSilenceMargin => "master-unreachable",
            _ when _masterRevision != _document.Revision => "behind",
            _ => _masterModulesDigest is null || _masterModulesDigest == _modules.Manifest.Digest ? "in-sync" : "modules-differ",
        };
        return new ConfigSyncStatus(_document.Identity, _document.Revision, _document.Digest, _masterRevision, state,
            _lastPullAt, _lastPullMs, _lastPullUpdates, 0, 0, null,
            _modules.Manifest.Digest, _modules.Manifest.Modules.Count, _lastTransfer, _transfers, _masterWebAddress,
            PeerWebAddress: _masterWebAddress);
    }
}
