using Akka.Actor;
using Akka.Event;
using RedundantGateway.Runtime;

namespace RedundantGateway.Alarms;

/// <summary>
/// The alarm engine's side of the state sync: the active node reports its transitions and accepted commands to the
/// node's state replicator (StateSync), and every node shows the replicated state (acknowledgements and shelves made
/// on either node; active or clear as the active node evaluated it). A node that becomes active starts from that
/// state, so it continues the same activation and its acknowledgement.
/// </summary>
public sealed partial class AlarmEngine
{
    private readonly ICanTell? _stateReplicator;
    private readonly Dictionary<string, ReplicatedAlarm> _replicated = new(StringComparer.Ordinal);
    // Active or clear as last reported to (or learnt from) the replicated state, per alarm: a transition is reported
    // when the evaluation differs from it, so a node that takes over does not start a new activation.
    private readonly Dictionary<string, bool> _reported = new(StringComparer.Ordinal);
    // A request to go active held until the peer's state is merged (bounded by the replicator's peer-state-wait).
    private IActorRef? _activationRequester;

    // A replicator that never answers (it failed to start) must not hold the activation past the coordinator's wait
    // for this engine (tags.runtime-actor-timeout, 10 s by default): the engine then goes active on its own state.
    private static readonly TimeSpan PeerStateFallback = TimeSpan.FromSeconds(8);
    private const string PeerStateTimer = "peer-state-fallback";

    private void OnLevelRequested(ActivityLevel level)
    {
        if (_activationRequester is { } waiting)
        {
            // A newer request overtakes the wait: the held one is answered at the level it asked for first.
            _activationRequester = null;
            OnLevel(ActivityLevel.Active, waiting);
        }
        if (level == ActivityLevel.Active && _level != ActivityLevel.Active && _stateReplicator is not null)
        {
            _activationRequester = Sender;
            _stateReplicator.Tell(AwaitPeerState.Instance, Self);
            Timers.StartSingleTimer(PeerStateTimer, new PeerStateReady("the state replicator did not answer"), PeerStateFallback);
            return;
        }
        OnLevel(level, Sender);
    }

    private void OnPeerStateReady(PeerStateReady ready)
    {
        if (_activationRequester is not { } requester) return;
        _activationRequester = null;
        Timers.Cancel(PeerStateTimer);
        _log.Info("Alarm engine going active: {0}", ready.Why);
        OnLevel(ActivityLevel.Active, requester);
    }

    private void OnReplicated(ReplicatedAlarmsChanged merged)
    {
        var now = Now;
        foreach (var (id, view) in merged.Changed)
        {
            _replicated[id] = view;
            if (!_states.TryGetValue(id, out var state)) continue;
            if (_level != ActivityLevel.Active)
            {
                _states[id] = view.Overlay(state, now);
                _reported[id] = view.Active;
                continue;
            }
            // The active node decides active or clear itself; it takes from the merge only facts that accumulate: an
            // acknowledgement of the activation it shows, and a shelve or unshelve the delta carries (an older merge
            // still in the mailbox must not undo a command just taken). The acknowledgement shown is the merge's even
            // when this node acknowledged too: after a partition both did, and the merge picks one the same way on
            // both nodes (the earliest by stamp), while each node's own would differ.
            if (view is { Acked: true, Ack: not null } && view.Active == state.Active && view.LastActivation == state.LastActivation)
                state = state with { Acked = true, Ack = view.Ack, Acks = view.Acks ?? AlarmAcks.None };
            if (merged.ShelveChanged.Contains(id)) state = state with { Shelve = view.Overlay(state, now).Shelve };
            _states[id] = state;
        }
    }

    /// <summary>A new or changed definition's state, starting from what the replicated state says of it.</summary>
    private AlarmState Seeded(string id, AlarmState initial)
    {
        if (!_replicated.TryGetValue(id, out var view)) return initial;
        _reported[id] = view.Active;
        return view.Overlay(initial, Now);
    }

    /// <summary>On going active: every alarm starts from the replicated state (what the other node last decided).</summary>
    private void SeedAll()
    {
        foreach (var id in _definitions.Keys) _states[id] = Seeded(id, _states[id]);
    }

    /// <summary>Sets an evaluated state; on the active node, a change of active or clear goes to the replicator.</summary>
    private void Set(string id, AlarmState state)
    {
        _states[id] = state;
        if (_stateReplicator is null || _level != ActivityLevel.Active) return;
        if (_reported.TryGetValue(id, out var reported) ? reported == state.Active : !state.Active) return;
        _reported[id] = state.Active;
        var transition = (state.Active ? state.LastActivation : state.LastClear) ?? new AlarmTransition(Now, state.LastValue);
        _stateReplicator.Tell(new LocalTransition(id, state.Active, transition), Self);
    }

    /// <summary>What a client sees: a node that is not active shows the replicated state over its own evaluation.</summary>
    private AlarmState Shown(string id)
    {
        var state = _states[id];
        if (_level == ActivityLevel.Active || !_replicated.TryGetValue(id, out var view)) return state;
        return view.Overlay(state, Now);
    }
}
