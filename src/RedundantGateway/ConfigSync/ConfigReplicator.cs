using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using RedundantGateway.Redundancy;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// Configuration replication of one node, at the fixed path the peer sends to
/// (<c>/user/redundancy/config-replicator</c>). Owns the node's <see cref="ConfigStore"/> and the actor of
/// the node's role: a <see cref="ConfigPublisher"/> on the master, a <see cref="ConfigFollower"/> on the
/// backup. Edits and reads go to the store; everything else (the peer's messages, the status and re-sync
/// asks, the store's commits) is forwarded to the role actor, which answers the sender directly. An
/// independent node only keeps its store and reads its modules folder once, for the status.
/// </summary>
public sealed class ConfigReplicator : ReceiveActor
{
    public const string Name = "config-replicator";

    private readonly ConfigSyncSettings _sync;
    private readonly ConfigStoreSettings _storeSettings;
    private readonly ReplicationNode _node;
    private readonly IActorRef _coordinator;
    private readonly ConfigSyncMemory? _memory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _store = ActorRefs.Nobody;
    private IActorRef? _role;
    /// <summary>The master's: edits go through it, so they can wait for the backup (config-sync.acknowledge).</summary>
    private IActorRef? _acknowledger;
    private ConfigStoreHealth _storeHealth = ConfigStoreHealth.Ok;
    /// <summary>Between a failed write and the store's recovery: edits are answered here at once (the store is not there).</summary>
    private bool _storeDown;
    /// <summary>Why the master refuses edits now (its publisher says: see AuthorityRules), null when it takes them.</summary>
    private string? _editsRefused;

    // An independent node's view, for its status.
    private ConfigDocument _document = ConfigDocument.Empty;
    private ModuleScan _modules = ModuleScan.Empty;

    /// <param name="coordinator">the node's coordinator: events and runtime restarts after a transfer.</param>
    /// <param name="memory">the transfer history a rebuild of the actor system carries over.</param>
    public static Props Props(ConfigSyncSettings sync, ConfigStoreSettings store, ReplicationNode node, IActorRef coordinator, ConfigSyncMemory? memory) =>
        Akka.Actor.Props.Create(() => new ConfigReplicator(sync, store, node, coordinator, memory));

    public ConfigReplicator(ConfigSyncSettings sync, ConfigStoreSettings store, ReplicationNode node, IActorRef coordinator, ConfigSyncMemory? memory)
    {
        _sync = sync;
        _storeSettings = store;
        _node = node;
        _coordinator = coordinator;
        _memory = memory;

        // The store stashes these itself until it has recovered.
        Receive<EditConfig>(OnEdit);
        Receive<ConfigEditsGate>(gate => _editsRefused = gate.Refusal);
        Receive<GetConfigDocument>(m => _store.Forward(m));
        Receive<GetRecentConfigChanges>(m => _store.Forward(m));
        Receive<ConfigStoreFailed>(OnStoreFailed);
        Receive<GetConfigEditHealth>(_ =>
        {
            if (_acknowledger is { } acknowledger) acknowledger.Forward(new GetAcknowledgeStatus(_storeHealth));
            else Sender.Tell(new ConfigEditHealth(_storeHealth, null));
        });
        // The publisher's news of the backup's pulls, for the acknowledger.
        Receive<BackupProgress>(progress => _acknowledger?.Forward(progress));
        Receive<ConfigCommitted>(committed =>
        {
            OnStoreCommitted(committed);
            if (_role is { } role) role.Forward(committed);
            else _document = committed.Document;
        });
        if (node.Role == NodeRole.Independent)
        {
            Receive<ModulesChanged>(changed => _modules = changed.Scan);
            Receive<GetConfigSyncStatus>(_ => Sender.Tell(IndependentStatus()));
            Receive<ResyncRequested>(_ => Sender.Tell(new ResyncResult(false, "an independent node has no peer to re-sync with")));
        }
        else
        {
            ReceiveAny(m => _role!.Forward(m));
        }
    }

