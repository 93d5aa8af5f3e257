using System.Globalization;
using RedundantGateway.Tags;

namespace RedundantGateway.Alarms;

/// <summary>
/// The alarm decisions, pure (no actor, no clock of their own: the caller passes the time), so that tests drive
/// every transition and both nodes decide alike.
/// <list type="bullet">
/// <item>above: the condition sets when value &gt; setpoint and clears only when value &lt; setpoint - deadband
/// (below mirrors it: sets below the setpoint, clears above setpoint + deadband);</item>
/// <item>equal: the condition holds while |value - setpoint| &lt;= deadband (the deadband is the tolerance, no
/// hysteresis: with 0 it means exact equality, what integer and boolean tags need);</item>
/// <item>badQuality: the condition holds while the tag's quality is bad or the tag does not exist; uncertain is
/// not bad;</item>
/// <item>the condition must hold for the on delay before the alarm goes active, and be clear for the off delay
/// before it clears; the transition is dated when the delay ran out, whenever it is noticed;</item>
/// <item>a value condition on a tag that is bad, missing or not a number cannot be judged: the alarm keeps its
/// state, any running delay stops, and its quality reason says why.</item>
/// </list>
/// Booleans count as 1 and 0; strings that read as invariant numbers count as those numbers.
/// </summary>
public static class AlarmRules
{
    /// <summary>The alarm after its tag's value at <paramref name="now"/> (<paramref name="value"/> null: the tag does not exist).</summary>
    public static AlarmState Evaluate(AlarmDefinition definition, AlarmState state, TagValue? value, DateTimeOffset now)
    {
        var (known, condition, number, reason) = Judge(definition, state.Condition, value);
        state = state with { QualityReason = reason, EvaluatedAt = now };
        if (!known) return ExpireShelve(state with { PendingSince = null, LastValue = null }, now);
        return Advance(definition, state with { Condition = condition, LastValue = number }, now);
    }

    /// <summary>The alarm at <paramref name="now"/> with no new value: a delay that ran out, a shelve that ended.</summary>
    public static AlarmState Tick(AlarmDefinition definition, AlarmState state, DateTimeOffset now) =>
        state.EvaluatedAt is null ? ExpireShelve(state, now) : Advance(definition, state, now);

    /// <summary>When <see cref="Tick"/> next has something to do (a delay running out, a shelve ending); null: never.</summary>
    public static DateTimeOffset? NextDue(AlarmDefinition definition, AlarmState state)
    {
        DateTimeOffset? due = state.PendingSince is { } since ? since + Delay(definition, state.Condition) : null;
        if (state.Shelve is { } shelve && (due is null || shelve.Until < due)) due = shelve.Until;
        return due;
    }

    /// <summary>
    /// Acknowledges an active alarm, or a cleared one not yet acknowledged; anything else is refused with the reason
    /// (acknowledging twice says by whom and when it already was).
    /// </summary>
    public static (AlarmState State, string? Error) Acknowledge(AlarmState state, string by, string? note, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(by)) return (state, "an acknowledgement needs 'by': who acknowledges");
        if (state.Acked)
        {
            return state.Ack is { } ack && (state.LastActivation is null || ack.At >= state.LastActivation.At)
                ? (state, $"already acknowledged by {ack.By} at {Format(ack.At)}")
                : (state, "nothing to acknowledge: the alarm has not been active since it was last acknowledged");
        }
        return (state with { Acked = true, Ack = new AlarmAck(by, now, string.IsNullOrWhiteSpace(note) ? null : note) }, null);
    }

    /// <summary>
    /// Shelves the alarm until <paramref name="until"/> (a later shelve replaces an earlier one): it still
    /// evaluates, flagged shelved, and unshelves itself at that time.
    /// </summary>
    public static (AlarmState State, string? Error) Shelve(AlarmState state, string by, DateTimeOffset until, DateTimeOffset now, TimeSpan maxShelve)
    {
        if (string.IsNullOrWhiteSpace(by)) return (state, "a shelve needs 'by': who shelves");
        if (until <= now) return (state, $"a shelve must end in the future: {Format(until)} is not after {Format(now)}");
        if (until - now > maxShelve)
            return (state, $"a shelve may last at most {maxShelve} (alarms.max-shelve-duration): {Format(until)} is later");
        return (state with { Shelve = new AlarmShelve(by, now, until) }, null);
    }

    public static (AlarmState State, string? Error) Unshelve(AlarmState state, string by)
    {
        if (string.IsNullOrWhiteSpace(by)) return (state, "an unshelve needs 'by': who unshelves");
        if (state.Shelve is null) return (state, "the alarm is not shelved");
        return (state with { Shelve = null }, null);
    }

    /// <summary>The condition with its deadband, given whether it held before (the hysteresis of above and below).</summary>
    public static bool Compare(AlarmDefinition definition, bool held, double value) => definition.Condition switch
    {
        AlarmCondition.Above => held ? value >= definition.Setpoint - definition.Deadband : value > definition.Setpoint,
        AlarmCondition.Below => held ? value <= definition.Setpoint + definition.Deadband : value < definition.Setpoint,
        AlarmCondition.Equal => Math.Abs(value - definition.Setpoint) <= definition.Deadband,
        _ => false,
    };

    /// <summary>A tag value as a number, or null (no value, or one that is not a number).</summary>
    public static double? ToNumber(object? value) => value switch
    {
        double d when double.IsFinite(d) => d,
        float f when float.IsFinite(f) => f,
        long l => l,
        int i => i,
        short s => s,
        byte b => b,
        decimal m => (double)m,
        bool flag => flag ? 1 : 0,
        string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed) => parsed,
        _ => null,
    };

    private static (bool Known, bool Condition, double? Number, string? Reason) Judge(AlarmDefinition definition, bool held, TagValue? value)
    {
        var badQuality = definition.Condition == AlarmCondition.BadQuality;
        if (value is null) return (badQuality, true, null, $"tag '{definition.Tag}' does not exist");
        if (value.Quality == TagQuality.Bad)
            return (badQuality, true, null, $"tag '{definition.Tag}' has bad quality: {value.Reason ?? "no reason given"}");
        var uncertain = value.Quality == TagQuality.Uncertain
            ? $"tag '{definition.Tag}' has uncertain quality: {value.Reason ?? "no reason given"}"
            : null;
        var number = ToNumber(value.Value);
        if (badQuality) return (true, false, number, uncertain);
        if (number is not { } n)
            return (false, held, null, $"tag '{definition.Tag}' has no numeric value ({value.Value ?? "null"})");
        return (true, Compare(definition, held, n), n, uncertain);
    }

    private static AlarmState Advance(AlarmDefinition definition, AlarmState state, DateTimeOffset now)
    {
        state = ExpireShelve(state, now);
        if (state.Condition == state.Active) return state.PendingSince is null ? state : state with { PendingSince = null };
        var since = state.PendingSince ?? now;
        var due = since + Delay(definition, state.Condition);
        if (now < due) return state.PendingSince is null ? state with { PendingSince = since } : state;
        var transition = new AlarmTransition(due, state.LastValue);
        return state.Condition
            ? state with { Active = true, PendingSince = null, ActiveSince = due, LastActivation = transition, Acked = false }
            : state with { Active = false, PendingSince = null, ActiveSince = null, LastClear = transition };
    }

    private static TimeSpan Delay(AlarmDefinition definition, bool condition) => condition ? definition.OnDelay : definition.OffDelay;

    private static AlarmState ExpireShelve(AlarmState state, DateTimeOffset now) =>
        state.Shelve is { } shelve && now >= shelve.Until ? state with { Shelve = null } : state;

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
