using System.Text.Json.Serialization;

namespace RedundantGateway.Client;

// The records of /api/alarms. Enum-like values (priority, state, condition, activityLevel) are lower-case or
// camelCase strings, as the rest of the API sends them.

/// <summary>GET /api/alarms: the alarms that match the filters, ordered by id, at the node's activity level.</summary>
/// <param name="ActivityLevel">active, warm, cold or undecided; at cold and undecided no alarm is evaluated.</param>
public sealed record AlarmListAnswer(string ActivityLevel, IReadOnlyList<AlarmInfo> Alarms);

/// <summary>One alarm as a client sees it.</summary>
/// <param name="Id">the alarm definition's configuration path.</param>
/// <param name="Priority">low, medium, high or critical.</param>
/// <param name="State">active or clear.</param>
/// <param name="Acked">true when there is nothing to acknowledge (never active, or acknowledged since it last went active).</param>
/// <param name="Condition">above, below, equal or badQuality.</param>
/// <param name="Value">the tag's last value as a number, if any.</param>
/// <param name="Quality">good, or bad when the alarm cannot be trusted now (<paramref name="QualityReason"/> says why).</param>
/// <param name="Acks">every acknowledgement of the current activation, earliest first (the first is <paramref name="AckedBy"/>'s);
/// two when both nodes acknowledged it while the link between them was cut; empty when it is not acknowledged. Null
/// from a node that predates the field.</param>
public sealed record AlarmInfo(
    string Id,
    string Tag,
    string Priority,
    string State,
    bool Acked,
    bool Shelved,
    DateTimeOffset? ActiveSince,
    string? AckedBy,
    DateTimeOffset? AckedAt,
    string? AckNote,
    DateTimeOffset? ShelvedUntil,
    string? ShelvedBy,
    string Condition,
    string DisplayPath,
    AlarmTransitionInfo? LastActive,
    AlarmTransitionInfo? LastClear,
    double? Value,
    string Quality,
    string? QualityReason,
    DateTimeOffset? EvaluatedAt,
    IReadOnlyList<AlarmAckInfo>? Acks = null)
{
    /// <summary>Not on the wire: derived from <see cref="State"/>.</summary>
    [JsonIgnore]
    public bool IsActive => State == "active";
}

/// <summary>One acknowledgement of an alarm: who, when (by the clock of the node it was made on) and why.</summary>
public sealed record AlarmAckInfo(string By, DateTimeOffset At, string? Note);

/// <summary>When an alarm went active or cleared, and the tag's value then.</summary>
public sealed record AlarmTransitionInfo(DateTimeOffset At, double? Value);

/// <summary>POST /api/alarms/{id}/ack.</summary>
public sealed record AlarmAckRequest(string By, string? Note = null);

/// <summary>POST /api/alarms/{id}/shelve: for <paramref name="Minutes"/> from now, or until <paramref name="Until"/> (one of the two).</summary>
public sealed record AlarmShelveRequest(string By, double? Minutes = null, DateTimeOffset? Until = null);

/// <summary>POST /api/alarms/{id}/unshelve.</summary>
public sealed record AlarmUnshelveRequest(string By);

/// <summary>The answer to an accepted ack, shelve or unshelve: the alarm after it.</summary>
public sealed record AlarmCommandAnswer(bool Accepted, string Message, AlarmInfo Alarm);

/// <summary>
/// The hub's answer to <c>Ack</c>: what POST /api/alarms/{id}/ack would have answered, as one record
/// (<paramref name="Status"/> is that HTTP status, <paramref name="Message"/> its one line; <paramref name="Alarm"/>
/// is set when accepted), so a page that writes over the hub gets the same refusals as over REST.
/// </summary>
public sealed record AlarmHubAnswer(bool Accepted, int Status, string Message, AlarmInfo? Alarm);
