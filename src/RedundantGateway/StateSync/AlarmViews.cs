using RedundantGateway.Alarms;

namespace RedundantGateway.StateSync;

/// <summary>What an alarm's replicated entry says at a given time: the fields of <see cref="AlarmState"/> it decides.</summary>
/// <param name="Episode">the current activation's stamp; null: never active.</param>
/// <param name="Acked">true when there is nothing to acknowledge: never active, or the current activation is acknowledged.</param>
/// <param name="Ack">the acknowledgement of the current activation (the earliest by stamp when both nodes made one);
/// when it is not acknowledged, the newest of an earlier one, for the record.</param>
/// <param name="Acks">every acknowledgement of the current activation, earliest by stamp first (two when both nodes
/// acknowledged it during a partition); empty when it is not acknowledged.</param>
public sealed record AlarmRuntimeView(
    bool Active,
    DateTimeOffset? ActiveSince,
    AlarmTransition? LastActivation,
    AlarmTransition? LastClear,
    HybridTimestamp? Episode,
    bool Acked,
    AlarmAck? Ack,
    AlarmShelve? Shelve,
    AlarmAcks Acks);

/// <summary>Derives views from entries: pure, so two nodes holding equal entries show the same alarm.</summary>
public static class AlarmViews
{
    public static AlarmRuntimeView Derive(AlarmEntry entry, DateTimeOffset now)
    {
        var activity = entry.Activity;
        var episode = activity?.Episode;
        AckFact? acknowledging = null;
        List<AlarmAck>? acks = null;
        if (episode is { } current)
            foreach (var ack in entry.Acks)
                if (ack.Episode == current)
                {
                    acknowledging ??= ack;
                    (acks ??= []).Add(new AlarmAck(ack.By, ack.At, ack.Note));
                }
        var shown = acknowledging ?? (entry.Acks.IsEmpty ? null : entry.Acks[^1]);
        AlarmShelve? shelve = entry.Shelve is { Until: { } until } fact && now < until ? new AlarmShelve(fact.By, fact.At, until) : null;
        var active = activity?.Active ?? false;
        return new AlarmRuntimeView(
            Active: active,
            ActiveSince: active ? activity!.LastActivation?.At : null,
            LastActivation: activity?.LastActivation,
            LastClear: activity?.LastClear,
            Episode: episode,
            Acked: episode is null || acknowledging is not null,
            Ack: shown is null ? null : new AlarmAck(shown.By, shown.At, shown.Note),
            Shelve: shelve,
            Acks: acks is null ? AlarmAcks.None : AlarmAcks.Of(acks));
    }

    /// <summary>The view in the alarm engine's terms (what the replicator tells it).</summary>
    public static ReplicatedAlarm ToReplicated(AlarmRuntimeView view) =>
        new(view.Active, view.ActiveSince, view.LastActivation, view.LastClear, view.Acked, view.Ack, view.Shelve, view.Acks);

    /// <summary>
    /// The local engine's state with the replicated fields taken from the view (the evaluation's own fields, the
    /// condition, a running delay, the value and quality, stay the node's own).
    /// </summary>
    public static AlarmState Overlay(AlarmState local, AlarmRuntimeView view) => local with
    {
        Active = view.Active,
        ActiveSince = view.ActiveSince,
        LastActivation = view.LastActivation,
        LastClear = view.LastClear,
        Acked = view.Acked,
        Ack = view.Ack,
        Shelve = view.Shelve,
        Acks = view.Acks,
    };
}
