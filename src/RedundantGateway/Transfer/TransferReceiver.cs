using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;

namespace RedundantGateway.Transfer;

/// <summary>
/// Receiving side of one transfer, the twin of <see cref="TransferSender"/>: fetches the offered file chunk by
/// chunk, a few at a time (so heartbeats still get through on the same link), checks each chunk's SHA-256 and
/// fetches a damaged or lost chunk again, then checks the whole file's SHA-256. Reports
/// <see cref="TransferReceived"/> or <see cref="TransferFailed"/> to its parent and stops.
/// </summary>
public sealed class TransferReceiver : ReceiveActor
{
    private readonly TransferOffer _offer;
    private readonly IActorRef _source;
    private readonly string _filePath;
    private readonly TransferSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<int> _outstanding = [];
    private readonly int[] _attempts;
    private readonly bool[] _received;
    private FileStream? _file;
    private int _nextIndex;
    private int _receivedCount;
    private int _refetched;

    public static Props Props(TransferOffer offer, IActorRef source, string filePath, TransferSettings settings) =>
        Akka.Actor.Props.Create(() => new TransferReceiver(offer, source, filePath, settings));

    public TransferReceiver(TransferOffer offer, IActorRef source, string filePath, TransferSettings settings)
    {
        _offer = offer;
        _source = source;
        _filePath = filePath;
        _settings = settings;
        _attempts = new int[offer.ChunkCount];
        _received = new bool[offer.ChunkCount];

        Receive<TransferChunk>(OnChunk);
        Receive<ReceiveTimeout>(_ => OnSilence());
    }

    protected override void PreStart()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_filePath)!);
        _file = new FileStream(_filePath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.RandomAccess);
        _file.SetLength(_offer.Size);
        if (_offer.ChunkCount == 0)
        {
            Finish();
            return;
        }
        while (_outstanding.Count < _settings.ChunksInFlight && _nextIndex < _offer.ChunkCount) Fetch(_nextIndex++);
        Context.SetReceiveTimeout(_settings.ChunkTimeout);
    }

    protected override void PostStop() => _file?.Dispose();

    private void Fetch(int index)
    {
        _outstanding.Add(index);
        _attempts[index]++;
        _source.Tell(new FetchChunk(_offer.TransferId, index));
    }

    private void OnChunk(TransferChunk chunk)
    {
        if (chunk.TransferId != _offer.TransferId || chunk.Index < 0 || chunk.Index >= _offer.ChunkCount || _received[chunk.Index]) return;
        var expectedLength = (int)Math.Min(_offer.ChunkSize, _offer.Size - (long)chunk.Index * _offer.ChunkSize);
        var sha = Convert.ToHexStringLower(SHA256.HashData(chunk.Data));
        if (chunk.Data.Length != expectedLength || sha != chunk.Sha256)
        {
            _log.Warning("Transfer {TransferId}: chunk {Index} refused ({Problem}), fetching it again",
                _offer.TransferId, chunk.Index, chunk.Data.Length != expectedLength ? $"{chunk.Data.Length} bytes, expected {expectedLength}" : "SHA-256 mismatch");
            if (_attempts[chunk.Index] > _settings.ChunkRetries)
            {
                Fail($"chunk {chunk.Index} was damaged {_attempts[chunk.Index]} times");
                return;
            }
            _refetched++;
            Fetch(chunk.Index);
            return;
        }
        RandomAccess.Write(_file!.SafeFileHandle, chunk.Data, (long)chunk.Index * _offer.ChunkSize);
        _received[chunk.Index] = true;
        _receivedCount++;
        _outstanding.Remove(chunk.Index);
        if (_nextIndex < _offer.ChunkCount) Fetch(_nextIndex++);
        if (_receivedCount == _offer.ChunkCount) Finish();
    }

    private void OnSilence()
    {
        foreach (var index in _outstanding.ToList())
        {
            if (_attempts[index] > _settings.ChunkRetries)
            {
                Fail($"no answer for chunk {index} after {_attempts[index]} requests");
                return;
            }
            _refetched++;
            _attempts[index]++;
            _source.Tell(new FetchChunk(_offer.TransferId, index));
        }
    }

    private void Finish()
    {
        Context.SetReceiveTimeout(null);
        _file!.Flush(flushToDisk: true);
        _file.Position = 0;
        var sha = Convert.ToHexStringLower(SHA256.HashData(_file));
        _file.Dispose();
        _file = null;
        if (sha != _offer.Sha256)
        {
            Fail("the whole file does not match its SHA-256");
            return;
        }
        Context.Parent.Tell(new TransferReceived(_offer, _filePath, _refetched));
        Context.Stop(Self);
    }

    private void Fail(string reason)
    {
        Context.SetReceiveTimeout(null);
        Context.Parent.Tell(new TransferFailed(_offer, reason));
        Context.Stop(Self);
    }
}
