using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;

namespace RedundantGateway.StateSync;

// The replicator's streams across restarts (ResumeRules decide; this part stores the positions and sends).
public sealed partial class StateReplicator
{
    private static readonly ImmutableArray<byte> EmptyPayload = ImmutableCollectionsMarshal.AsImmutableArray(StateCodec.Encode(AlarmStateSet.Empty));

    /// <summary>Picks up both streams where the stored positions say (<see cref="ResumeRules"/>).</summary>
    private void ResumeStreams(StateLoadReport report)
    {
        var (positions, stored, problem) = StreamPositionFile.Open(_settings.Directory);
        _positions = positions;
        _storedPositions = stored;
        if (problem is not null) _log.Warning("Alarm state store {Directory}: {Problem}", _settings.Directory, problem);
        _clock = new HybridClock(_time, _node, ResumeRules.ClockStart(_state, stored.Sent));
        _receiving = ResumeRules.Receiving(stored.Receiving, report);
        _shipping = ResumeRules.Sending(stored.Sent, Guid.NewGuid());
        if (stored.Sent is { } sent)
            _log.Info("Alarm state stream {Stream} resumes: the peer acknowledged {Acked}, covering local changes up to {Covered}",
                sent.Stream, sent.Acked, sent.Covered);
        if (_receiving.Held > 0)
            _log.Info("Alarm state of the peer resumes from its stream {Stream} at {Held}", _receiving.Stream, _receiving.Held);
        else if (stored.Receiving.Held > 0)
            _log.Info("Alarm state of the peer: the stored position {Held} is not used (the store did not load whole), a full state is asked for",
                stored.Receiving.Held);
    }

    /// <summary>
    /// Stores both positions if they changed. Called only when the log durably holds what they name: after each batch
    /// (and acknowledgement) when every batch is fsynced, otherwise after the log's own sync.
    /// </summary>
    private void StorePositions()
    {
        var now = new StreamPositions(_receiving, ResumeRules.Stored(_shipping));
        if (now == _storedPositions) return;
        _positions.Write(now);
        _storedPositions = now;
    }

    private bool SyncsEveryBatch => _settings.SyncInterval == TimeSpan.Zero;

    /// <summary>A resumed stream's first batches: every part of the state stamped after what the peer holds.</summary>
    private void SendCatchUp(ShippingDecision.ResumeStream resume, long peerHeld, IActorRef peer)
    {
        WritePending();
        var catchUp = ResumeRules.CatchUp(_state, resume.Since);
        _log.Info("Alarm state stream {Stream} resumed after {Held}: {Alarms} alarms changed since {Since} sent as deltas",
            _shipping.Stream, peerHeld, catchUp.Count, resume.Since);
        ShipDeltas(catchUp, peer);
        if (resume.ThenSyncPoint) SendSyncPoint(peer);
    }

    /// <summary>Tells a restarted peer that, holding the stream up to the last batch sent, it holds this node's whole state.</summary>
    private void SendSyncPoint(IActorRef peer) =>
        peer.Tell(new StateBatch(_shipping.Stream, _shipping.LastSent, StartsStream: false, EndsFull: true, EmptyPayload), Self);
}