    /// <summary>
    /// A failing child restarts all of them, as the one replicator once restarted whole: the store recovers
    /// again and its first commit (with the journal's recent updates) brings the new role actor up to date.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new AllForOneStrategy(Decider.From(Directive.Restart));

    protected override void PreStart()
    {
        // Left-over transfer files of an earlier run are of no use.
        try
        {
            if (Directory.Exists(_node.TransfersDir)) Directory.Delete(_node.TransfersDir, recursive: true);
        }
        catch (IOException e)
        {
            _log.Warning("Could not clear {Directory}: {Reason}", _node.TransfersDir, e.Message);
        }
        Directory.CreateDirectory(_node.TransfersDir);

        // A store that fails to write stops; it comes back, recovering from the journal.
        _store = Context.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(
            ConfigStore.Props(_storeSettings, _sync, acceptsEdits: _node.Role != NodeRole.Backup, Self,
                ConfigStorePersistence.Location(_storeSettings, _node.DataDir)), ConfigStore.Name,
            _sync.StoreRestartMinBackoff, _sync.StoreRestartMaxBackoff, 0.2, -1)), ConfigStore.Name + "-supervisor");
        _role = _node.Role switch
        {
            NodeRole.Master => Context.ActorOf(ConfigPublisher.Props(_sync, _node, _store, _coordinator, _memory), ConfigPublisher.Name),
            NodeRole.Backup => Context.ActorOf(ConfigFollower.Props(_sync, _node, _store, _coordinator, _memory), ConfigFollower.Name),
            _ => null,
        };
        if (_node.Role == NodeRole.Master)
            _acknowledger = Context.ActorOf(EditAcknowledger.Props(_sync, _store, _coordinator), EditAcknowledger.Name);
        if (_role is null)
            Context.ActorOf(ModuleWatcher.Props(_node.ModulesDir, requireSettled: false, interval: null, _sync.PullRetryInterval), ModuleWatcher.Name);
    }

    private void OnEdit(EditConfig edit)
    {
        if (_editsRefused is { } why)
        {
            Sender.Tell(new EditResult(EditOutcome.Refused, 0, $"edits are refused on this master: {why}"));
            return;
        }
        // The store is stopped until its back-off ends: answer now with what failed, rather than let the edit time out.
        if (_storeDown && _storeHealth.Problem is { } problem)
        {
            Sender.Tell(new EditResult(_storeHealth.DiskFull ? EditOutcome.DiskFull : EditOutcome.StoreFailed, 0, problem));
            return;
        }
        (_acknowledger ?? _store).Forward(edit);
    }

    private void OnStoreFailed(ConfigStoreFailed failed)
    {
        _storeDown = true;
        var first = !_storeHealth.Failing || _storeHealth.Problem != failed.Problem;
        _storeHealth = new ConfigStoreHealth(true, failed.Problem, failed.DiskFull, _storeHealth.Since ?? failed.At);
        if (first) _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigStoreFailing, failed.Problem));
    }

    private void OnStoreCommitted(ConfigCommitted committed)
    {
        _storeDown = false;
        // A recovery writes nothing: the store is healthy again only once a write has succeeded.
        if (committed.AfterRecovery || !_storeHealth.Failing) return;
        _log.Info("Config store writes again (it failed since {Since}: {Problem})", _storeHealth.Since, _storeHealth.Problem);
        _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigStoreRecovered,
            $"the config store writes again (failing since {_storeHealth.Since:HH:mm:ss}: {_storeHealth.Problem})"));
        _storeHealth = ConfigStoreHealth.Ok;
    }

    private ConfigSyncStatus IndependentStatus() =>
        new(_document.Identity, _document.Revision, _document.Digest, null, "independent", null, null, 0, 0, 0, null,
            _modules.Manifest.Digest, _modules.Manifest.Modules.Count, _memory?.LastTransfer, _memory?.Transfers ?? 0, "");
}
