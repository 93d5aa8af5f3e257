using RedundantGateway.Alarms;
using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.Alarms;

/// <summary>The alarm decisions on a clock the test moves: conditions with deadband, delays, quality, ack and shelve.</summary>
public sealed class AlarmRulesSpec
{
    private const string Tag = "projects/demo/tags/t001";
    private static readonly DateTimeOffset T0 = ManualTimeProvider.Start;
    private static readonly TimeSpan MaxShelve = TimeSpan.FromHours(24);

    private static AlarmDefinition Definition(AlarmCondition condition, double setpoint = 50, double deadband = 0, int onMs = 0, int offMs = 0) =>
        new("alarms/a", Tag, condition, setpoint, deadband, TimeSpan.FromMilliseconds(onMs), TimeSpan.FromMilliseconds(offMs),
            AlarmPriority.High, "A", "");

    private static TagValue Good(object? value, DateTimeOffset? at = null) => new(Tag, value, TagQuality.Good, at ?? T0);

    private static AlarmState Fresh => AlarmState.Initial("not evaluated");

    /// <summary>Feeds the values one second apart and answers whether the alarm was active after each.</summary>
    private static bool[] Run(AlarmDefinition definition, params double[] values)
    {
        var state = Fresh;
        return values.Select((v, i) =>
        {
            state = AlarmRules.Evaluate(definition, state, Good(v), T0.AddSeconds(i));
            return state.Active;
        }).ToArray();
    }

    [Fact]
    public void Above_sets_over_the_setpoint_and_clears_only_under_setpoint_minus_deadband() =>
        Assert.Equal([false, false, true, true, true, false, false, true],
            Run(Definition(AlarmCondition.Above, 50, 2), 40, 50, 50.5, 49, 48, 47.9, 50, 51));

    [Fact]
    public void Below_mirrors_above() =>
        Assert.Equal([false, false, true, true, true, false, false, true],
            Run(Definition(AlarmCondition.Below, 50, 2), 60, 50, 49.5, 51, 52, 52.1, 50, 49));

    [Fact]
    public void Equal_holds_within_the_deadband_as_tolerance() =>
        Assert.Equal([false, true, true, true, false, false],
            Run(Definition(AlarmCondition.Equal, 10, 0.5), 9, 9.5, 10, 10.5, 10.6, 20));

    [Fact]
    public void Equal_with_no_deadband_is_exact_and_booleans_count_as_one_and_zero()
    {
        var definition = Definition(AlarmCondition.Equal, 1);
        var state = AlarmRules.Evaluate(definition, Fresh, Good(true), T0);
        Assert.True(state.Active);
        state = AlarmRules.Evaluate(definition, state, Good(false), T0.AddSeconds(1));
        Assert.False(state.Active);
        state = AlarmRules.Evaluate(definition, state, Good(1L), T0.AddSeconds(2));
        Assert.True(state.Active);
    }

    [Fact]
    public void Transitions_record_their_time_and_value()
    {
        var definition = Definition(AlarmCondition.Above, 50);
        var state = AlarmRules.Evaluate(definition, Fresh, Good(60.0), T0);
        Assert.Equal(new AlarmTransition(T0, 60), state.LastActivation);
        Assert.Equal(T0, state.ActiveSince);
        Assert.False(state.Acked);
        state = AlarmRules.Evaluate(definition, state, Good(40.0), T0.AddSeconds(3));
        Assert.Equal(new AlarmTransition(T0.AddSeconds(3), 40), state.LastClear);
        Assert.Null(state.ActiveSince);
        Assert.Equal(new AlarmTransition(T0, 60), state.LastActivation);
    }

