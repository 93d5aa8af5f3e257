using RedundantGateway.Alarms;
using RedundantGateway.StateSync;
using RedundantGateway.Tests.Alarms;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

/// <summary>The per-alarm rules, by example; AlarmStateMergeProperties checks the laws on random histories.</summary>
public sealed class AlarmEntrySpec
{
    private const string Id = "projects/demo/alarms/a1";
    private static readonly DateTimeOffset T0 = ManualTimeProvider.Start;

    private static HybridTimestamp At(long ms, ushort node, uint counter = 0) => new(T0.ToUnixTimeMilliseconds() + ms, counter, node);

    private static AlarmTransition Seen(long ms, double value) => new(T0.AddMilliseconds(ms), value);

    private static AlarmRuntimeView View(AlarmStateSet state, long ms = 0) => AlarmViews.Derive(state[Id], T0.AddMilliseconds(ms));

    private static AlarmStateSet Activated(HybridTimestamp stamp, AlarmStateSet? state = null)
    {
        state ??= AlarmStateSet.Empty;
        return state.Merge(AlarmStateChanges.Transition(state, Id, true, Seen(0, 80), stamp));
    }

    private static AlarmStateSet Acked(AlarmStateSet state, string by, HybridTimestamp stamp)
    {
        var (delta, error) = AlarmStateChanges.Acknowledge(state, Id, by, "seen", stamp.Wall, stamp, stamp.Wall);
        Assert.Null(error);
        return delta;
    }

    [Fact]
    public void Active_or_clear_follows_the_greater_hybrid_stamp_not_the_wall_clock()
    {
        // The backup's wall clock is 5 minutes ahead: its activation reads 5 minutes later. The master saw it (its
        // clock moved past it) and then cleared the alarm: the clear is the later event and wins on both sides,
        // though the master's wall clock says it happened 5 minutes earlier.
        var backupClock = new HybridClock(new ManualTimeProvider(T0.AddMinutes(5)), 2);
        var masterClock = new HybridClock(new ManualTimeProvider(T0), 1);
        var activated = Activated(backupClock.Now());
        masterClock.Observe(activated.MaxStamp);
        var cleared = AlarmStateChanges.Transition(activated, Id, false, Seen(10, 20), masterClock.Now());

        Assert.False(View(activated.Merge(cleared)).Active);
        Assert.False(View(cleared.Merge(activated)).Active);
        Assert.Equal(Seen(0, 80), View(activated.Merge(cleared)).LastActivation);
        Assert.Equal(Seen(10, 20), View(cleared.Merge(activated)).LastClear);
    }

    [Fact]
    public void Two_writes_in_the_same_millisecond_and_count_are_decided_by_the_node_id_on_both_nodes()
    {
        var fromMaster = AlarmStateChanges.Transition(AlarmStateSet.Empty, Id, true, Seen(0, 80), At(0, node: 1));
        var fromBackup = AlarmStateChanges.Transition(Activated(At(-5, 2)), Id, false, Seen(0, 10), At(0, node: 2));

        Assert.False(View(fromMaster.Merge(fromBackup)).Active);
        Assert.True(fromMaster.Merge(fromBackup).SameAs(fromBackup.Merge(fromMaster)));
    }

    [Fact]
    public void A_node_that_takes_over_an_active_alarm_writes_nothing_and_keeps_its_activation_and_ack()
    {
        var state = Activated(At(0, 1));
        state = state.Merge(Acked(state, "op", At(5, 1)));

        Assert.True(AlarmStateChanges.Transition(state, Id, true, Seen(100, 81), At(100, 2)).IsEmpty);
        Assert.True(View(state).Acked);
        Assert.Equal(Seen(0, 80).At, View(state).ActiveSince);
    }

    [Fact]
    public void An_ack_acknowledges_the_activation_it_saw_and_a_new_activation_needs_a_new_one()
    {
        var state = Activated(At(0, 1));
        Assert.False(View(state).Acked);
        state = state.Merge(Acked(state, "first", At(10, 1)));
        Assert.True(View(state).Acked);
        Assert.Equal("first", View(state).Ack!.By);

        state = state.Merge(AlarmStateChanges.Transition(state, Id, false, Seen(20, 10), At(20, 1)));
        Assert.True(View(state).Acked);
        state = state.Merge(AlarmStateChanges.Transition(state, Id, true, Seen(30, 90), At(30, 1)));

        var view = View(state);
        Assert.False(view.Acked);
        Assert.Equal("first", view.Ack!.By); // the earlier one, shown for the record
        Assert.Empty(view.Acks);              // but not as an acknowledgement of this activation
        Assert.Single(state[Id].Acks);
        state = state.Merge(Acked(state, "second", At(40, 2)));
        Assert.True(View(state).Acked);
        Assert.Equal(["second"], View(state).Acks.Select(ack => ack.By));
        Assert.Equal(["first", "second"], state[Id].Acks.Select(ack => ack.By));
    }

    [Fact]
    public void A_late_ack_of_an_earlier_activation_does_not_acknowledge_a_newer_one_whatever_its_clock()
    {
        // The backup (5 minutes ahead) acknowledges the first activation before it hears of the second.
        var first = Activated(At(0, 1));
        var second = first.Merge(AlarmStateChanges.Transition(first, Id, false, Seen(1, 10), At(1, 1)));
        second = second.Merge(AlarmStateChanges.Transition(second, Id, true, Seen(2, 90), At(2, 1)));
        var lateAck = Acked(first, "backup", At(300_000, 2));

        var merged = second.Merge(lateAck);
        Assert.False(View(merged).Acked);
        Assert.Equal("backup", merged[Id].Acks.Single().By);
    }

