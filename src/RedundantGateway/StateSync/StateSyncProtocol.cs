namespace RedundantGateway.StateSync;

/// <summary>Asks for <see cref="StateSyncStatus"/>.</summary>
public sealed record GetStateSyncStatus
{
    public static readonly GetStateSyncStatus Instance = new();
}

/// <summary>The shipping figures /api/redundancy shows.</summary>
/// <param name="LagMs">age of the oldest batch sent and not acknowledged (0: none).</param>
public sealed record StateSyncStatus(long SequenceSent, long SequenceAcked, long LagMs, int RetainedBatches, long RetainedBytes,
    long DeltaBatches, long FullTransfers, int Alarms, FullTransferRecord? LastFullTransfer);

/// <summary>A full transfer sent: why, how much, how long encoding and sending took.</summary>
public sealed record FullTransferRecord(string Why, int Entries, long Bytes, int Batches, long Millis, DateTimeOffset At);
