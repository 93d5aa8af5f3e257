using System.Collections.Immutable;

namespace RedundantGateway;

// At the library's root, as IPairProtocolMessage: the pair's serializer (Redundancy) writes them without depending on
// StateSync, which depends on Alarms and through it on ConfigSync and Redundancy (no folder cycle).

// On the node link (PairProtocolSerializer): a sender's batches and the receiver's acknowledgements.

/// <summary>
/// One batch of a sender's stream: <c>StateSync.StateCodec</c> bytes with the sequence number they have in the stream.
/// A stream starts with a full state (<see cref="StartsStream"/> on its first batch, <see cref="EndsFull"/> on the
/// last batch of the full state) and continues with deltas. A new stream (new id) is a new full transfer. A node keeps
/// its stream across restarts when it can (StateSync.ResumeRules). A batch with <see cref="EndsFull"/> at a sequence the
/// receiver already holds, with an empty state, is a sync point: "holding up to here, you hold my whole state".
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
/// <paramref name="NeedsState"/>: the receiver has not yet been told since it started that it holds the sender's whole
/// state (a restarted node resuming from a stored position): the sender answers the probe with what is missing and a
/// sync point (a batch at the last sequence sent, ending like a full state). On the wire only when set, so a node of
/// the release before still reads every other acknowledgement.
/// </summary>
public sealed record StateBatchAck(Guid Stream, long Held, bool Probe, bool NeedsState = false) : IPairProtocolMessage;

