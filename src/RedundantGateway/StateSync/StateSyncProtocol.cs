using System.Collections.Immutable;
using RedundantGateway.Alarms;

namespace RedundantGateway.StateSync;

// On the node link (PairProtocolSerializer): a sender's batches and the receiver's acknowledgements.

/// <summary>
/// One batch of a sender's stream: <see cref="StateCodec"/> bytes with the sequence number they have in the stream.
/// A stream starts with a full state (<see cref="StartsStream"/> on its first batch, <see cref="EndsFull"/> on the
/// last batch of the full state) and continues with deltas. A new stream (new id) is a new full transfer.
/// </summary>
public sealed record StateBatch(Guid Stream, long Sequence, bool StartsStream, bool EndsFull, ImmutableArray<byte> Payload) : IPairProtocolMessage
{
    // By content: ImmutableArray's own equality compares the array reference.
    public bool Equals(StateBatch? other) =>
        other is not null && Stream == other.Stream && Sequence == other.Sequence && StartsStream == other.StartsStream
        && EndsFull == other.EndsFull && Payload.AsSpan().SequenceEqual(other.Payload.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Stream, Sequence, Payload.Length);
}

/// <summary>
/// The receiver holds the batches of <paramref name="Stream"/> up to <paramref name="Held"/> contiguously
/// (<see cref="Guid.Empty"/>, 0: none, e.g. just started or lost its state). Sent after batches and on a timer
/// (<paramref name="Probe"/>: the timer's, which also asks for a resend of what did not arrive).
/// </summary>
public sealed record StateBatchAck(Guid Stream, long Held, bool Probe) : IPairProtocolMessage;

// Local: the alarm engine and its node's StateReplicator.

/// <summary>A local change the active node's alarm engine made, for the replicator to stamp, store and ship.</summary>
public abstract record LocalAlarmChange(string Id);

public sealed record LocalTransition(string Id, bool Active, AlarmTransition Transition) : LocalAlarmChange(Id);

public sealed record LocalAck(string Id, string By, string? Note, DateTimeOffset At) : LocalAlarmChange(Id);

public sealed record LocalShelve(string Id, string By, DateTimeOffset At, DateTimeOffset Until) : LocalAlarmChange(Id);

public sealed record LocalUnshelve(string Id, string By, DateTimeOffset At) : LocalAlarmChange(Id);

/// <summary>The merged state after a change (local or from the peer), to whoever subscribed (the alarm engine).</summary>
/// <param name="Changed">the delta just merged (the whole state on subscribing), so a subscriber revisits only those alarms.</param>
public sealed record AlarmStateMerged(AlarmStateSet State, AlarmStateSet Changed);

/// <summary>Subscribes the sender to <see cref="AlarmStateMerged"/> (answered at once with the current state).</summary>
public sealed record SubscribeAlarmState
{
    public static readonly SubscribeAlarmState Instance = new();
}

/// <summary>
/// Asks to be told (<see cref="PeerStateReady"/>) once this node holds the peer's state: a full state received from
/// it since start, or no peer to wait for, or the wait bound passed. A node about to become active asks first, so
/// what the other node changed while it was away is merged before it takes over.
/// </summary>
public sealed record AwaitPeerState
{
    public static readonly AwaitPeerState Instance = new();
}

public sealed record PeerStateReady(string Why);

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
