using Akka.Actor;
using Akka.Event;
using System.Runtime.InteropServices;

namespace RedundantGateway.StateSync;

// The peer's batches: decoded on the thread pool, merged here in the order they came, several at a time.
public sealed partial class StateReplicator
{
    private sealed record IncomingBatch(StateBatch Batch, byte[] Bytes, IActorRef From, Task<List<KeyValuePair<string, AlarmEntry>>> Decoding);

    private sealed record BatchDecoded { public static readonly BatchDecoded Instance = new(); }

    /// <summary>A batch from the peer: decoded on the thread pool while this actor goes on (a full state's batches on all cores).</summary>
    private void OnBatch(StateBatch batch)
    {
        var bytes = ImmutableCollectionsMarshal.AsArray(batch.Payload)!;
        var decoding = Task.Run(() => StateCodec.DecodeEntries(bytes, 0, bytes.Length));
        _incoming.Enqueue(new IncomingBatch(batch, bytes, Sender, decoding));
        var self = Self;
        decoding.ContinueWith(_ => self.Tell(BatchDecoded.Instance), TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>
    /// The decoded batches at the head of the queue, in the order they came: merged into the state at once, logged in one
    /// write and one fsync, told to the subscribers in one message, then counted, the positions stored (the log holds
    /// what they name), and acknowledged (what is acknowledged is stored).
    /// </summary>
    private void MergeDecoded()
    {
        var ready = new List<IncomingBatch>();
        while (_incoming.Count > 0 && _incoming.Peek().Decoding.IsCompleted) ready.Add(_incoming.Dequeue());
        if (ready.Count == 0) return;
        var entries = new List<KeyValuePair<string, AlarmEntry>>();
        var payloads = new List<byte[]>(ready.Count);
        var counted = new List<IncomingBatch>(ready.Count);
        foreach (var incoming in ready)
        {
            if (incoming.Decoding.Exception?.InnerException is InvalidDataException e)
            {
                // Not counted as held: the peer sends it again (or the full state) after the next probe.
                _log.Warning("State batch {Sequence} from the peer is unreadable and was dropped: {Reason}", incoming.Batch.Sequence, e.Message);
                continue;
            }
            var decoded = incoming.Decoding.Result;
            if (decoded.Count > 0)
            {
                entries.AddRange(decoded);
                payloads.Add(incoming.Bytes);
            }
            counted.Add(incoming);
        }
        if (entries.Count > 0)
        {
            var maxStamp = HybridTimestamp.Zero;
            foreach (var (_, entry) in entries) maxStamp = HybridTimestamp.Max(maxStamp, entry.MaxStamp);
            _clock.Observe(maxStamp);
            _state = _state.MergeEntries(entries);
            Write(payloads, sync: true);
            Notify(entries);
        }
        foreach (var incoming in counted) Count(incoming.Batch);
        if (SyncsEveryBatch) StorePositions();
        if (counted.Count > 0) counted[^1].From.Tell(new StateBatchAck(_receiving.Stream, _receiving.Held, Probe: false), Self);
    }

    /// <summary>Counts one merged batch; the end of a full state (or a sync point) releases the waiters.</summary>
    private void Count(StateBatch batch)
    {
        var before = _receiving;
        (_receiving, var fullComplete) = ShippingRules.OnBatch(_receiving, batch);
        if (!fullComplete) return;
        // Unchanged by the batch: a sync point (a restarted node resumed the peer's stream and holds all of it).
        if (before == _receiving)
            _log.Info("Caught up with the peer's alarm state stream at {Sequence} (this node holds {Alarms} alarms)", batch.Sequence, _state.Count);
        else
            _log.Info("Full alarm state from the peer merged ({Batches} batches; this node holds {Alarms} alarms)", batch.Sequence, _state.Count);
        _peerStateReceived = true;
        // The same word either way: a node going active asks whether it holds the peer's whole state, not how it came.
        ReleaseWaiters("the peer's full state is merged");
    }
}
