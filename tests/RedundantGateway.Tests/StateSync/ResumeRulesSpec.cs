using System.Collections.Immutable;
using RedundantGateway.StateSync;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

/// <summary>
/// Issue 11, durable streams: after a restart a node resumes both streams from its stored positions, so that it and
/// its peer exchange only the deltas each missed; only a lost store or a peer that holds less than it acknowledged
/// needs a full state.
/// </summary>
public sealed class ResumeRulesSpec
{
    private static readonly ShippingLimits Limits = new(MaxBatchEntries: 100, BatchInterval: TimeSpan.FromMilliseconds(10),
        MaxRetainedBatches: 10, MaxRetainedBytes: 10_000, ResendAfter: TimeSpan.FromSeconds(1), FullTransferTimeout: TimeSpan.FromSeconds(30));

    private static readonly Guid Stream = Guid.NewGuid();

    private static HybridTimestamp At(long wallMs, ushort node = 1) => new(wallMs, 0, node);

    private static ImmutableArray<byte> Bytes(int n) => [.. new byte[n]];

    private static StateLoadReport Loaded(int records, string? problem = null) => new(3, 0, records, 0, problem);

    [Fact]
    public void Without_a_stored_position_a_start_is_a_fresh_stream_that_begins_with_a_full_state()
    {
        var fresh = Guid.NewGuid();
        var state = ResumeRules.Sending(null, fresh);

        Assert.Equal(ShippingState.Initial(fresh), state);
        var (_, decision) = ShippingRules.OnAck(state, new StateBatchAck(Stream, 9, true), 0, Limits);
        Assert.Contains("another stream", Assert.IsType<ShippingDecision.FullTransfer>(decision).Why);
    }

    [Fact]
    public void A_resumed_stream_waits_for_the_peer_then_continues_after_what_it_holds_with_the_changes_since_the_stored_stamp()
    {
        var resumed = ResumeRules.Sending(new SentPosition(Stream, 5, At(1000)), Guid.NewGuid());

        Assert.True(resumed.Resuming);
        Assert.False(ShippingRules.ShipsDeltas(resumed));   // local changes meanwhile go in the catch-up
        var (next, decision) = ShippingRules.OnAck(resumed, new StateBatchAck(Stream, 7, true), 0, Limits);

        Assert.Equal(new ShippingDecision.ResumeStream(At(1000), ThenSyncPoint: false), decision);
        Assert.Equal((8L, 7L, true, false), (next.NextSequence, next.Acked, next.PeerKnowsStream, next.Resuming));
        Assert.True(ShippingRules.ShipsDeltas(next));

        var (_, bothRestarted) = ShippingRules.OnAck(resumed, new StateBatchAck(Stream, 5, true, NeedsState: true), 0, Limits);
        Assert.Equal(new ShippingDecision.ResumeStream(At(1000), ThenSyncPoint: true), bothRestarted);
    }

    [Fact]
    public void A_resumed_stream_sends_the_full_state_to_a_peer_that_lost_it_or_holds_less_than_it_acknowledged()
    {
        var resumed = ResumeRules.Sending(new SentPosition(Stream, 5, At(1000)), Guid.NewGuid());

        var (_, lost) = ShippingRules.OnAck(resumed, new StateBatchAck(Guid.Empty, 0, true, NeedsState: true), 0, Limits);
        var (_, less) = ShippingRules.OnAck(resumed, new StateBatchAck(Stream, 4, true), 0, Limits);

        Assert.Contains("lost its state", Assert.IsType<ShippingDecision.FullTransfer>(lost).Why);
        Assert.Contains("less than the 5 it acknowledged", Assert.IsType<ShippingDecision.FullTransfer>(less).Why);
    }

    [Fact]
    public void The_stored_position_covers_the_acknowledged_full_state_and_then_the_last_batch_of_each_acknowledged_flush()
    {
        var full = ShippingRules.StartFull(Stream, 2, 0) with { FullStamp = At(1000) };
        Assert.Null(ResumeRules.Stored(full));   // nothing acknowledged: a restart starts over

        var (afterFull, _) = ShippingRules.OnAck(full, new StateBatchAck(Stream, 2, false), 10, Limits);
        Assert.Equal(new SentPosition(Stream, 2, At(1000)), ResumeRules.Stored(afterFull));

        // One flush split in two batches (3, 4): only the last covers the flush.
        var sent = ShippingRules.Sent(afterFull, Bytes(10), 20, Limits);
        sent = ShippingRules.Sent(sent, Bytes(10), 20, Limits, covers: At(2000));
        var (halfAcked, _) = ShippingRules.OnAck(sent, new StateBatchAck(Stream, 3, false), 30, Limits);
        var (allAcked, _) = ShippingRules.OnAck(halfAcked, new StateBatchAck(Stream, 4, false), 30, Limits);

        Assert.Equal(new SentPosition(Stream, 3, At(1000)), ResumeRules.Stored(halfAcked));
        Assert.Equal(new SentPosition(Stream, 4, At(2000)), ResumeRules.Stored(allAcked));
    }

    [Fact]
    public void A_stored_receiving_position_is_used_only_when_the_store_loaded_whole()
    {
        var stored = new ReceivingState(Stream, 12);

        Assert.Equal(stored, ResumeRules.Receiving(stored, Loaded(4)));
        Assert.Equal(ReceivingState.Initial, ResumeRules.Receiving(stored, Loaded(0)));   // folder emptied: it could be ahead
        Assert.Equal(ReceivingState.Initial, ResumeRules.Receiving(stored, Loaded(4, "log: a record's checksum does not match")));
    }

    [Fact]
    public void The_catch_up_holds_every_part_stamped_after_the_stored_stamp_and_nothing_before()
    {
        var old = At(1000);
        var recent = At(3000);
        var entry = AlarmEntry.Of(
            activity: new AlarmActivity(old, true, old, null, null),
            acks: [new AckFact(old, old, "op-old", DateTimeOffset.UnixEpoch, null), new AckFact(recent, old, "op-new", DateTimeOffset.UnixEpoch, null)],
            shelve: new ShelveFact(recent, "op-new", DateTimeOffset.UnixEpoch, null));
        var state = AlarmStateSet.Of("projects/p/alarms/changed", entry)
            .Merge(AlarmStateSet.Of("projects/p/alarms/unchanged", AlarmEntry.Of(activity: new AlarmActivity(old, false, null, null, null))));

        var catchUp = ResumeRules.CatchUp(state, At(2000));

        var fragment = Assert.Single(catchUp.Entries).Value;
        Assert.Null(fragment.Activity);
        Assert.Equal("op-new", Assert.Single(fragment.Acks).By);
        Assert.NotNull(fragment.Shelve);
        Assert.True(ResumeRules.CatchUp(state, HybridTimestamp.Zero).SameAs(state));
        Assert.True(ResumeRules.CatchUp(state, recent).IsEmpty);
    }

    [Fact]
    public void A_started_clock_begins_past_what_it_loaded_and_what_the_peer_holds_of_it()
    {
        var loaded = AlarmStateSet.Of("projects/p/alarms/a", AlarmEntry.Of(activity: new AlarmActivity(At(1000), true, At(1000), null, null)));

        Assert.Equal(At(1000), ResumeRules.ClockStart(loaded, null));
        // The log lost its last interval (a power cut) but the peer holds it: the next stamps must sort after.
        Assert.Equal(At(5000), ResumeRules.ClockStart(loaded, new SentPosition(Stream, 3, At(5000))));
    }
}
