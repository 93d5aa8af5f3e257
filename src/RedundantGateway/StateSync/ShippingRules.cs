using System.Collections.Immutable;

namespace RedundantGateway.StateSync;

/// <summary>A delta batch sent and kept until the peer acknowledges it.</summary>
/// <param name="Covers">the sender's clock reading when it left, if every local change stamped up to it is in this
/// batch or an earlier one of the stream (the last batch of a flush); <see cref="HybridTimestamp.Zero"/>: none (a
/// batch split off before the last).</param>
public sealed record RetainedBatch(long Sequence, ImmutableArray<byte> Payload, long SentAtMs, HybridTimestamp Covers = default);

/// <summary>
/// The sender's side of one node's stream to its peer. <paramref name="PeerKnowsStream"/>: the peer acknowledged
/// this stream at least once (before that, deltas are not shipped: the first-contact full state carries them).
/// <paramref name="FullStartedAtMs"/>: when the current stream's full state was sent (null: none, or acknowledged up
/// to <paramref name="FullEnd"/>, its last batch), so acknowledgements of an older stream still in flight do not
/// start another one.
/// <see cref="AckedStamp"/>: the peer holds every local change of this node stamped up to it (what the acknowledged
/// batches cover); after a restart the stream resumes from it (<see cref="ResumeRules"/>). <see cref="FullStamp"/>:
/// what the stream's full state covers, counted once its last batch is acknowledged. <see cref="Resuming"/>: the
/// stream was resumed from the store and waits for the peer's first acknowledgement to learn where it stands.
/// </summary>
public sealed record ShippingState(
    Guid Stream,
    long NextSequence,
    long Acked,
    ImmutableQueue<RetainedBatch> Retained,
    int RetainedCount,
    long RetainedBytes,
    bool PeerKnowsStream,
    long? FullStartedAtMs,
    long FullEnd)
{
    public HybridTimestamp AckedStamp { get; init; }

    public HybridTimestamp FullStamp { get; init; }

    public bool Resuming { get; init; }

    public static ShippingState Initial(Guid stream) =>
        new(stream, 1, 0, ImmutableQueue<RetainedBatch>.Empty, 0, 0, false, null, 0);

    public long LastSent => NextSequence - 1;
}

/// <summary>What to do on an acknowledgement.</summary>
public abstract record ShippingDecision
{
    public sealed record Nothing : ShippingDecision;
    public sealed record Resend(ImmutableArray<RetainedBatch> Batches) : ShippingDecision;
    public sealed record FullTransfer(string Why) : ShippingDecision;

    /// <summary>
    /// The restarted peer asked whether it holds everything: send it <paramref name="Missing"/> again, then a sync point
    /// at <paramref name="Sequence"/> (the last sent).
    /// </summary>
    public sealed record SyncPoint(ImmutableArray<RetainedBatch> Missing, long Sequence) : ShippingDecision;

    /// <summary>
    /// A stream resumed after this node restarted, where the peer holds every local change stamped up to
    /// <paramref name="Since"/>: send what the state holds stamped after it as the next delta batches, then a sync
    /// point if <paramref name="ThenSyncPoint"/> (the peer restarted too).
    /// </summary>
    public sealed record ResumeStream(HybridTimestamp Since, bool ThenSyncPoint) : ShippingDecision;

    public static readonly ShippingDecision None = new Nothing();
}

/// <summary>The receiver's position in the peer's stream.</summary>
public sealed record ReceivingState(Guid Stream, long Held)
{
    public static readonly ReceivingState Initial = new(Guid.Empty, 0);
}

/// <summary>Limits the rules apply (from <see cref="StateSyncSettings"/>).</summary>
public sealed record ShippingLimits(int MaxBatchEntries, TimeSpan BatchInterval, int MaxRetainedBatches, long MaxRetainedBytes,
    TimeSpan ResendAfter, TimeSpan FullTransferTimeout);

/// <summary>
/// The pure decisions of state shipping (the <see cref="StateReplicator"/> feeds them time and messages): when a
/// batch leaves, what is kept for a resend, when only a full state will do, and how a receiver counts what it holds.
/// Merging is idempotent, so every rule errs towards sending again rather than losing a change.
/// </summary>
public static class ShippingRules
{
    /// <summary>A pending delta leaves when it is big enough or has waited the batch interval.</summary>
    public static bool ShouldFlush(int pendingEntries, TimeSpan pendingFor, ShippingLimits limits) =>
        pendingEntries > 0 && (pendingEntries >= limits.MaxBatchEntries || pendingFor >= limits.BatchInterval);

    /// <summary>
    /// The local changes pending leave (logged in one write and one fsync, shipped in batches of at most max-batch-entries)
    /// once they have waited the batch interval, or hold <see cref="ChangesPerStore"/> batches' worth. While an fsync
    /// is slow the changes queued meanwhile leave together at the next one: the rate follows the disk, not one fsync per batch.
    /// </summary>
    public static bool ShouldStore(int pendingEntries, TimeSpan pendingFor, ShippingLimits limits) =>
        pendingEntries > 0 && (pendingEntries >= (long)limits.MaxBatchEntries * ChangesPerStore || pendingFor >= limits.BatchInterval);

    /// <summary>Delta batches at most in one store of the local changes (bounds the memory a slow disk can hold up).</summary>
    public const int ChangesPerStore = 16;

    /// <summary>Deltas are shipped only on a stream the peer knows (or whose full state is on its way).</summary>
    public static bool ShipsDeltas(ShippingState state) => state.PeerKnowsStream || state.FullStartedAtMs is not null;

