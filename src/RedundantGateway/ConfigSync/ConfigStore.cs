using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// The node's configuration, event-sourced (Akka.Persistence.Sql). On the master (and an independent node)
/// it accepts operators' edits, each the next revision, and creates the system identity on first start; on
/// the backup it only takes what the master sends: pulled updates, checked against the master's digest,
/// or a whole configuration from a full transfer. Every persisted change is told to <c>listener</c>.
/// </summary>
public sealed class ConfigStore : ReceivePersistentActor, IWithTimers
{
    public const string Name = "config-store";

    /// <summary>One configuration per node and per database.</summary>
    public const string Id = "redundant-gateway-config";

    private readonly ConfigStoreSettings _settings;
    private readonly ConfigSyncSettings _sync;
    private readonly bool _acceptsEdits;
    private readonly IActorRef _listener;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<ConfigChangeRecord> _changes = new();
    private readonly List<ConfigUpdate> _replayed = [];
    private readonly string _location;

    /// <summary>Operators' edits being written, by revision: answered at once if the write fails.</summary>
    private readonly Dictionary<long, IActorRef> _writing = [];

    /// <summary>What is persisted: served to readers and replicated.</summary>
    private ConfigDocument _committed = ConfigDocument.Empty;

    /// <summary>Committed plus edits still being written: the base for the next edit's revision.</summary>
    private ConfigDocument _pending = ConfigDocument.Empty;

    private bool _recovered;
    private int _changesSinceSnapshot;
    private long? _compactUpTo;
    private DateTime _lastChangeAt = DateTime.MinValue;

    private sealed record CompactJournal
    {
        public static readonly CompactJournal Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="acceptsEdits">false on the backup: it takes only what comes from the master.</param>
    /// <param name="location">where the store keeps its data (see <see cref="ConfigStorePersistence.Location"/>), named in write failures.</param>
    public static Props Props(ConfigStoreSettings settings, ConfigSyncSettings sync, bool acceptsEdits, IActorRef listener, string location = "") =>
        Akka.Actor.Props.Create(() => new ConfigStore(settings, sync, acceptsEdits, listener, location));

    public override string PersistenceId => Id;

    private bool AcceptsEdits => _acceptsEdits;

