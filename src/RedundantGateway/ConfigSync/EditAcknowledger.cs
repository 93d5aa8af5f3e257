using Akka.Actor;
using Akka.Event;
using RedundantGateway.Redundancy;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// The master's answers to operators' edits (a child of <see cref="ConfigReplicator"/>): passes each edit to the
/// store and, with <c>config-sync.acknowledge = backup</c>, holds the store's answer until the backup's pulls
/// show it has persisted that revision, at most <c>acknowledge-timeout</c>; then it answers anyway and
/// acknowledges with the master alone (an event says so) until the backup has caught up. The decisions are
/// <see cref="AcknowledgeGate"/>'s.
/// </summary>
public sealed class EditAcknowledger : ReceiveActor, IWithTimers
{
    public const string Name = "acknowledger";

    /// <summary>How long the store may take to answer an edit; the web surface waits as long (plus acknowledge-timeout).</summary>
    public static readonly TimeSpan StoreAnswerTimeout = TimeSpan.FromSeconds(5);

    private readonly ConfigSyncSettings _sync;
    private readonly IActorRef _store;
    private readonly IActorRef _coordinator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>Answers held for the backup, by revision (the piped answers of the store may arrive out of order).</summary>
    private readonly List<HeldAnswer> _held = [];
    private AcknowledgeGate _gate;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record StoreAnswered(IActorRef ReplyTo, EditResult Result);
    private sealed record HeldAnswer(IActorRef ReplyTo, EditResult Result, DateTimeOffset Deadline);
    private sealed record DeadlineDue
    {
        public static readonly DeadlineDue Instance = new();
    }

    /// <param name="store">the node's config store (its back-off supervisor).</param>
    /// <param name="coordinator">told the events when acknowledgement degrades to the master alone and is restored.</param>
    public static Props Props(ConfigSyncSettings sync, IActorRef store, IActorRef coordinator) =>
        Akka.Actor.Props.Create(() => new EditAcknowledger(sync, store, coordinator));

    public EditAcknowledger(ConfigSyncSettings sync, IActorRef store, IActorRef coordinator)
    {
        _sync = sync;
        _store = store;
        _coordinator = coordinator;
        _gate = AcknowledgeGate.Create(sync);

        Receive<EditConfig>(edit =>
        {
            var replyTo = Sender;
            _store.Ask<EditResult>(edit, StoreAnswerTimeout).PipeTo(Self,
                success: result => new StoreAnswered(replyTo, result),
                failure: _ => new StoreAnswered(replyTo, new EditResult(EditOutcome.StoreFailed, 0,
                    "the config store did not answer in time; the edit may not have been stored, read it back")));
        });
        Receive<StoreAnswered>(OnStoreAnswered);
        Receive<BackupProgress>(OnProgress);
        Receive<DeadlineDue>(_ => OnDeadline());
        Receive<GetAcknowledgeStatus>(asked => Sender.Tell(new ConfigEditHealth(asked.Store,
            new AcknowledgeStatus(_gate.Setting, _gate.Effective(DateTimeOffset.UtcNow), _gate.Degraded, _held.Count))));
    }

    private void OnStoreAnswered(StoreAnswered answered)
    {
        var now = DateTimeOffset.UtcNow;
        if (answered.Result.Outcome != EditOutcome.Accepted || !_gate.MustWait(answered.Result.Revision, now))
        {
            answered.ReplyTo.Tell(answered.Result);
            return;
        }
        var at = _held.FindLastIndex(h => h.Result.Revision <= answered.Result.Revision) + 1;
        _held.Insert(at, new HeldAnswer(answered.ReplyTo, answered.Result, now + _sync.AcknowledgeTimeout));
        if (_held.Count == 1) Timers.StartSingleTimer(DeadlineDue.Instance, DeadlineDue.Instance, _sync.AcknowledgeTimeout);
    }

    private void OnProgress(BackupProgress progress)
    {
        (_gate, var restored) = _gate.Progress(progress);
        if (restored)
        {
            _log.Info("Config edits are acknowledged once the backup has persisted them again: the backup holds revision {Revision}", progress.Revision);
            _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigAcknowledgeRestored,
                $"the backup is in sync again (revision {progress.Revision}): edits are acknowledged once the backup has persisted them"));
        }
        ReleaseAnswered(DateTimeOffset.UtcNow);
    }

    private void OnDeadline()
    {
        var now = DateTimeOffset.UtcNow;
        ReleaseAnswered(now);
        if (_held.Count == 0) return;
        var first = _held.MinBy(h => h.Deadline)!;
        if (first.Deadline > now)
        {
            Timers.StartSingleTimer(DeadlineDue.Instance, DeadlineDue.Instance, first.Deadline - now);
            return;
        }
        var late = first.Result.Revision;
        _gate = _gate.Degrade();
        var reason = $"the backup did not persist revision {late} within {_sync.AcknowledgeTimeout.TotalMilliseconds:0} ms " +
                     $"(it holds {_gate.Backup?.Revision.ToString() ?? "nothing yet"}): edits are acknowledged by the master alone until the backup is in sync again";
        _log.Warning("Config acknowledgement degraded: {Reason}", reason);
        _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigAcknowledgeDegraded, reason));
        ReleaseAnswered(now);
    }

    /// <summary>Answers every held edit the gate no longer holds back (the backup has it, or the master acknowledges alone).</summary>
    private void ReleaseAnswered(DateTimeOffset now)
    {
        var released = 0;
        while (released < _held.Count && !_gate.MustWait(_held[released].Result.Revision, now)) released++;
        // Revisions are held in order: once one must still wait, so must every later one.
        foreach (var held in _held.Take(released)) held.ReplyTo.Tell(held.Result);
        _held.RemoveRange(0, released);
        if (_held.Count == 0) Timers.Cancel(DeadlineDue.Instance);
    }

    protected override void PostStop()
    {
        // Stopped or restarted with edits held: the master has them; say so rather than leave the askers waiting.
        foreach (var held in _held) held.ReplyTo.Tell(held.Result);
        _held.Clear();
    }
}
