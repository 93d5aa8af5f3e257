namespace RedundantGateway.StateSync;

/// <summary>
/// Where this node's own stream to the peer stands, as stored: the peer holds the batches of <paramref name="Stream"/>
/// up to <paramref name="Acked"/>, and with them every local change stamped up to <paramref name="Covered"/>.
/// </summary>
public sealed record SentPosition(Guid Stream, long Acked, HybridTimestamp Covered);

/// <summary>
/// The two stream positions a node stores next to its state (<see cref="StreamPositionFile"/>): its place in the
/// peer's stream, and how far the peer acknowledged its own (null: nothing to resume from).
/// </summary>
public sealed record StreamPositions(ReceivingState Receiving, SentPosition? Sent)
{
    public static readonly StreamPositions None = new(ReceivingState.Initial, null);
}

/// <summary>
/// The pure decisions of picking up both streams after a restart, so that a restarted node and its peer exchange only
/// the deltas each missed.
/// <para>Receiving: the node's position in the peer's stream is stored once the log durably holds the batches it
/// counts (never ahead of them; stale is harmless: the peer sends again what is retained after it, or its full state
/// when that is gone). The first probe after a start names it and asks for a sync point (<see
/// cref="StateBatchAck.NeedsState"/>), which also tells the alarm engine that the peer's state is merged.</para>
/// <para>Sending: the node keeps its stream id and stores, with each acknowledgement, the clock reading its
/// acknowledged batches cover (<see cref="ShippingState.AckedStamp"/>: every local change stamped up to it, which works
/// because a node stamps its changes in increasing order and ships them in that order). Retained batches die with the
/// process; instead, after a restart the stream waits for the peer's first acknowledgement and continues after the
/// sequence the peer holds with every part of the state stamped after that reading (more than was missing, perhaps:
/// merging is idempotent). Without a stored reading, or when the peer holds less than it acknowledged (its own store
/// lost it), only a full state will do, as before.</para>
/// </summary>
public static class ResumeRules
{
    /// <summary>
    /// The position in the peer's stream a start resumes from: none when the store did not load whole or held nothing
    /// (its folder deleted, damage set aside), since the position could then be ahead of what the log holds.
    /// </summary>
    public static ReceivingState Receiving(ReceivingState stored, StateLoadReport load) =>
        load.Problem is not null || load.SnapshotRecords + load.LogRecords == 0 ? ReceivingState.Initial : stored;

    /// <summary>This node's stream after a start: the stored one, resuming; otherwise <paramref name="fresh"/>.</summary>
    public static ShippingState Sending(SentPosition? stored, Guid fresh) =>
        stored is null
            ? ShippingState.Initial(fresh)
            : ShippingState.Initial(stored.Stream) with
            {
                NextSequence = stored.Acked + 1, Acked = stored.Acked, AckedStamp = stored.Covered, Resuming = true,
            };

    /// <summary>
    /// What of the shipping state is worth storing: the acknowledged position once the peer holds the stream's full
    /// state (or the stream was resumed); null before that (a restart then starts a new stream with a full state).
    /// </summary>
    public static SentPosition? Stored(ShippingState state) =>
        state.Resuming || state.PeerKnowsStream && state.Acked >= state.FullEnd
            ? new SentPosition(state.Stream, state.Acked, state.AckedStamp)
            : null;

    /// <summary>The peer's first acknowledgement of a resumed stream: continue after what it holds, or send the full state.</summary>
    public static (ShippingState State, ShippingDecision Decision) OnFirstAck(ShippingState resuming, StateBatchAck ack)
    {
        if (ack.Held < resuming.Acked)
            return (resuming, new ShippingDecision.FullTransfer(
                $"the peer holds {ack.Held} of this node's stream, less than the {resuming.Acked} it acknowledged (its store lost some)"));
        var next = resuming with { NextSequence = ack.Held + 1, Acked = ack.Held, PeerKnowsStream = true, Resuming = false };
        return (next, new ShippingDecision.ResumeStream(resuming.AckedStamp, ack.NeedsState));
    }

    /// <summary>The parts of <paramref name="state"/> stamped after <paramref name="since"/>: the catch-up of a resumed stream.</summary>
    public static AlarmStateSet CatchUp(AlarmStateSet state, HybridTimestamp since) =>
        AlarmStateSet.Of(state.Entries.Select(e => KeyValuePair.Create(e.Key, e.Value.StampedAfter(since))));

    /// <summary>Where a started node's clock begins: past everything it loaded and everything the peer holds of it.</summary>
    public static HybridTimestamp ClockStart(AlarmStateSet loaded, SentPosition? stored) =>
        HybridTimestamp.Max(loaded.MaxStamp, stored?.Covered ?? HybridTimestamp.Zero);
}
