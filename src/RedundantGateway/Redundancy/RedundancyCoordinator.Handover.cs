using System.Diagnostics;
using Akka.Actor;
using RedundantGateway.Liveness;

namespace RedundantGateway.Redundancy;

/// <summary>The planned handover of a clean stop: the active node stands down first, then asks its peer to take over.</summary>
public sealed partial class RedundancyCoordinator
{
    private void OnPrepareForShutdown()
    {
        var replyTo = Sender;
        var wasActive = _level == ActivityLevel.Active;
        _stopping = true;
        // Tell the designator first that this node is leaving, so it never designates it again.
        Report();
        if (!wasActive || _peerState != PeerState.Reachable || _lastPeerAck is not { } ack)
        {
            replyTo.Tell(new ReadyForShutdown(false));
            return;
        }
        // Stand down first, then hand over: the two are never active together.
        var epoch = _epoch;
        var peerCoordinator = Context.ActorSelection(RedundancyPaths.CoordinatorPath(ack.ResponderAddress));
        var stopwatch = Stopwatch.StartNew();
        RunTask(async () =>
        {
            await ApplyToSubsystems(ActivityLevel.Cold);
            NoteRan();
            SetLevel(ActivityLevel.Cold, _epoch);
            Announce();
            var handedOver = false;
            try
            {
                var answer = await peerCoordinator.Ask<object>(
                    new TakeOverRequested(epoch, _node.NodeName, "the active node is stopping"), _settings.HandoverTimeout);
                switch (answer)
                {
                    case TookOver took:
                        _epoch = took.Epoch;
                        handedOver = true;
                        Record(RedundancyEventKinds.Handover, $"stopping: handed over to {ack.ResponderNodeName}", switchMs: stopwatch.Elapsed.TotalMilliseconds);
                        break;
                    case TakeOverDeclined declined:
                        Record(RedundancyEventKinds.Handover, $"stopping: no handover, peer {ack.ResponderNodeName} declined: {declined.Reason} (both nodes stop)");
                        break;
                    default:
                        Record(RedundancyEventKinds.Handover, $"stopping: peer {ack.ResponderNodeName} answered the handover with {answer.GetType().Name}");
                        break;
                }
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                Record(RedundancyEventKinds.Handover, $"stopping: peer {ack.ResponderNodeName} did not confirm the handover within {_settings.HandoverTimeout.TotalSeconds:0.#} s");
            }
            replyTo.Tell(new ReadyForShutdown(handedOver));
        });
    }
}
