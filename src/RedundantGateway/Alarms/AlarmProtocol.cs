namespace RedundantGateway.Alarms;

public enum AlarmStateFilter { Any, Active, Clear }

/// <summary>Which alarms a client wants: by state, priority and id prefix (null: any).</summary>
public sealed record AlarmFilter(AlarmStateFilter State = AlarmStateFilter.Any, AlarmPriority? Priority = null, string? Prefix = null)
{
    public static readonly AlarmFilter All = new();

    public bool Matches(AlarmStatus alarm) =>
        (State == AlarmStateFilter.Any || (State == AlarmStateFilter.Active) == alarm.Active)
        && (Priority is null || Priority == alarm.Priority)
        && (Prefix is null || alarm.Id.StartsWith(Prefix, StringComparison.Ordinal));
}

/// <summary>Asks the alarm engine for its alarms; answered with an <see cref="AlarmList"/>.</summary>
public sealed record GetAlarms(AlarmFilter Filter);

/// <summary>The alarms that match, ordered by id, at the engine's level (cold, undecided: none is evaluated).</summary>
public sealed record AlarmList(ActivityLevel Level, IReadOnlyList<AlarmStatus> Alarms);

/// <summary>Acknowledges an alarm (active node only); answered with an <see cref="AlarmCommandResult"/>.</summary>
public sealed record AckAlarm(string Id, string By, string? Note);

/// <summary>Shelves an alarm until <paramref name="Until"/> (active node only).</summary>
public sealed record ShelveAlarm(string Id, string By, DateTimeOffset Until);

public sealed record UnshelveAlarm(string Id, string By);

/// <summary>The answer to a command: accepted with the alarm after it, or refused with one line (and the alarm as it is, if any).</summary>
public sealed record AlarmCommandResult(bool Accepted, string? Error, AlarmStatus? Alarm)
{
    /// <summary>Whether it was refused because this node is not the active one (the REST answers 409 naming the active node).</summary>
    public bool NotActive { get; init; }
}

/// <summary>
/// Re-evaluates the delays and shelves that are due. The engine sends it to itself when the next one falls due;
/// tests that drive a fake clock send it after moving the clock.
/// </summary>
public sealed record CheckAlarmTimers
{
    public static readonly CheckAlarmTimers Instance = new();
}

/// <summary>
/// An alarm as clients see it: its definition's main fields and its runtime state.
/// <paramref name="QualityReason"/> null means the alarm is evaluated from a good value.
/// </summary>
public sealed record AlarmStatus(
    string Id,
    string Tag,
    AlarmCondition Condition,
    AlarmPriority Priority,
    string DisplayPath,
    bool Active,
    bool Acked,
    string? AckedBy,
    DateTimeOffset? AckedAt,
    string? AckNote,
    bool Shelved,
    DateTimeOffset? ShelvedUntil,
    string? ShelvedBy,
    DateTimeOffset? ActiveSince,
    AlarmTransition? LastActivation,
    AlarmTransition? LastClear,
    double? LastValue,
    string? QualityReason,
    DateTimeOffset? EvaluatedAt)
{
    /// <summary>Every acknowledgement of the current activation, earliest first (<see cref="AckedBy"/>'s first).</summary>
    public AlarmAcks Acks { get; init; } = AlarmAcks.None;

    public static AlarmStatus Of(AlarmDefinition definition, AlarmState state)
    {
        // The last ack is kept for the record after the alarm goes active again; an unacked alarm shows none.
        var ack = state.Acked ? state.Ack : null;
        return new AlarmStatus(definition.Id, definition.Tag, definition.Condition, definition.Priority, definition.DisplayPath,
            state.Active, state.Acked, ack?.By, ack?.At, ack?.Note, state.Shelved, state.Shelve?.Until, state.Shelve?.By,
            state.ActiveSince, state.LastActivation, state.LastClear, state.LastValue, state.QualityReason, state.EvaluatedAt)
        {
            Acks = state.ShownAcks,
        };
    }
}
