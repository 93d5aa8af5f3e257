using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;

namespace RedundantGateway.StateSync;

// The replicator's local changes: stored together (group commit) and shipped as delta batches, or the whole state.
public sealed partial class StateReplicator
{
    /// <summary>
    /// The pending local changes as delta batches: written to the log (one record each, one write), shipped, then fsynced
    /// once (written first, so a kill -9 loses nothing from here on; the fsync after, so the peer does not wait for this
    /// node's disk). Any acknowledgement of them is handled after this returns, so a stored position never names a batch
    /// the log does not hold.
    /// </summary>
    private void Flush()
    {
        Timers.Cancel(FlushTimer);
        if (_pending.IsEmpty) return;
        var pending = _pending;
        _pending = AlarmStateSet.Empty;
        var payloads = Encode(pending, _settings.Shipping.MaxBatchEntries);
        Write(payloads, sync: false);
        if (_peer is not null && ShippingRules.ShipsDeltas(_shipping)) Ship(payloads, _peer);
        if (SyncsEveryBatch) _store.Sync();
    }

    /// <summary>
    /// Writes the pending local changes to the log without shipping them as deltas: the caller is about to send a state
    /// that holds them (a full state, a catch-up), and nothing leaves before it is in the log.
    /// </summary>
    private void WritePending()
    {
        Timers.Cancel(FlushTimer);
        if (_pending.IsEmpty) return;
        Write(Encode(_pending, _settings.Shipping.MaxBatchEntries), sync: true);
        _pending = AlarmStateSet.Empty;
    }

    /// <summary>Stores batches already merged into the state (one record each, one fsync unless the caller syncs), compacting when due.</summary>
    private void Write(IReadOnlyList<byte[]> payloads, bool sync)
    {
        _store.Append(payloads, _state, sync);
        if (!_store.CompactionDue) return;
        var bytes = _store.Compact();
        _log.Info("Alarm state log compacted into a snapshot of {Bytes} bytes ({Alarms} alarms)", bytes, _state.Count);
    }

    /// <summary>Sends a delta (a catch-up after a restart may be the whole state) as the stream's next batches.</summary>
    private void ShipDeltas(AlarmStateSet delta, ICanTell peer) => Ship(Encode(delta, _settings.Shipping.MaxBatchEntries), peer);

    /// <summary>
    /// Sends encoded deltas as the stream's next batches. The last one covers every local change stamped up to the
    /// clock's reading now (all of them are in it or before it: the pending ones are flushed together), which the
    /// peer's acknowledgement of it stores.
    /// </summary>
    private void Ship(IReadOnlyList<byte[]> payloads, ICanTell peer)
    {
        for (var i = 0; i < payloads.Count; i++)
        {
            var payload = ImmutableCollectionsMarshal.AsImmutableArray(payloads[i]);
            var batch = new StateBatch(_shipping.Stream, _shipping.NextSequence, false, false, payload);
            _shipping = ShippingRules.Sent(_shipping, payload, NowMs, _settings.Shipping, i == payloads.Count - 1 ? _clock.Last : default);
            _deltaBatches++;
            peer.Tell(batch, Self);
        }
    }

    /// <summary>The whole state as the first batches of a new stream (the local changes so far are part of it).</summary>
    // Sent as chunked codec batches on the node link rather than through Transfer/: the receiver merges each batch
    // as it comes (no file to assemble), each batch carries its own CRC, and a lost one is caught by the sequence.
    // Encoded on all cores but on this actor's turn: the stream, its length and its FullStamp are set before any
    // acknowledgement or local change is handled (the catch-up guarantees rest on that).
    private void SendFull(string why, IActorRef peer)
    {
        var started = Stopwatch.GetTimestamp();
        WritePending();
        var payloads = EncodeOnAllCores(_state, _settings.SnapshotBatchEntries);
        var stream = Guid.NewGuid();
        long bytes = 0;
        for (var i = 0; i < payloads.Count; i++)
        {
            bytes += payloads[i].Length;
            peer.Tell(new StateBatch(stream, i + 1, i == 0, i == payloads.Count - 1, ImmutableCollectionsMarshal.AsImmutableArray(payloads[i])), Self);
        }
        _shipping = ShippingRules.StartFull(stream, payloads.Count, NowMs);
        _fullTransfers++;
        var millis = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _lastFull = new FullTransferRecord(why, _state.Count, bytes, payloads.Count, millis, _time.GetUtcNow());
        _log.Info("Full alarm state sent to the peer ({Why}): {Alarms} alarms, {Bytes} bytes in {Batches} batches, {Millis} ms",
            why, _state.Count, bytes, payloads.Count, millis);
        if (_eventOf is not null) _events?.Tell(_eventOf(_lastFull), Self);
    }

    /// <summary>Codec batches of at most <paramref name="entriesPerBatch"/> alarms and <see cref="MaxPayloadBytes"/> bytes.</summary>
    private static List<byte[]> Encode(AlarmStateSet set, int entriesPerBatch)
    {
        var entries = set.Entries.ToArray();
        var payloads = new List<byte[]>();
        for (var at = 0; at < entries.Length; at += entriesPerBatch)
            Split(new ArraySegment<KeyValuePair<string, AlarmEntry>>(entries, at, Math.Min(entriesPerBatch, entries.Length - at)), payloads);
        return payloads;
    }

    /// <summary>As <see cref="Encode"/>, the slices encoded in parallel (a full state); an empty state is one empty batch.</summary>
    private static List<byte[]> EncodeOnAllCores(AlarmStateSet set, int entriesPerBatch)
    {
        var entries = set.Entries.ToArray();
        var slices = new List<byte[]>[(entries.Length + entriesPerBatch - 1) / entriesPerBatch];
        Parallel.For(0, slices.Length, i =>
        {
            slices[i] = [];
            Split(new ArraySegment<KeyValuePair<string, AlarmEntry>>(entries, i * entriesPerBatch,
                Math.Min(entriesPerBatch, entries.Length - i * entriesPerBatch)), slices[i]);
        });
        var payloads = slices.SelectMany(s => s).ToList();
        if (payloads.Count == 0) payloads.Add(StateCodec.Encode(AlarmStateSet.Empty));
        return payloads;
    }

    /// <summary>A batch too big for one node link frame is split in halves.</summary>
    private static void Split(ArraySegment<KeyValuePair<string, AlarmEntry>> entries, List<byte[]> parts)
    {
        var bytes = StateCodec.Encode(entries);
        if (bytes.Length <= MaxPayloadBytes || entries.Count <= 1)
        {
            parts.Add(bytes);
            return;
        }
        var half = (entries.Count + 1) / 2;
        Split(entries[..half], parts);
        Split(entries[half..], parts);
    }
}
