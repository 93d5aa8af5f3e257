using System.Collections.Immutable;
using RedundantGateway.StateSync;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

/// <summary>
/// Issue 11, shipping: when a delta batch leaves, what the sender keeps until the peer acknowledges it, and when only
/// a full state will do (first contact, a peer that lost its state, an acknowledgement older than what is kept).
/// </summary>
public sealed class ShippingRulesSpec
{
    private static readonly ShippingLimits Limits = new(MaxBatchEntries: 100, BatchInterval: TimeSpan.FromMilliseconds(10),
        MaxRetainedBatches: 3, MaxRetainedBytes: 1000, ResendAfter: TimeSpan.FromSeconds(1), FullTransferTimeout: TimeSpan.FromSeconds(30));

    private static readonly Guid Stream = Guid.NewGuid();

    private static ImmutableArray<byte> Bytes(int n) => [.. new byte[n]];

    /// <summary>A stream the peer holds (its full state of 2 batches acknowledged) with <paramref name="deltas"/> sent.</summary>
    private static ShippingState Known(int deltas, int bytesEach = 10, long sentAtMs = 1000)
    {
        var (state, _) = ShippingRules.OnAck(ShippingRules.StartFull(Stream, 2, 0), new StateBatchAck(Stream, 2, false), 10, Limits);
        for (var i = 0; i < deltas; i++) state = ShippingRules.Sent(state, Bytes(bytesEach), sentAtMs, Limits);
        return state;
    }

    [Theory]
    [InlineData(0, 50, false)]
    [InlineData(5, 5, false)]
    [InlineData(5, 10, true)]
    [InlineData(100, 0, true)]
    public void A_batch_leaves_when_full_or_after_the_batch_interval(int entries, int waitedMs, bool flushes) =>
        Assert.Equal(flushes, ShippingRules.ShouldFlush(entries, TimeSpan.FromMilliseconds(waitedMs), Limits));

    [Theory]
    [InlineData(0, 50, false)]
    [InlineData(150, 5, false)]
    [InlineData(5, 10, true)]
    [InlineData(100 * ShippingRules.ChangesPerStore, 0, true)]
    public void Local_changes_are_stored_together_after_the_batch_interval_or_when_many(int entries, int waitedMs, bool stores) =>
        Assert.Equal(stores, ShippingRules.ShouldStore(entries, TimeSpan.FromMilliseconds(waitedMs), Limits));

    [Fact]
    public void First_contact_gets_the_full_state()
    {
        var (_, decision) = ShippingRules.OnAck(ShippingState.Initial(Stream), new StateBatchAck(Guid.Empty, 0, true), 0, Limits);

        Assert.Equal("first contact", Assert.IsType<ShippingDecision.FullTransfer>(decision).Why);
        Assert.False(ShippingRules.ShipsDeltas(ShippingState.Initial(Stream)));
    }

    [Fact]
    public void A_peer_that_lost_its_state_gets_the_full_state()
    {
        var (_, decision) = ShippingRules.OnAck(Known(2), new StateBatchAck(Guid.Empty, 0, true), 5000, Limits);

        Assert.Contains("lost its state", Assert.IsType<ShippingDecision.FullTransfer>(decision).Why);
    }

    [Fact]
    public void Acknowledgements_of_an_old_stream_crossing_a_full_state_start_no_second_one()
    {
        var state = ShippingRules.StartFull(Stream, 5, nowMs: 1000);

        var (_, crossing) = ShippingRules.OnAck(state, new StateBatchAck(Guid.Empty, 0, true), 2000, Limits);
        var (_, late) = ShippingRules.OnAck(state, new StateBatchAck(Guid.Empty, 0, true), 1000 + 31_000, Limits);

        Assert.IsType<ShippingDecision.Nothing>(crossing);
        Assert.IsType<ShippingDecision.FullTransfer>(late);
        Assert.True(ShippingRules.ShipsDeltas(state));
    }

    [Fact]
    public void An_acknowledgement_drops_what_the_peer_holds()
    {
        var state = Known(3);   // deltas 3, 4, 5

        var (after, decision) = ShippingRules.OnAck(state, new StateBatchAck(Stream, 4, false), 1100, Limits);

        Assert.IsType<ShippingDecision.Nothing>(decision);
        Assert.Equal(4, after.Acked);
        Assert.Equal(1, after.RetainedCount);
        Assert.Equal(10, after.RetainedBytes);
        Assert.Equal(5, after.Retained.Peek().Sequence);
    }