    [Fact]
    public void The_on_delay_needs_the_condition_to_hold_throughout()
    {
        var definition = Definition(AlarmCondition.Above, 50, onMs: 2000);
        var state = AlarmRules.Evaluate(definition, Fresh, Good(60.0), T0);
        Assert.False(state.Active);
        Assert.Equal(T0.AddSeconds(2), AlarmRules.NextDue(definition, state));

        // Dips under the setpoint before the delay runs out: the delay starts again.
        state = AlarmRules.Evaluate(definition, state, Good(40.0), T0.AddSeconds(1));
        Assert.Null(AlarmRules.NextDue(definition, state));
        state = AlarmRules.Evaluate(definition, state, Good(60.0), T0.AddSeconds(1.5));
        state = AlarmRules.Tick(definition, state, T0.AddSeconds(3));
        Assert.False(state.Active);

        // No new value needed: the delay running out is enough, dated when it ran out.
        state = AlarmRules.Tick(definition, state, T0.AddSeconds(4));
        Assert.True(state.Active);
        Assert.Equal(new AlarmTransition(T0.AddSeconds(3.5), 60), state.LastActivation);
    }

    [Fact]
    public void The_off_delay_needs_the_condition_to_stay_clear()
    {
        var definition = Definition(AlarmCondition.Above, 50, offMs: 1000);
        var state = AlarmRules.Evaluate(definition, Fresh, Good(60.0), T0);
        Assert.True(state.Active);
        state = AlarmRules.Evaluate(definition, state, Good(40.0), T0.AddSeconds(1));
        Assert.True(state.Active);
        state = AlarmRules.Evaluate(definition, state, Good(60.0), T0.AddSeconds(1.5));
        state = AlarmRules.Tick(definition, state, T0.AddSeconds(3));
        Assert.True(state.Active);
        state = AlarmRules.Evaluate(definition, state, Good(30.0), T0.AddSeconds(4));
        state = AlarmRules.Tick(definition, state, T0.AddSeconds(4.999));
        Assert.True(state.Active);
        state = AlarmRules.Evaluate(definition, state, Good(31.0), T0.AddSeconds(5));
        Assert.False(state.Active);
        Assert.Equal(new AlarmTransition(T0.AddSeconds(5), 31), state.LastClear);
    }

    [Fact]
    public void Bad_quality_sets_the_bad_quality_condition_and_holds_a_value_condition_with_the_reason()
    {
        var quality = Definition(AlarmCondition.BadQuality);
        var bad = new TagValue(Tag, null, TagQuality.Bad, T0, "provider disconnected");
        var state = AlarmRules.Evaluate(quality, Fresh, bad, T0);
        Assert.True(state.Active);
        Assert.Contains("provider disconnected", state.QualityReason);
        state = AlarmRules.Evaluate(quality, state, new TagValue(Tag, 1.0, TagQuality.Uncertain, T0, "stale"), T0.AddSeconds(1));
        Assert.False(state.Active);
        Assert.Contains("uncertain", state.QualityReason);

        var above = Definition(AlarmCondition.Above, 50, onMs: 1000);
        var held = AlarmRules.Evaluate(above, Fresh, Good(60.0), T0);
        held = AlarmRules.Evaluate(above, held, bad, T0.AddSeconds(0.5));
        Assert.Null(held.PendingSince);
        held = AlarmRules.Tick(above, held, T0.AddSeconds(5));
        Assert.False(held.Active);
        Assert.Equal($"tag '{Tag}' has bad quality: provider disconnected", held.QualityReason);
        held = AlarmRules.Evaluate(above, held, Good(60.0), T0.AddSeconds(6));
        Assert.Null(held.QualityReason);
    }

    [Fact]
    public void A_missing_tag_is_bad_quality_with_the_reason()
    {
        var state = AlarmRules.Evaluate(Definition(AlarmCondition.Above), Fresh, null, T0);
        Assert.False(state.Active);
        Assert.Equal($"tag '{Tag}' does not exist", state.QualityReason);
        Assert.True(AlarmRules.Evaluate(Definition(AlarmCondition.BadQuality), Fresh, null, T0).Active);
    }

