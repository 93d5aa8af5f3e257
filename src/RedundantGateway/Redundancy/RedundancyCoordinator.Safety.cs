using System.Diagnostics;
using Akka.Actor;
using RedundantGateway.Liveness;

namespace RedundantGateway.Redundancy;

/// <summary>
/// The coordinator's guards against faults and mistakes: a pause of the whole process (it may have lost its
/// role meanwhile), two nodes configured with the same role, and going active before the configuration loaded.
/// </summary>
public sealed partial class RedundancyCoordinator
{
    /// <summary>Periodic: keeps <see cref="_lastRanAt"/> fresh, so a gap in it means the process did not run.</summary>
    private sealed record PauseCheck { public static readonly PauseCheck Instance = new(); }

    private sealed record PendingActivation(long Epoch, string Kind, string Reason, double? DetectionMs);

    /// <summary>Monotonic timestamp of the last message this actor handled (or of the end of its last level change).</summary>
    private long _lastRanAt = Stopwatch.GetTimestamp();

    /// <summary>
    /// Set when a pause was detected (monotonic ms, the failure detector's heartbeat clock): until an answer to a
    /// heartbeat sent after it arrives, or the peer is judged down, this node knows nothing current of its peer.
    /// Designations meanwhile may rest on reports that waited in the link during the pause.
    /// </summary>
    private long? _peerUnknownSinceMs;

    private string? _roleConflict;
    private string? _lastRefusal;
    private bool _configurationLoaded;
    private PendingActivation? _pendingActivation;

    private TimeSpan PauseLimit => PauseRules.Limit(_liveness.FailoverTimeout, _liveness.HeartbeatInterval);

    /// <summary>The peer's activity as its last heartbeat answer told it, while it answers.</summary>
    private PeerActivity? ReachablePeerActivity =>
        _peerState == PeerState.Reachable ? _lastPeerAck?.ResponderActivity : null;

