using Akka.Actor;
using Akka.Event;
using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// The backup's side of a transfer in the other direction (a child of <see cref="ConfigFollower"/>): a master
/// that found its own store older than the backup's asks for the backup's configuration. Writes it as a
/// <see cref="ConfigArchive"/> (configuration only: modules stay the master's) and hands it to a
/// <see cref="TransferSender"/> that serves it to the asking master.
/// </summary>
public sealed class ConfigArchiveServer : ReceiveActor
{
    public const string Name = "archive-server";

    private readonly ConfigSyncSettings _sync;
    private readonly ReplicationNode _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <summary>The follower's request: its current document, for the master that asked (the sender).</summary>
    public sealed record ServeConfiguration(ConfigDocument Document, string Reason);

    private sealed record Prepared(IActorRef ReplyTo, TransferOffer Offer, string FilePath);
    private sealed record NotPrepared(IActorRef ReplyTo, string Reason);

    public static Props Props(ConfigSyncSettings sync, ReplicationNode node) =>
        Akka.Actor.Props.Create(() => new ConfigArchiveServer(sync, node));

    public ConfigArchiveServer(ConfigSyncSettings sync, ReplicationNode node)
    {
        _sync = sync;
        _node = node;
        Receive<ServeConfiguration>(OnServe);
        Receive<Prepared>(prepared => Context.ActorOf(
            TransferSender.Props(prepared.Offer, prepared.FilePath, prepared.ReplyTo, _sync.SyncTimeout), "send-" + prepared.Offer.TransferId));
        Receive<NotPrepared>(failed =>
        {
            _log.Warning("The master asked for this backup's configuration; not prepared: {Reason}", failed.Reason);
            failed.ReplyTo.Tell(new TransferRefused(failed.Reason));
        });
    }

    /// <summary>A sender that fails stops (the master asks again); it never restarts on a half-served file.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new TransferChildStrategy(_ => true);

    private void OnServe(ServeConfiguration serve)
    {
        var replyTo = Sender;
        var document = serve.Document;
        if (document.Identity is null)
        {
            replyTo.Tell(new TransferRefused("this backup holds no configuration"));
            return;
        }
        var id = $"backup-full-{Guid.NewGuid():N}";
        var path = Path.Combine(_node.TransfersDir, id + ".zip");
        var transfer = _sync.Transfer;
        _log.Warning("The master asked for this backup's configuration (revision {Revision}): {Reason}", document.Revision, serve.Reason);
        Task.Run(() =>
        {
            Directory.CreateDirectory(_node.TransfersDir);
            // An empty module list: only the configuration travels back; the master's modules stay its own.
            var (size, sha) = ConfigArchive.Write(path, document, _node.ModulesDir, onlyModules: new HashSet<string>());
            return new TransferOffer(id, TransferKind.Full, $"revision {document.Revision}", size, sha, transfer.ChunkSize, transfer.ChunkCount(size));
        }).PipeTo(Self,
            success: offer => new Prepared(replyTo, offer, path),
            failure: e => new NotPrepared(replyTo, $"archive not written: {e.GetBaseException().Message}"));
    }
}