    /// <summary>A new stream whose first batches are the full state: deltas before it are in that state.</summary>
    public static ShippingState StartFull(Guid stream, int fullBatches, long nowMs) =>
        ShippingState.Initial(stream) with { NextSequence = fullBatches + 1, FullStartedAtMs = nowMs, FullEnd = fullBatches };

    /// <summary>A delta batch sent: kept, then the oldest dropped while over either bound.</summary>
    /// <param name="covers">see <see cref="RetainedBatch.Covers"/>.</param>
    public static ShippingState Sent(ShippingState state, ImmutableArray<byte> payload, long nowMs, ShippingLimits limits,
        HybridTimestamp covers = default)
    {
        var retained = state.Retained.Enqueue(new RetainedBatch(state.NextSequence, payload, nowMs, covers));
        var count = state.RetainedCount + 1;
        var bytes = state.RetainedBytes + payload.Length;
        while (count > 0 && (count > limits.MaxRetainedBatches || bytes > limits.MaxRetainedBytes))
        {
            retained = retained.Dequeue(out var dropped);
            count--;
            bytes -= dropped.Payload.Length;
        }
        return state with { NextSequence = state.NextSequence + 1, Retained = retained, RetainedCount = count, RetainedBytes = bytes };
    }

    /// <summary>The peer's acknowledgement: drop what it holds, and resend or send the full state if it lacks what is gone.</summary>
    public static (ShippingState State, ShippingDecision Decision) OnAck(ShippingState state, StateBatchAck ack, long nowMs, ShippingLimits limits)
    {
        if (state.Resuming && ack.Stream == state.Stream) return ResumeRules.OnFirstAck(state, ack);
        if (ack.Stream != state.Stream)
        {
            // The full state of the current stream may still be on its way: acknowledgements of the old one cross it.
            if (state.FullStartedAtMs is { } started && nowMs - started < limits.FullTransferTimeout.TotalMilliseconds)
                return (state, ShippingDecision.None);
            var why = ack.Stream == Guid.Empty
                ? state.PeerKnowsStream || state.Resuming ? "the peer lost its state (restarted or deleted)" : "first contact"
                : "the peer holds another stream of this node (this node restarted)";
            return (state, new ShippingDecision.FullTransfer(why));
        }
        var held = Math.Min(ack.Held, state.LastSent);
        var retained = state.Retained;
        var count = state.RetainedCount;
        var bytes = state.RetainedBytes;
        var stamp = held >= state.FullEnd ? HybridTimestamp.Max(state.AckedStamp, state.FullStamp) : state.AckedStamp;
        while (!retained.IsEmpty && retained.Peek().Sequence <= held)
        {
            retained = retained.Dequeue(out var done);
            count--;
            bytes -= done.Payload.Length;
            stamp = HybridTimestamp.Max(stamp, done.Covers);
        }
        var next = state with { Acked = Math.Max(state.Acked, held), Retained = retained, RetainedCount = count, RetainedBytes = bytes,
            PeerKnowsStream = true, FullStartedAtMs = held >= state.FullEnd ? null : state.FullStartedAtMs, AckedStamp = stamp };
        var fullInFlight = next.FullStartedAtMs is { } fullStarted && nowMs - fullStarted < limits.FullTransferTimeout.TotalMilliseconds;
        if (held == state.LastSent)
            return (next, ack is { Probe: true, NeedsState: true } && !fullInFlight ? new ShippingDecision.SyncPoint([], held) : ShippingDecision.None);
        var covered = !retained.IsEmpty && retained.Peek().Sequence == held + 1;
        if (!covered)
        {
            if (fullInFlight) return (next, ShippingDecision.None);
            return (next, new ShippingDecision.FullTransfer($"the peer's acknowledgement ({held}) is older than the retained deltas"));
        }
        // A restarted peer resuming from its stored position: what it lacks at once, and the word that this is all.
        if (ack is { Probe: true, NeedsState: true } && !fullInFlight)
            return (next, new ShippingDecision.SyncPoint([.. retained], state.LastSent));
        // A probe says what did not arrive by now; a batch's own acknowledgement only says that one arrived.
        if (ack.Probe && nowMs - retained.Peek().SentAtMs >= limits.ResendAfter.TotalMilliseconds)
            return (next, new ShippingDecision.Resend([.. retained]));
        return (next, ShippingDecision.None);
    }

    /// <summary>The age of the oldest batch not acknowledged (0: none).</summary>
    public static long LagMs(ShippingState state, long nowMs) => state.Retained.IsEmpty ? 0 : Math.Max(0, nowMs - state.Retained.Peek().SentAtMs);

    /// <summary>
    /// Whether a node about to become active goes at once (the reason) or waits for the peer's full state (null):
    /// only a reachable peer whose full state has not come yet is worth waiting for (bounded by the caller).
    /// </summary>
    public static string? ActivationGoesNow(bool hasPeer, bool peerReachable, bool peerStateReceived, TimeSpan wait) =>
        !hasPeer ? "no peer"
        : peerStateReceived ? "the peer's full state is merged"
        : wait <= TimeSpan.Zero ? "peer-state-wait is 0"
        : !peerReachable ? "the peer is not reachable"
        : null;

    /// <summary>Counts a received batch: the stream it starts, or the next one in order (a gap is merged but not counted).</summary>
    public static (ReceivingState State, bool FullComplete) OnBatch(ReceivingState state, StateBatch batch)
    {
        var next = state;
        if (batch.StartsStream && batch.Sequence == 1 && batch.Stream != state.Stream) next = new ReceivingState(batch.Stream, 1);
        else if (batch.Stream == state.Stream && batch.Sequence == state.Held + 1) next = state with { Held = batch.Sequence };
        var complete = batch.EndsFull && next.Stream == batch.Stream && next.Held == batch.Sequence;
        return (next, complete);
    }
}
