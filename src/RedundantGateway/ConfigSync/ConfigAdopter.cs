using Akka.Actor;
using Akka.Event;
using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// One adoption on the master (a child of <see cref="ConfigPublisher"/>): fetches the backup's configuration
/// through a <see cref="TransferReceiver"/>, checks it is the one the backup's pull described (identity,
/// revision, digest), has the store replace the master's with it, then reports to its parent and stops.
/// </summary>
public sealed class ConfigAdopter : ReceiveActor, IWithTimers
{
    private readonly ConfigSyncSettings _sync;
    private readonly ReplicationNode _node;
    private readonly IActorRef _store;
    private readonly IActorRef _backup;
    private readonly PullConfigUpdates _expected;
    private readonly string _reason;
    private IActorRef? _receiver;
    /// <summary>The backup's transfer sender, told when the file has arrived (it then deletes it).</summary>
    private IActorRef _source = ActorRefs.Nobody;
    private string _staging = "";

    /// <summary>Told to the parent: the master now holds the backup's configuration.</summary>
    public sealed record Adopted(ConfigDocument Document, long Bytes);

    /// <summary>Told to the parent: the backup's configuration could not be taken.</summary>
    public sealed record NotAdopted(string Reason);

    private sealed record Unpacked(ConfigDocument Document, long Bytes);
    private sealed record TimedOut;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="backup">the backup's follower (the sender of <paramref name="expected"/>).</param>
    /// <param name="expected">the backup's pull: what it holds, which the archive must match.</param>
    public static Props Props(ConfigSyncSettings sync, ReplicationNode node, IActorRef store, IActorRef backup, PullConfigUpdates expected, string reason) =>
        Akka.Actor.Props.Create(() => new ConfigAdopter(sync, node, store, backup, expected, reason));

    public ConfigAdopter(ConfigSyncSettings sync, ReplicationNode node, IActorRef store, IActorRef backup, PullConfigUpdates expected, string reason)
    {
        _sync = sync;
        _node = node;
        _store = store;
        _backup = backup;
        _expected = expected;
        _reason = reason;

        Receive<TransferOffer>(OnOffer);
        Receive<TransferRefused>(refused => Fail($"the backup refused: {refused.Reason}"));
        Receive<TransferFailed>(failed => Fail($"transfer of {failed.Offer.Name}: {failed.Reason}"));
        Receive<TransferReceived>(OnReceived);
        Receive<Unpacked>(unpacked =>
        {
            Become(Replacing(unpacked));
            _store.Tell(new ReplaceConfig(unpacked.Document, $"adopted from the backup: {_reason}"));
        });
        Receive<Status.Failure>(failure => Fail($"the backup's archive is not usable: {failure.Cause.GetBaseException().Message}"));
        Receive<Terminated>(terminated =>
        {
            if (terminated.ActorRef.Equals(_receiver)) Fail("the receiver stopped");
        });
        Receive<TimedOut>(_ => Fail($"not done within {_sync.SyncTimeout.TotalSeconds:F0} s (sync-timeout)"));
    }

    protected override SupervisorStrategy SupervisorStrategy() => new TransferChildStrategy(_ => true);

    protected override void PreStart()
    {
        Timers.StartSingleTimer("timeout", new TimedOut(), _sync.SyncTimeout);
        _backup.Tell(new RequestFullTransfer(_reason));
    }

    protected override void PostStop()
    {
        if (_staging.Length == 0 || !Directory.Exists(_staging)) return;
        try { Directory.Delete(_staging, recursive: true); }
        catch (IOException) { }
    }

    private void OnOffer(TransferOffer offer)
    {
        if (_receiver is not null || offer.Kind != TransferKind.Full) return;
        _source = Sender;
        var target = Path.Combine(_node.TransfersDir, offer.TransferId + ".part");
        _receiver = Context.Watch(Context.ActorOf(TransferReceiver.Props(offer, Sender, target, _sync.Transfer), "receive-" + offer.TransferId));
        Timers.StartSingleTimer("timeout", new TimedOut(), _sync.SyncTimeout);
    }

    private void OnReceived(TransferReceived received)
    {
        Context.Unwatch(_receiver);
        _receiver = null;
        // The backup's sender stops and deletes its file.
        _source.Tell(new TransferFinished(received.Offer.TransferId));
        _staging = Path.Combine(_node.TransfersDir, "staging-" + received.Offer.TransferId);
        var (path, staging, expected, size) = (received.FilePath, _staging, _expected, received.Offer.Size);
        Task.Run(() =>
        {
            var document = ConfigArchive.Read(path, staging).Document;
            File.Delete(path);
            // Verified against what the backup said it holds, not only against the archive's own digest.
            if (document.Identity != expected.Identity || document.Revision != expected.AfterRevision
                || expected.Digest.Length > 0 && document.Digest != expected.Digest)
                throw new InvalidDataException($"it holds system {document.Identity} at revision {document.Revision} (digest {document.Digest}), " +
                                               $"the backup's pull named {expected.Identity} at {expected.AfterRevision} (digest {expected.Digest})");
            return new Unpacked(document, size);
        }).PipeTo(Self);
    }

    private Action Replacing(Unpacked unpacked) => () =>
    {
        Receive<ConfigReplacedAck>(ack =>
        {
            if (ack.Digest != unpacked.Document.Digest)
            {
                Fail($"the store holds digest {ack.Digest} after the replacement, expected {unpacked.Document.Digest}");
                return;
            }
            Context.Parent.Tell(new Adopted(unpacked.Document, unpacked.Bytes));
            Context.Stop(Self);
        });
        Receive<TimedOut>(_ => Fail($"the config store did not replace the configuration within {_sync.SyncTimeout.TotalSeconds:F0} s"));
    };

    private void Fail(string reason)
    {
        Context.Parent.Tell(new NotAdopted(reason));
        Context.Stop(Self);
    }
}