    /// <summary>
    /// Before every message: a node that did not run for longer than its peer waits before taking over drops to
    /// undecided first, so neither this message's answer nor anything after it says "active" on stale grounds.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        CheckForPause();
        return base.AroundReceive(receive, message);
    }

    private void CheckForPause()
    {
        var now = Stopwatch.GetTimestamp();
        var sinceLastRun = Stopwatch.GetElapsedTime(_lastRanAt, now);
        _lastRanAt = now;
        if (_node.Role == NodeRole.Independent || _stopping || _level == ActivityLevel.Undecided) return;
        if (!PauseRules.MayHaveLostRole(sinceLastRun, _settings.PauseCheckInterval, PauseLimit)) return;

        var was = _level.ToString().ToLowerInvariant();
        SetLevel(ActivityLevel.Undecided, _epoch);
        _activeNodeName = null;
        _pendingActivation = null;
        _peerUnknownSinceMs = MonotonicMs();
        Record(RedundancyEventKinds.PauseDetected,
            $"this node did not run for {sinceLastRun.TotalMilliseconds:F0} ms (paused or stalled), long enough for its peer to take over " +
            $"({PauseLimit.TotalMilliseconds:F0} ms): it was {was} and is undecided until the pair decides again", warning: true);
        // Only now is the peer told (heartbeat answers carry the new level) and the designator asked again.
        Announce();
        RunTask(async () =>
        {
            await ApplyToSubsystems(ActivityLevel.Undecided);
            NoteRan();
        });
        // Normally the designator decides within a report interval; if nobody does (the peer really is gone),
        // the node decides alone once the peer had the time to answer or to be judged down.
        Timers.StartSingleTimer("join-wait", JoinWaitElapsed.Instance, _liveness.FailoverTimeout * 2);
    }

    private void NoteRan() => _lastRanAt = Stopwatch.GetTimestamp();

    /// <summary>The failure detector's clock (<see cref="Heartbeat.SentAtMs"/>), so answers can be dated against a pause.</summary>
    private static long MonotonicMs() => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency;

    /// <summary>
    /// Why a designation of this node to active must not be followed now, or null: after a pause, until the peer's
    /// current state is known; and never when the peer is active at the designation's epoch or a newer one (the
    /// designator decided on an old report of it: epochs name one node each, so this one cannot be current).
    /// </summary>
    private string? RefusesActivation(long designationEpoch)
    {
        if (_peerUnknownSinceMs is not null && _peerState != PeerState.Down)
            return "this node was paused and has not heard the peer's current state yet";
        if (ReachablePeerActivity is { Level: ActivityLevel.Active } peer && peer.Epoch >= designationEpoch)
            return $"the peer is active at epoch {peer.Epoch}";
        if (!RoleConflictRules.MayBecomeActive(_node.Role, ReachablePeerActivity))
            return $"{_roleConflict}, and the peer is active";
        return null;
    }

    /// <summary>The join wait after a pause runs out while the peer's state is still unknown and it is not judged down: wait more.</summary>
    private bool StillWaitingForPeerAfterPause()
    {
        if (_peerUnknownSinceMs is null || _peerState == PeerState.Down) return false;
        Timers.StartSingleTimer("join-wait", JoinWaitElapsed.Instance, _liveness.FailoverTimeout);
        return true;
    }

    private void OnPeerAck(HeartbeatAck ack)
    {
        _lastPeerAck = ack;
        if (_peerUnknownSinceMs is { } since && ack.SentAtMs >= since)
        {
            _peerUnknownSinceMs = null;
            Record(RedundancyEventKinds.PeerReachable, $"after the pause, peer {ack.ResponderNodeName} answers: it is {ack.ResponderActivity.Level.ToString().ToLowerInvariant()} at epoch {ack.ResponderActivity.Epoch}");
        }
        var conflict = RoleConflictRules.Describe(_node.Role, ack.ResponderActivity.Role);
        if (conflict != _roleConflict)
        {
            if (conflict is not null)
                Record(RedundancyEventKinds.RoleConflict,
                    $"{conflict} (peer {ack.ResponderNodeName} at {ack.ResponderAddress}): set redundant-gateway.role of one of them; " +
                    "until then at most one node is active and neither takes the configuration from the other", warning: true);
            else
                Record(RedundancyEventKinds.RoleConflictResolved, $"{_roleConflict} no more: peer {ack.ResponderNodeName} is now the {ack.ResponderActivity.Role.ToString().ToLowerInvariant()}");
            _roleConflict = conflict;
        }
        if (conflict is null || _stopping) return;
        if (RoleConflictRules.StandsDown(SelfAddress, OwnActivity(), ack.ResponderAddress, ack.ResponderActivity))
        {
            _activeNodeName = ack.ResponderNodeName;
            ChangeLevel(StandbyLevel, _epoch, RedundancyEventKinds.RoleConflict,
                $"{conflict}: {ack.ResponderNodeName} has been active longer; standing by");
        }
    }

    private void DeferActivation(PendingActivation activation)
    {
        if (_pendingActivation is null)
            Record(RedundancyEventKinds.ActivationDeferred, $"{activation.Reason}: waiting for the configuration store to load before going active");
        _pendingActivation = activation;
    }

    private void OnConfigurationLoaded()
    {
        if (_configurationLoaded) return;
        _configurationLoaded = true;
        Context.System.EventStream.Unsubscribe(Self, typeof(ConfigSync.ConfigurationChanged));
        if (_pendingActivation is not { } pending || _stopping || _level == ActivityLevel.Active) return;
        _pendingActivation = null;
        // The reason to go active may have gone stale while the store loaded (the peer answered meanwhile):
        // each cause is judged again, on what this node knows now.
        switch (pending.Kind)
        {
            case var _ when _node.Role == NodeRole.Independent:
                ChangeLevel(ActivityLevel.Active, _epoch, pending.Kind, pending.Reason);
                break;
            case RedundancyEventKinds.ActivityChanged:
                OnJoinWaitElapsed();
                break;
            case RedundancyEventKinds.Failover:
                TakeOverFromSilentPeer("peer still down");
                break;
            case RedundancyEventKinds.Handover:
                // The peer stood down and waits for this node: nobody else is active.
                ChangeLevel(ActivityLevel.Active, Math.Max(pending.Epoch, _epoch), pending.Kind, pending.Reason, pending.DetectionMs);
                break;
            default:
                // A designation: the designator sends it again while this node's reports say it is not followed.
                Report();
                break;
        }
    }
}