    public ConfigStore(ConfigStoreSettings settings, ConfigSyncSettings sync, bool acceptsEdits, IActorRef listener, string location = "")
    {
        _location = location.Length > 0 ? location : "the config store";
        _settings = settings;
        _sync = sync;
        _acceptsEdits = acceptsEdits;
        _listener = listener;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is ConfigStoreSnapshot snapshot)
                _committed = ConfigDocument.From(snapshot.Identity, snapshot.Revision, snapshot.Resources);
            _replayed.Clear();
        });
        Recover<ConfigIdentityCreated>(e => _committed = _committed.WithIdentity(e.Identity));
        Recover<ConfigResourceChanged>(e =>
        {
            _committed = _committed.Apply(e.Revision, e.Path, e.Value);
            _changesSinceSnapshot++;
            // Replayed changes refill the master's queue, so a backup a little behind needs no full transfer after a restart.
            _replayed.Add(new ConfigUpdate(e.Revision, e.Path, e.Value, _committed.Digest, e.At));
            if (_replayed.Count > sync.MaxQueuedUpdates) _replayed.RemoveRange(0, _replayed.Count - sync.MaxQueuedUpdates);
        });
        Recover<ConfigReplaced>(e =>
        {
            _committed = ConfigDocument.From(e.Identity, e.Revision, e.Resources);
            _replayed.Clear();
        });
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<EditConfig>(OnEdit);
        Command<ApplyReplicatedUpdates>(OnApplyReplicated);
        Command<ReplaceConfig>(OnReplace);
        Command<GetConfigDocument>(_ => Sender.Tell(new ConfigDocumentView(_committed, _recovered)));
        Command<GetRecentConfigChanges>(q => Sender.Tell(new RecentConfigChanges(
            _changes.Where(c => c.Revision > q.AfterRevision).Take(Math.Max(0, q.Limit)).ToList())));
        Command<SaveSnapshotSuccess>(success =>
        {
            // Older snapshots, and the events this one contains, are not needed to recover any more.
            DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1));
            _compactUpTo = success.Metadata.SequenceNr;
            Timers.StartSingleTimer(CompactJournal.Instance, CompactJournal.Instance, _settings.CompactionQuietTime);
        });
        Command<CompactJournal>(_ =>
        {
            // A delete competes with the journal's writes for the database (one writer with SQLite): it
            // waits until edits have paused, so it never stalls a burst of them.
            if (_compactUpTo is not { } upTo) return;
            if (DateTime.UtcNow - _lastChangeAt < _settings.CompactionQuietTime)
            {
                Timers.StartSingleTimer(CompactJournal.Instance, CompactJournal.Instance, _settings.CompactionQuietTime);
                return;
            }
            _compactUpTo = null;
            DeleteMessages(upTo);
        });
        Command<SaveSnapshotFailure>(failure => _log.Warning("Config snapshot not saved ({Reason}); the journal still has every change", failure.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(failure => _log.Warning("Old config events not deleted: {Reason}", failure.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failure => _log.Warning("Old config snapshots not deleted: {Reason}", failure.Cause.Message));
    }

    private void OnRecovered()
    {
        _pending = _committed;
        _recovered = true;
        _log.Info("Config store recovered: identity {Identity}, revision {Revision}, {Resources} resources, digest {Digest}",
            _committed.Identity ?? "(none yet)", _committed.Revision, _committed.Resources.Count, _committed.Digest);
        if (AcceptsEdits && _committed.Identity is null)
        {
            var created = new ConfigIdentityCreated(Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow);
            Persist(created, e =>
            {
                _committed = _committed.WithIdentity(e.Identity);
                _pending = _committed;
                _log.Info("Config store created the system identity {Identity}", e.Identity);
                Committed([]);
            });
        }
        else
        {
            Committed(_replayed.ToList(), afterRecovery: true);
        }
        _replayed.Clear();
    }

    private void OnEdit(EditConfig edit)
    {
        if (!AcceptsEdits)
        {
            Sender.Tell(new EditResult(EditOutcome.Refused, _committed.Revision, "this node is the backup: the configuration is edited on the master"));
            return;
        }
        var exists = _pending.Resources.TryGetValue(edit.Path, out var current);
        if (edit.Value is null && !exists)
        {
            Sender.Tell(new EditResult(EditOutcome.NotFound, _pending.Revision, $"no resource at '{edit.Path}'"));
            return;
        }
        if (edit.Value is not null && exists && current == edit.Value)
        {
            Sender.Tell(new EditResult(EditOutcome.Accepted, _pending.Revision, "unchanged"));
            return;
        }
        var revision = _pending.Revision + 1;
        _pending = _pending.Apply(revision, edit.Path, edit.Value);
        var replyTo = Sender;
        _writing[revision] = replyTo;
        // PersistAsync: edits keep arriving while earlier ones are written, and the journal batches them;
        // handlers still run in order, so revisions are acknowledged and replicated in order.
        PersistAsync(new ConfigResourceChanged(revision, edit.Path, edit.Value, DateTimeOffset.UtcNow), e =>
        {
            _writing.Remove(e.Revision);
            var update = Commit(e, DateTimeOffset.UtcNow);
            replyTo.Tell(new EditResult(EditOutcome.Accepted, e.Revision, e.Value is null ? "deleted" : "stored"));
            Committed([update]);
            SnapshotWhenDue();
        });
    }

    private void OnApplyReplicated(ApplyReplicatedUpdates apply)
    {
        if (apply.Updates.Count == 0)
        {
            Sender.Tell(new ReplicatedUpdatesApplied(true, _committed.Revision, _committed.Digest, "", apply.Batch));
            return;
        }
        // Check the whole batch first: nothing is persisted unless every revision follows and matches.
        var check = _committed;
        string? problem = null;
        if (apply.Identity != check.Identity)
            problem = $"identity differs (this node {check.Identity ?? "none"}, master {apply.Identity})";
        else
        {
            foreach (var update in apply.Updates)
            {
                if (update.Revision != check.Revision + 1)
                {
                    problem = $"revision {update.Revision} does not follow {check.Revision}";
                    break;
                }
                check = check.Apply(update.Revision, update.Path, update.Value);
                if (check.Digest != update.DigestAfter)
                {
                    problem = $"digest after revision {update.Revision} differs from the master's";
                    break;
                }
            }
        }
        if (problem is not null)
        {
            Sender.Tell(new ReplicatedUpdatesApplied(false, _committed.Revision, _committed.Digest, problem, apply.Batch));
            return;
        }

        var replyTo = Sender;
        var last = apply.Updates[^1].Revision;
        var applied = new List<ConfigUpdate>(apply.Updates.Count);
        PersistAll(apply.Updates.Select(u => new ConfigResourceChanged(u.Revision, u.Path, u.Value, u.AckedAt)), e =>
        {
            applied.Add(Commit(e, DateTimeOffset.UtcNow));
            if (e.Revision != last) return;
            _pending = _committed;
            // The listener (the replicator, usually also the asker) must know the new revision before the answer.
            Committed(applied);
            replyTo.Tell(new ReplicatedUpdatesApplied(true, _committed.Revision, _committed.Digest, "", apply.Batch));
            SnapshotWhenDue();
        });
    }

    private void OnReplace(ReplaceConfig replace)
    {
        var document = replace.Document;
        var replyTo = Sender;
        Persist(new ConfigReplaced(document.Identity ?? "", document.Revision, document.Resources, replace.Reason), e =>
        {
            _committed = ConfigDocument.From(e.Identity, e.Revision, e.Resources);
            _pending = _committed;
            var now = DateTimeOffset.UtcNow;
            Remember(new ConfigChangeRecord(e.Revision, "*", "replaced", now, now));
            _log.Info("Config replaced by a full transfer: identity {Identity}, revision {Revision}, {Resources} resources ({Reason})",
                e.Identity, e.Revision, e.Resources.Count, e.Reason);
            Committed([]);
            replyTo.Tell(new ConfigReplacedAck(_committed.Revision, _committed.Digest));
            // A snapshot at once: the next start must not replay a large replacement event.
            _changesSinceSnapshot = _settings.SnapshotEvery;
            SnapshotWhenDue();
        });
    }

    private ConfigUpdate Commit(ConfigResourceChanged change, DateTimeOffset appliedAt)
    {
        _lastChangeAt = DateTime.UtcNow;
        _committed = _committed.Apply(change.Revision, change.Path, change.Value);
        _changesSinceSnapshot++;
        // On the master the acknowledgement is now (after the write); on the backup it is the master's.
        var ackedAt = AcceptsEdits ? appliedAt : change.At;
        Remember(new ConfigChangeRecord(change.Revision, change.Path, change.Value is null ? "delete" : "put", ackedAt, appliedAt));
        return new ConfigUpdate(change.Revision, change.Path, change.Value, _committed.Digest, ackedAt);
    }

    private void Remember(ConfigChangeRecord record)
    {
        _changes.Enqueue(record);
        while (_changes.Count > _sync.ChangesKept) _changes.Dequeue();
    }

    private void SnapshotWhenDue()
    {
        // Called from a persist handler: LastSequenceNr is then the event just written (Akka sets it on the
        // write's success, before the handler), so the snapshot tags exactly what _committed holds even while
        // later edits are still in flight.
        if (_changesSinceSnapshot < _settings.SnapshotEvery) return;
        _changesSinceSnapshot = 0;
        SaveSnapshot(new ConfigStoreSnapshot(_committed.Identity, _committed.Revision, _committed.Resources));
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // An expected condition (a full disk, a database gone): one line, no stack trace. The edits being
        // written are answered now rather than left to time out; the store stops and its supervisor starts
        // it again after a back-off, recovering from the journal (so it resumes by itself once writes work).
        var failure = StoreFailure.Describe(cause, _location);
        var revision = @event is ConfigResourceChanged changed ? changed.Revision.ToString() : @event.GetType().Name;
        _log.Error("Config store could not write ({Event}): {Problem}; restarting from the journal", revision, failure.Problem);
        foreach (var replyTo in _writing.Values)
            replyTo.Tell(new EditResult(failure.DiskFull ? EditOutcome.DiskFull : EditOutcome.StoreFailed, _committed.Revision, failure.Problem));
        _writing.Clear();
        _listener.Tell(new ConfigStoreFailed(failure.Problem, failure.DiskFull, DateTimeOffset.UtcNow));
        Context.Stop(Self);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The journal refused the event (e.g. serialization): the edit was not stored, but _pending has it.
        // Start again from the journal rather than answer later edits from a state that was never written.
        _log.Error("Config store: the journal refused {Event}: {Reason}; restarting from the journal", @event, cause.Message);
        foreach (var replyTo in _writing.Values)
            replyTo.Tell(new EditResult(EditOutcome.StoreFailed, _committed.Revision, $"the journal refused the edit: {cause.Message}"));
        _writing.Clear();
        Context.Stop(Self);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _log.Error("Config store could not recover: {Reason}", reason.Message);
        base.OnRecoveryFailure(reason, message);
    }

    /// <summary>
    /// Tells the replicator what was committed, and every local reader of the configuration (the tag and alarm
    /// engines) through the event stream, so that nothing reads the store's state in between.
    /// </summary>
    private void Committed(IReadOnlyList<ConfigUpdate> updates, bool afterRecovery = false)
    {
        _listener.Tell(new ConfigCommitted(_committed, updates) { AfterRecovery = afterRecovery });
        Context.System.EventStream.Publish(new ConfigurationChanged(_committed));
    }
}
