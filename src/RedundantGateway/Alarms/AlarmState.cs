namespace RedundantGateway.Alarms;

/// <summary>One transition of an alarm: when, and the tag's value then (null: none, e.g. bad quality).</summary>
public sealed record AlarmTransition(DateTimeOffset At, double? Value);

/// <summary>Who acknowledged an alarm, when, and why.</summary>
public sealed record AlarmAck(string By, DateTimeOffset At, string? Note);

/// <summary>
/// Acknowledgements of one activation, earliest first, compared by content (the records that hold it stay values).
/// </summary>
public sealed class AlarmAcks : IReadOnlyList<AlarmAck>, IEquatable<AlarmAcks>
{
    public static readonly AlarmAcks None = new([]);

    private readonly AlarmAck[] _acks;

    private AlarmAcks(AlarmAck[] acks) => _acks = acks;

    public static AlarmAcks Of(IEnumerable<AlarmAck> acks) => acks.ToArray() is { Length: > 0 } array ? new AlarmAcks(array) : None;

    public int Count => _acks.Length;
    public AlarmAck this[int index] => _acks[index];
    public IEnumerator<AlarmAck> GetEnumerator() => ((IEnumerable<AlarmAck>)_acks).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _acks.GetEnumerator();

    public bool Equals(AlarmAcks? other) => other is not null && _acks.AsSpan().SequenceEqual(other._acks);
    public override bool Equals(object? obj) => obj is AlarmAcks other && Equals(other);
    public override int GetHashCode() => _acks.Length == 0 ? 0 : HashCode.Combine(_acks.Length, _acks[0]);
    public override string ToString() => $"[{string.Join(", ", _acks.AsEnumerable())}]";
}

/// <summary>Who shelved an alarm and until when (it unshelves itself then).</summary>
public sealed record AlarmShelve(string By, DateTimeOffset At, DateTimeOffset Until);

/// <summary>
/// An alarm's runtime state: immutable, one record per alarm, so that the next step (state sync between the
/// nodes) can compare and merge it field by field. <see cref="AlarmRules"/> computes every change.
/// </summary>
/// <param name="Active">the alarm's state, after the on and off delays.</param>
/// <param name="Condition">the condition itself, with its deadband, before the delays.</param>
/// <param name="PendingSince">since when the condition differs from <paramref name="Active"/> (a delay runs); null: none.</param>
/// <param name="Acked">true when there is nothing to acknowledge: a fresh alarm, or acknowledged since it last went active.</param>
/// <param name="Ack">the last acknowledgement (kept after the alarm goes active again, for the record).</param>
/// <param name="Shelve">the shelve in force; null: not shelved.</param>
/// <param name="LastValue">the tag's last value as a number (null: none or not a number).</param>
/// <param name="QualityReason">why the alarm cannot be trusted now (bad tag, missing tag, not evaluated); null: good.</param>
/// <param name="EvaluatedAt">the last evaluation; null: never evaluated.</param>
public sealed record AlarmState(
    bool Active,
    bool Condition,
    DateTimeOffset? PendingSince,
    DateTimeOffset? ActiveSince,
    AlarmTransition? LastActivation,
    AlarmTransition? LastClear,
    bool Acked,
    AlarmAck? Ack,
    AlarmShelve? Shelve,
    double? LastValue,
    string? QualityReason,
    DateTimeOffset? EvaluatedAt)
{
    public static AlarmState Initial(string reason) =>
        new(false, false, null, null, null, null, true, null, null, null, reason, null);

    public bool Shelved => Shelve is not null;

    /// <summary>
    /// Every acknowledgement of the current activation as the replicated state holds them (both nodes' after a
    /// partition), earliest first; empty: none merged yet (<see cref="Ack"/> alone, this node's own).
    /// </summary>
    public AlarmAcks Acks { get; init; } = AlarmAcks.None;

    /// <summary>
    /// The acknowledgements to show: none when not acknowledged; the merged ones when they include <see cref="Ack"/>;
    /// otherwise <see cref="Ack"/> alone (an ack just taken, before the merge that holds it, or a list of an earlier activation).
    /// </summary>
    public AlarmAcks ShownAcks =>
        !Acked || Ack is null ? AlarmAcks.None : Acks.Contains(Ack) ? Acks : AlarmAcks.Of([Ack]);
}