    [Fact]
    public void A_value_that_is_no_number_cannot_be_judged()
    {
        var state = AlarmRules.Evaluate(Definition(AlarmCondition.Above), Fresh, Good("high"), T0);
        Assert.False(state.Active);
        Assert.Contains("no numeric value", state.QualityReason);
        Assert.True(AlarmRules.Evaluate(Definition(AlarmCondition.Above), Fresh, Good("51.5"), T0).Active);
    }

    [Fact]
    public void Ack_takes_an_active_or_an_unacknowledged_cleared_alarm_once()
    {
        var definition = Definition(AlarmCondition.Above);
        var (fresh, error) = AlarmRules.Acknowledge(Fresh, "op", null, T0);
        Assert.Contains("nothing to acknowledge", error);

        var active = AlarmRules.Evaluate(definition, Fresh, Good(60.0), T0);
        var (acked, accepted) = AlarmRules.Acknowledge(active, "op", "seen", T0.AddSeconds(1));
        Assert.Null(accepted);
        Assert.Equal(new AlarmAck("op", T0.AddSeconds(1), "seen"), acked.Ack);
        Assert.True(acked.Active);
        var (_, twice) = AlarmRules.Acknowledge(acked, "other", null, T0.AddSeconds(2));
        Assert.Equal("already acknowledged by op at 2026-12-02T06:00:01.0000000Z", twice);

        // Cleared without an ack: still to acknowledge; active again after an ack: to acknowledge again.
        var cleared = AlarmRules.Evaluate(definition, active, Good(40.0), T0.AddSeconds(3));
        Assert.False(cleared.Acked);
        Assert.Null(AlarmRules.Acknowledge(cleared, "op", null, T0.AddSeconds(4)).Error);
        var again = AlarmRules.Evaluate(definition, AlarmRules.Evaluate(definition, acked, Good(40.0), T0.AddSeconds(5)), Good(70.0), T0.AddSeconds(6));
        Assert.False(again.Acked);
        Assert.Null(AlarmRules.Acknowledge(again, "op", null, T0.AddSeconds(7)).Error);
        Assert.Contains("needs 'by'", AlarmRules.Acknowledge(again, " ", null, T0).Error);
    }

    [Fact]
    public void A_shelved_alarm_still_evaluates_and_unshelves_itself_at_its_end()
    {
        var definition = Definition(AlarmCondition.Above);
        var (shelved, error) = AlarmRules.Shelve(Fresh, "op", T0.AddMinutes(10), T0, MaxShelve);
        Assert.Null(error);
        Assert.True(shelved.Shelved);
        Assert.Equal(T0.AddMinutes(10), AlarmRules.NextDue(definition, shelved));

        var active = AlarmRules.Evaluate(definition, shelved, Good(60.0), T0.AddMinutes(1));
        Assert.True(active.Active);
        Assert.True(active.Shelved);
        Assert.True(AlarmRules.Tick(definition, active, T0.AddMinutes(9)).Shelved);
        Assert.False(AlarmRules.Tick(definition, active, T0.AddMinutes(10)).Shelved);
    }

    [Fact]
    public void Shelve_and_unshelve_refuse_what_makes_no_sense()
    {
        Assert.Contains("must end in the future", AlarmRules.Shelve(Fresh, "op", T0, T0, MaxShelve).Error);
        Assert.Contains("at most", AlarmRules.Shelve(Fresh, "op", T0.AddHours(25), T0, MaxShelve).Error);
        Assert.Contains("needs 'by'", AlarmRules.Shelve(Fresh, "", T0.AddHours(1), T0, MaxShelve).Error);
        Assert.Equal("the alarm is not shelved", AlarmRules.Unshelve(Fresh, "op").Error);

        var shelved = AlarmRules.Shelve(Fresh, "op", T0.AddHours(1), T0, MaxShelve).State;
        var (unshelved, error) = AlarmRules.Unshelve(shelved, "op");
        Assert.Null(error);
        Assert.False(unshelved.Shelved);
    }
}
