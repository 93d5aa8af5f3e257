using System.Collections.Immutable;

namespace RedundantGateway.Alarms;

// Between the alarm engine and its node's state replicator (StateSync.StateReplicator). Defined here, in the
// engine's terms, so that the engine does not depend on StateSync (which builds on this folder's records).

/// <summary>A local change the active node's alarm engine made, for the replicator to stamp, store and ship.</summary>
public abstract record LocalAlarmChange(string Id);

public sealed record LocalTransition(string Id, bool Active, AlarmTransition Transition) : LocalAlarmChange(Id);

public sealed record LocalAck(string Id, string By, string? Note, DateTimeOffset At) : LocalAlarmChange(Id);

public sealed record LocalShelve(string Id, string By, DateTimeOffset At, DateTimeOffset Until) : LocalAlarmChange(Id);

public sealed record LocalUnshelve(string Id, string By, DateTimeOffset At) : LocalAlarmChange(Id);

/// <summary>
/// What the replicated state says of an alarm (both nodes' acknowledgements and shelves; active or clear as the
/// active node last wrote it). <see cref="Shelve"/> is the shelve in force when it was derived; it runs out by itself.
/// <see cref="Acks"/>: every acknowledgement of the current activation (null: only <see cref="Ack"/>).
/// </summary>
public sealed record ReplicatedAlarm(bool Active, DateTimeOffset? ActiveSince, AlarmTransition? LastActivation, AlarmTransition? LastClear,
    bool Acked, AlarmAck? Ack, AlarmShelve? Shelve, AlarmAcks? Acks = null)
{
    /// <summary>The local state with the replicated fields (the evaluation's own fields stay the node's).</summary>
    public AlarmState Overlay(AlarmState local, DateTimeOffset now) => local with
    {
        Active = Active,
        ActiveSince = ActiveSince,
        LastActivation = LastActivation,
        LastClear = LastClear,
        Acked = Acked,
        Ack = Ack,
        Acks = Acks ?? AlarmAcks.None,
        Shelve = Shelve is { } shelve && now < shelve.Until ? shelve : null,
    };
}

/// <summary>
/// The alarms a merge changed (all of them on subscribing), to the subscriber (the alarm engine).
/// <paramref name="ShelveChanged"/>: those whose change carried a shelve or an unshelve.
/// </summary>
public sealed record ReplicatedAlarmsChanged(ImmutableDictionary<string, ReplicatedAlarm> Changed, ImmutableHashSet<string> ShelveChanged);

/// <summary>Subscribes the sender to <see cref="ReplicatedAlarmsChanged"/> (answered at once with every alarm).</summary>
public sealed record SubscribeAlarmState
{
    public static readonly SubscribeAlarmState Instance = new();
}

/// <summary>
/// Asks to be told (<see cref="PeerStateReady"/>) once this node holds the peer's state: a full state received from
/// it since start, or no peer to wait for, or the wait bound passed. A node about to become active asks first, so
/// what the other node changed while it was away is merged before it takes over.
/// </summary>
public sealed record AwaitPeerState
{
    public static readonly AwaitPeerState Instance = new();
}

public sealed record PeerStateReady(string Why);
