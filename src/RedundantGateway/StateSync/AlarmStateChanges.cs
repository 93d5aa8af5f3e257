using RedundantGateway.Alarms;

namespace RedundantGateway.StateSync;

/// <summary>
/// The local changes, each as a delta to merge into the node's state and ship (pure: the caller passes the stamp
/// from its <see cref="HybridClock"/> and the time). An empty delta means nothing changed; a refusal says why in one
/// line, with the same wording as <see cref="AlarmRules"/>.
/// </summary>
public static class AlarmStateChanges
{
    /// <summary>
    /// The evaluating node's verdict: the alarm is (still) active or clear, with the transition that made it so.
    /// Nothing is written when the state already says so: a node that takes over continues the same activation.
    /// </summary>
    public static AlarmStateSet Transition(AlarmStateSet state, string id, bool active, AlarmTransition transition, HybridTimestamp stamp)
    {
        var current = state[id].Activity;
        if ((current?.Active ?? false) == active) return AlarmStateSet.Empty;
        var activity = active
            ? new AlarmActivity(stamp, true, stamp, transition, current?.LastClear)
            : new AlarmActivity(stamp, false, current?.Episode, current?.LastActivation, transition);
        return AlarmStateSet.Of(id, AlarmEntry.Of(activity: activity));
    }

    /// <summary>Acknowledges the current activation, or refuses: never active, or already acknowledged.</summary>
    public static (AlarmStateSet Delta, string? Error) Acknowledge(AlarmStateSet state, string id, string by, string? note,
        DateTimeOffset at, HybridTimestamp stamp, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(by)) return (AlarmStateSet.Empty, "an acknowledgement needs 'by': who acknowledges");
        var view = AlarmViews.Derive(state[id], now);
        if (view.Episode is not { } episode)
            return (AlarmStateSet.Empty, "nothing to acknowledge: the alarm has not been active since it was last acknowledged");
        if (view.Acked && view.Ack is { } ack)
            return (AlarmStateSet.Empty, $"already acknowledged by {ack.By} at {ack.At.UtcDateTime:O}");
        var fact = new AckFact(stamp, episode, by, at, string.IsNullOrWhiteSpace(note) ? null : note);
        return (AlarmStateSet.Of(id, AlarmEntry.Of(acks: [fact])), null);
    }

    /// <summary>Shelves the alarm until <paramref name="until"/> (the caller checked the bounds with <see cref="AlarmRules.Shelve"/>).</summary>
    public static AlarmStateSet Shelve(string id, string by, DateTimeOffset at, DateTimeOffset until, HybridTimestamp stamp) =>
        AlarmStateSet.Of(id, AlarmEntry.Of(shelve: new ShelveFact(stamp, by, at, until)));

    /// <summary>Unshelves the alarm (kept as a fact, so it wins over any earlier shelve from either node).</summary>
    public static AlarmStateSet Unshelve(string id, string by, DateTimeOffset at, HybridTimestamp stamp) =>
        AlarmStateSet.Of(id, AlarmEntry.Of(shelve: new ShelveFact(stamp, by, at, null)));
}
