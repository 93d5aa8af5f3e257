using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Microsoft.Win32.SafeHandles;

namespace RedundantGateway.Transfer;

/// <summary>
/// Sending side of one transfer, the twin of <see cref="TransferReceiver"/>: offers a prepared file to the
/// recipient (the offer names this actor as the source of the chunks) and answers each <see cref="FetchChunk"/>
/// with the bytes and their SHA-256. Stops on <see cref="TransferFinished"/> or when nobody has fetched
/// anything for <c>idleTimeout</c> (an abandoned transfer); the file is deleted when it stops.
/// </summary>
public sealed class TransferSender : ReceiveActor
{
    private readonly TransferOffer _offer;
    private readonly string _filePath;
    private readonly IActorRef _recipient;
    private readonly TimeSpan _idleTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SafeFileHandle? _file;

    /// <param name="filePath">the file to serve, owned from now on by this actor (deleted when it stops).</param>
    public static Props Props(TransferOffer offer, string filePath, IActorRef recipient, TimeSpan idleTimeout) =>
        Akka.Actor.Props.Create(() => new TransferSender(offer, filePath, recipient, idleTimeout));

    public TransferSender(TransferOffer offer, string filePath, IActorRef recipient, TimeSpan idleTimeout)
    {
        _offer = offer;
        _filePath = filePath;
        _recipient = recipient;
        _idleTimeout = idleTimeout;

        Receive<FetchChunk>(OnFetch);
        Receive<TransferFinished>(finished =>
        {
            if (finished.TransferId == _offer.TransferId) Context.Stop(Self);
        });
        Receive<ReceiveTimeout>(_ =>
        {
            _log.Info("Transfer {TransferId} abandoned by the backup; file removed", _offer.TransferId);
            Context.Stop(Self);
        });
    }

    protected override void PreStart()
    {
        // Kept open until the end: chunks are read at random offsets, and the file cannot be swapped meanwhile.
        _file = File.OpenHandle(_filePath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        Context.SetReceiveTimeout(_idleTimeout);
        _log.Info("Transfer {TransferId} ready: {Size} bytes in {Chunks} chunks", _offer.TransferId, _offer.Size, _offer.ChunkCount);
        _recipient.Tell(_offer, Self);
    }

    protected override void PostStop()
    {
        _file?.Dispose();
        try { File.Delete(_filePath); }
        catch (IOException) { }
    }

    private void OnFetch(FetchChunk fetch)
    {
        if (fetch.TransferId != _offer.TransferId || fetch.Index < 0 || fetch.Index >= _offer.ChunkCount) return;
        var offset = (long)fetch.Index * _offer.ChunkSize;
        var data = new byte[(int)Math.Min(_offer.ChunkSize, _offer.Size - offset)];
        var read = 0;
        while (read < data.Length)
        {
            var n = RandomAccess.Read(_file!, data.AsSpan(read), offset + read);
            if (n == 0) break;
            read += n;
        }
        Sender.Tell(new TransferChunk(fetch.TransferId, fetch.Index, data, Convert.ToHexStringLower(SHA256.HashData(data))));
    }
}
