
namespace RedundantGateway.Redundancy;

/// <summary>A coordinator's state, sent to the designator on every change and periodically.</summary>
/// <param name="ActiveSinceMs">Unix ms of the start of this node's current continuous activation; null when not active.</param>
/// <param name="Leaving">the node is stopping (planned handover): it must never be designated again.</param>
/// <param name="NodeUid">the incarnation (actor system uid): a report of an earlier incarnation at the same address is stale.</param>
public sealed record CoordinatorReport(
    string NodeAddress,
    long NodeUid,
    string NodeName,
    NodeRole Role,
    ActivityLevel Level,
    long Epoch,
    long? ActiveSinceMs,
    bool Leaving = false) : IPairProtocolMessage;

/// <summary>The designator's decision: <paramref name="ActiveAddress"/> is the active node from <paramref name="Epoch"/> on.</summary>
public sealed record ActiveNodeDesignated(long Epoch, string ActiveAddress, string ActiveNodeName, string Reason) : IPairProtocolMessage;

/// <summary>An operator asks for the active role to move to the other node.</summary>
public sealed record FailoverRequested(string Source) : IPairProtocolMessage;

/// <summary>The answer to <see cref="FailoverRequested"/>.</summary>
public sealed record FailoverResult(bool Accepted, string Message) : IPairProtocolMessage;

/// <summary>Planned handover: the active node, stopping, has already stood down and asks its peer to take over.</summary>
public sealed record TakeOverRequested(long Epoch, string FromNodeName, string Reason) : IPairProtocolMessage;

public sealed record TookOver(long Epoch) : IPairProtocolMessage;

/// <summary>The answer to <see cref="TakeOverRequested"/> of a node that will not take over (it is stopping too).</summary>
public sealed record TakeOverDeclined(string Reason) : IPairProtocolMessage;

/// <summary>Sent by the host before it stops the actor system; answered with <see cref="ReadyForShutdown"/>.</summary>
public sealed record PrepareForShutdown
{
    public static readonly PrepareForShutdown Instance = new();
}

public sealed record ReadyForShutdown(bool HandedOver);

public sealed record GetRedundancyStatus
{
    public static readonly GetRedundancyStatus Instance = new();
}

/// <summary>The events log, newest first, filtered (<see cref="RedundancyEventQuery"/>).</summary>
/// <param name="Before">only events with a sequence below this (paging back from the last page's oldest); null: from the newest.</param>
/// <param name="Text">only events whose kind or reason contains this, ignoring case; null or empty: all.</param>
/// <param name="After">only events with a sequence above this (what a reader has not seen yet); null: no lower bound.</param>
public sealed record GetRedundancyEvents(int Limit, long? Before = null, string? Text = null, long? After = null);

public sealed record RedundancyEvents(IReadOnlyList<RedundancyEvent> Events);

/// <summary>One entry of a node's redundancy events log.</summary>
/// <param name="DetectionMs">for changes of activity: how long it took to notice the cause (e.g. the peer's silence).</param>
/// <param name="SwitchMs">for changes of activity: how long the subsystems took to reach the new level.</param>
/// <param name="Sequence">the event's number on this node, from 1, growing across rebuilds of the actor system (the
/// coordinator numbers each event it records or is handed; 0: not numbered yet). Paging and "what is new" use it.</param>
public sealed record RedundancyEvent(
    DateTimeOffset Time,
    string Kind,
    string Reason,
    long Epoch,
    string Level,
    double? DetectionMs = null,
    double? SwitchMs = null,
    long Sequence = 0);

/// <summary>What a node knows of the pair, for /api/redundancy and /system/gwinfo.</summary>
/// <param name="RoleConflict">a configuration mistake the node link revealed ("both nodes are configured as master"), or null.</param>
/// <param name="AnsweredAt">monotonic timestamp (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) of the answer: a reader
/// that gets it much later (the process was paused in between) must not show the level as current (<see cref="PauseRules.LevelToShow"/>).</param>
public sealed record RedundancyStatus(
    string NodeName,
    NodeRole Role,
    ActivityLevel Level,
    bool PeerConnected,
    long Epoch,
    string? ActiveNodeName,
    DateTimeOffset? LevelSince,
    string? PeerNodeName,
    IReadOnlyList<SubsystemState> Subsystems,
    string? RoleConflict = null,
    long AnsweredAt = 0)
{
    /// <summary>An operator's failover request waits for the designator's answer, or an activation waits for the
    /// configuration to load: the active node may change any moment.</summary>
    public bool FailoverPending { get; init; }
}

public sealed record SubsystemState(string Name, string Level, int Transitions, int Restarts = 0, long? ConfigRevision = null);

/// <summary>Restart of the runtime subsystems (after a configuration transfer); answered with <see cref="RuntimeRestarted"/>.</summary>
/// <param name="RequestId">echoed in <see cref="RuntimeRestarted"/>, so the asker can tell answers apart.</param>
public sealed record RestartRuntime(string Reason, long ConfigRevision, long RequestId = 0);

public sealed record RuntimeRestarted(double DurationMs, long RequestId = 0);

/// <summary>Another part of the node (config replication) adds an entry to the redundancy events log.</summary>
public sealed record AppendRedundancyEvent(string Kind, string Reason, double? DurationMs = null);

/// <summary>What survives a rebuild of the actor system: the epoch, the events log and the transfer history.</summary>
public sealed record NodeMemory(long Epoch, IReadOnlyList<RedundancyEvent> Events, ConfigSync.ConfigSyncMemory? Config = null)
{
    public static readonly NodeMemory Empty = new(0, []);
}