    [Fact]
    public void Concurrent_acks_of_one_activation_are_both_kept_and_both_nodes_show_the_earliest()
    {
        var state = Activated(At(0, 1));
        var onMaster = Acked(state, "master-op", At(50, 1));
        var onBackup = Acked(state, "backup-op", At(40, 2));

        var masterSide = state.Merge(onMaster).Merge(onBackup);
        var backupSide = state.Merge(onBackup).Merge(onMaster);

        Assert.True(masterSide.SameAs(backupSide));
        Assert.Equal(["backup-op", "master-op"], masterSide[Id].Acks.Select(ack => ack.By));
        Assert.Equal(View(masterSide), View(backupSide));
        Assert.Equal("backup-op", View(masterSide).Ack!.By);
        Assert.Equal(["backup-op", "master-op"], View(masterSide).Acks.Select(ack => ack.By));
    }

    [Fact]
    public void Acknowledging_twice_or_never_active_is_refused_with_the_reason()
    {
        var (_, never) = AlarmStateChanges.Acknowledge(AlarmStateSet.Empty, Id, "op", null, T0, At(0, 1), T0);
        Assert.StartsWith("nothing to acknowledge", never);

        var state = Activated(At(0, 1));
        state = state.Merge(Acked(state, "op", At(1, 1)));
        var (delta, twice) = AlarmStateChanges.Acknowledge(state, Id, "other", null, T0, At(2, 1), T0);
        Assert.True(delta.IsEmpty);
        Assert.StartsWith("already acknowledged by op", twice);
        Assert.Contains("'by'", AlarmStateChanges.Acknowledge(state, Id, " ", null, T0, At(2, 1), T0).Error);
    }

    [Fact]
    public void The_shelve_or_unshelve_with_the_greatest_stamp_decides_and_a_shelve_ends_at_its_until()
    {
        var shelve = AlarmStateChanges.Shelve(Id, "op", T0, T0.AddMinutes(10), At(0, 1));
        var unshelve = AlarmStateChanges.Unshelve(Id, "other", T0, At(0, 2)); // same instant: node 2 sorts later
        var laterShelve = AlarmStateChanges.Shelve(Id, "third", T0, T0.AddMinutes(30), At(1, 1));

        Assert.Null(View(shelve.Merge(unshelve)).Shelve);
        Assert.Null(View(unshelve.Merge(shelve)).Shelve);
        var shelved = unshelve.Merge(laterShelve).Merge(shelve);
        Assert.Equal(new AlarmShelve("third", T0, T0.AddMinutes(30)), View(shelved, ms: 29 * 60_000).Shelve);
        Assert.Null(View(shelved, ms: 30 * 60_000).Shelve);
    }

    [Fact]
    public void Past_the_bound_the_newest_acks_are_kept_alike_in_any_merge_order()
    {
        var state = Activated(At(0, 1));
        var episode = state[Id].Activity!.Episode!.Value;
        var acks = Enumerable.Range(1, AlarmEntry.MaxAcksKept + 4)
            .Select(i => AlarmStateSet.Of(Id, AlarmEntry.Of(acks: [new AckFact(At(i, (ushort)(i % 2 + 1)), episode, $"op{i}", T0, null)])))
            .ToList();

        var forward = acks.Aggregate(state, (s, d) => s.Merge(d));
        var backward = Enumerable.Reverse(acks).Aggregate(state, (s, d) => d.Merge(s));

        Assert.True(forward.SameAs(backward));
        Assert.Equal(Enumerable.Range(5, AlarmEntry.MaxAcksKept).Select(i => $"op{i}"), forward[Id].Acks.Select(ack => ack.By));
        Assert.True(View(forward).Acked);
    }

    [Fact]
    public void Facts_with_one_stamp_but_different_contents_still_merge_alike_both_ways()
    {
        // Only corrupt input does this (two nodes with one id); the merge must stay a merge all the same.
        var a = AlarmStateSet.Of(Id, AlarmEntry.Of(activity: new AlarmActivity(At(0, 1), true, At(0, 1), Seen(0, 1), null)));
        var b = AlarmStateSet.Of(Id, AlarmEntry.Of(activity: new AlarmActivity(At(0, 1), false, null, null, Seen(0, 2))));
        Assert.True(a.Merge(b).SameAs(b.Merge(a)));
    }

    [Fact]
    public void The_view_overlays_the_replicated_fields_on_the_local_evaluation()
    {
        var state = Activated(At(0, 1));
        state = state.Merge(Acked(state, "op", At(1, 1)));
        var local = AlarmState.Initial("not evaluated") with { Condition = true, LastValue = 81, QualityReason = null };

        var overlaid = AlarmViews.Overlay(local, View(state));

        Assert.True(overlaid.Active);
        Assert.True(overlaid.Acked);
        Assert.Equal("op", overlaid.Ack!.By);
        Assert.Equal(Seen(0, 80), overlaid.LastActivation);
        Assert.Equal(81, overlaid.LastValue);
        Assert.True(overlaid.Condition);
    }
}
