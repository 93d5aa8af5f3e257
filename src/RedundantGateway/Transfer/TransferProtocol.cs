namespace RedundantGateway.Transfer;

/// <summary>
/// Transfer messages that cross the node link. Bound in reference.conf to the same serializer (and manifests)
/// as before they moved here from ConfigSync, so nodes of either version still understand each other.
/// </summary>
public interface ITransferMessage;

/// <summary>What a transfer carries: a whole state (an archive) or one file. Serialized by name on the wire.</summary>
public enum TransferKind { Full, Module }

/// <summary>How a transfer is cut up and how hard the receiving side tries.</summary>
/// <param name="ChunkSize">bytes per chunk; every chunk must fit in one frame of the node link.</param>
/// <param name="ChunksInFlight">chunks requested at a time, few enough that heartbeats are not queued behind them.</param>
/// <param name="ChunkRetries">how often one chunk may be fetched again before the transfer fails.</param>
/// <param name="ChunkTimeout">silence after which the outstanding chunks are asked for again.</param>
public sealed record TransferSettings(int ChunkSize, int ChunksInFlight, int ChunkRetries, TimeSpan ChunkTimeout)
{
    public int ChunkCount(long size) => (int)((size + ChunkSize - 1) / ChunkSize);
}

/// <summary>Sending side to receiving side: a file is ready to be fetched chunk by chunk.</summary>
public sealed record TransferOffer(
    string TransferId,
    TransferKind Kind,
    string Name,
    long Size,
    string Sha256,
    int ChunkSize,
    int ChunkCount) : ITransferMessage;

/// <summary>The transfer could not be prepared.</summary>
public sealed record TransferRefused(string Reason) : ITransferMessage;

public sealed record FetchChunk(string TransferId, int Index) : ITransferMessage;

/// <summary>One chunk of a transfer with the SHA-256 of its bytes, so a damaged chunk is noticed and fetched again.</summary>
public sealed record TransferChunk(string TransferId, int Index, byte[] Data, string Sha256) : ITransferMessage;

/// <summary>Receiving side to sending side: the transfer is over (received or abandoned); its file can go.</summary>
public sealed record TransferFinished(string TransferId) : ITransferMessage;

/// <summary>Told by a <see cref="TransferReceiver"/> to its parent: the whole file arrived and matches its SHA-256.</summary>
/// <param name="RefetchedChunks">chunks refused (hash mismatch or lost) and fetched again.</param>
public sealed record TransferReceived(TransferOffer Offer, string FilePath, int RefetchedChunks);

/// <summary>Told by a <see cref="TransferReceiver"/> to its parent: the transfer could not be completed.</summary>
public sealed record TransferFailed(TransferOffer Offer, string Reason);