    [Fact]
    public void A_peer_slightly_behind_gets_the_retained_deltas_again_not_a_full_state()
    {
        var state = Known(3, sentAtMs: 1000);

        var (_, early) = ShippingRules.OnAck(state, new StateBatchAck(Stream, 3, true), 1500, Limits);
        var (_, decision) = ShippingRules.OnAck(state, new StateBatchAck(Stream, 3, true), 2500, Limits);

        Assert.IsType<ShippingDecision.Nothing>(early);   // still in flight
        Assert.Equal([4L, 5L], Assert.IsType<ShippingDecision.Resend>(decision).Batches.Select(b => b.Sequence));
    }

    [Fact]
    public void A_restarted_peer_asking_for_the_state_gets_what_it_misses_at_once_and_then_a_sync_point()
    {
        var state = Known(3, sentAtMs: 1000);   // deltas 3, 4, 5

        var (_, behind) = ShippingRules.OnAck(state, new StateBatchAck(Stream, 3, true, NeedsState: true), 1100, Limits);
        var (_, current) = ShippingRules.OnAck(state, new StateBatchAck(Stream, 5, true, NeedsState: true), 1100, Limits);
        var (_, notProbe) = ShippingRules.OnAck(state, new StateBatchAck(Stream, 5, false, NeedsState: true), 1100, Limits);
        var (_, inFlight) = ShippingRules.OnAck(ShippingRules.StartFull(Stream, 4, 1000), new StateBatchAck(Stream, 2, true, NeedsState: true), 1100, Limits);

        var sync = Assert.IsType<ShippingDecision.SyncPoint>(behind);
        Assert.Equal([4L, 5L], sync.Missing.Select(b => b.Sequence));   // not waiting for resend-after
        Assert.Equal(5, sync.Sequence);
        var caughtUp = Assert.IsType<ShippingDecision.SyncPoint>(current);
        Assert.Equal((0, 5L), (caughtUp.Missing.Length, caughtUp.Sequence));
        Assert.IsType<ShippingDecision.Nothing>(notProbe);
        Assert.IsType<ShippingDecision.Nothing>(inFlight);   // the full state's last batch says it
    }

    [Fact]
    public void Retention_is_bounded_by_count_and_bytes_and_a_peer_behind_the_bound_gets_the_full_state()
    {
        var byCount = Known(5);   // 3..7, bound 3
        var byBytes = Known(3, bytesEach: 400);   // 1200 bytes, bound 1000

        Assert.Equal(3, byCount.RetainedCount);
        Assert.Equal(5, byCount.Retained.Peek().Sequence);
        Assert.Equal(2, byBytes.RetainedCount);
        Assert.Equal(800, byBytes.RetainedBytes);

        var (_, decision) = ShippingRules.OnAck(byCount, new StateBatchAck(Stream, 3, true), 5000, Limits);
        Assert.Contains("older than the retained deltas", Assert.IsType<ShippingDecision.FullTransfer>(decision).Why);
    }

    [Fact]
    public void The_lag_is_the_age_of_the_oldest_batch_not_acknowledged()
    {
        Assert.Equal(0, ShippingRules.LagMs(Known(0), 5000));
        Assert.Equal(4000, ShippingRules.LagMs(Known(2, sentAtMs: 1000), 5000));
    }

    [Fact]
    public void A_receiver_counts_batches_in_order_and_knows_when_a_full_state_is_complete()
    {
        var other = Guid.NewGuid();
        var state = ReceivingState.Initial;

        (state, var done1) = ShippingRules.OnBatch(state, new StateBatch(other, 1, true, false, []));
        (state, var gap) = ShippingRules.OnBatch(state, new StateBatch(other, 3, false, true, []));
        Assert.Equal(new ReceivingState(other, 1), state);
        Assert.False(done1 || gap);

        (state, var done2) = ShippingRules.OnBatch(state, new StateBatch(other, 2, false, true, []));
        Assert.Equal(new ReceivingState(other, 2), state);
        Assert.True(done2);

        // A duplicate changes nothing; a new stream (another full state) starts over.
        (state, _) = ShippingRules.OnBatch(state, new StateBatch(other, 2, false, true, []));
        Assert.Equal(2, state.Held);
        (state, _) = ShippingRules.OnBatch(state, new StateBatch(Stream, 1, true, false, []));
        Assert.Equal(new ReceivingState(Stream, 1), state);
    }

    [Theory]
    [InlineData(false, false, false, 5, "no peer")]
    [InlineData(true, true, true, 5, "the peer's full state is merged")]
    [InlineData(true, true, false, 0, "peer-state-wait is 0")]
    [InlineData(true, false, false, 5, "the peer is not reachable")]
    [InlineData(true, true, false, 5, null)]
    public void A_node_going_active_waits_only_for_a_reachable_peer_whose_state_has_not_come(
        bool hasPeer, bool reachable, bool received, int waitSeconds, string? goesNow) =>
        Assert.Equal(goesNow, ShippingRules.ActivationGoesNow(hasPeer, reachable, received, TimeSpan.FromSeconds(waitSeconds)));
}
