// Design note: runtime state sync (issue 11). This folder is the pure core; the shipping actor is the next step.
//
// - Each node owns one AlarmStateSet (in its state-sync actor) and one HybridClock (node id: master 1, backup 2).
//   A local change (the alarm engine's transition, an ack, a shelve, an unshelve) takes a stamp from clock.Now(),
//   becomes a delta through AlarmStateChanges (an AlarmStateSet holding just that fragment), is merged into the
//   node's own state, appended to its StateLog, and queued for the peer.
// - Shipping: queued deltas are merged into one batch (by time and size: ten changes of one alarm cost one entry),
//   encoded with StateCodec, and given the next sequence number of this sender. The peer merges the batch (Merge is
//   idempotent, commutative and associative, so a batch resent, duplicated or overtaken is harmless), calls
//   clock.Observe(batch.MaxStamp) so its next changes sort after what it has seen, logs the batch, and acknowledges
//   the highest sequence it holds contiguously. The sender retains unacknowledged batches within a count and a
//   bytes bound and resends from the acknowledged one.
// - A full transfer (first contact, a peer that lost its state, or an acknowledgement older than the oldest retained
//   batch) streams the whole state as StateCodec batches through Transfer/ (chunked, checked); the receiver merges
//   them into its own state rather than replacing it, so what it changed meanwhile (an ack on an active backup)
//   survives and flows back by the same rules. Neither kind restarts anything. StateCodec.EncodeBatches and
//   MergeBatches do the two ends on all cores (not Batches + Encode and Decode + Merge per batch: several times
//   slower for a million alarms, see docs/benchmarks.md).
// - The alarm engine (later) starts from the merged view (AlarmViews.Overlay) and writes a transition only when its
//   evaluation differs from the view, so a backup that takes over continues the same activation (episode) and its
//   acknowledgement.
using System.Collections.Immutable;

namespace RedundantGateway.StateSync;

/// <summary>
/// The replicated alarm runtime state: alarm id to <see cref="AlarmEntry"/>. A delta is the same type holding only
/// the changed entries (or fragments of them), so <see cref="Merge"/> is the one operation, for a local change, a
/// batch from the peer, a full transfer and a load from disk alike. Immutable: a batch or a snapshot being written
/// is never changed under its reader.
/// </summary>
public sealed class AlarmStateSet
{
    public static readonly AlarmStateSet Empty = new(ImmutableDictionary<string, AlarmEntry>.Empty.WithComparers(StringComparer.Ordinal));

    private AlarmStateSet(ImmutableDictionary<string, AlarmEntry> entries) => Entries = entries;

    public ImmutableDictionary<string, AlarmEntry> Entries { get; }

    public int Count => Entries.Count;

    public bool IsEmpty => Entries.IsEmpty;

    /// <summary>The entry of an alarm (<see cref="AlarmEntry.Empty"/>: nothing known).</summary>
    public AlarmEntry this[string id] => Entries.TryGetValue(id, out var entry) ? entry : AlarmEntry.Empty;

    /// <summary>A delta of one alarm's fragment.</summary>
    public static AlarmStateSet Of(string id, AlarmEntry fragment) =>
        fragment.IsEmpty ? Empty : new AlarmStateSet(Empty.Entries.Add(id, fragment));

    /// <summary>A state of many entries at once (a load): the entries of one id are merged.</summary>
    public static AlarmStateSet Of(IEnumerable<KeyValuePair<string, AlarmEntry>> entries)
    {
        var builder = Empty.Entries.ToBuilder();
        foreach (var (id, entry) in entries)
        {
            if (entry.IsEmpty) continue;
            builder[id] = builder.TryGetValue(id, out var known) ? known.Merge(entry) : entry;
        }
        return new AlarmStateSet(builder.ToImmutable());
    }

    /// <summary>This state merged with many entries at once (decoded batches), through one builder.</summary>
    public AlarmStateSet MergeEntries(IEnumerable<KeyValuePair<string, AlarmEntry>> entries)
    {
        var builder = Entries.ToBuilder();
        foreach (var (id, entry) in entries) MergeInto(builder, id, entry);
        return new AlarmStateSet(builder.ToImmutable());
    }

    /// <summary>Merges one entry into a builder being filled (a load, a full transfer).</summary>
    internal static void MergeInto(ImmutableDictionary<string, AlarmEntry>.Builder builder, string id, AlarmEntry entry)
    {
        if (entry.IsEmpty) return;
        builder[id] = builder.TryGetValue(id, out var known) ? known.Merge(entry) : entry;
    }

    /// <summary>A state over a builder the caller filled (a load), without copying it again.</summary>
    internal static AlarmStateSet Of(ImmutableDictionary<string, AlarmEntry>.Builder entries) => new(entries.ToImmutable());

    /// <summary>
    /// The join of the two states: per alarm, <see cref="AlarmEntry.Merge"/>. Costs the size of the smaller one
    /// (a delta into a large state touches only the delta's alarms).
    /// </summary>
    public AlarmStateSet Merge(AlarmStateSet other)
    {
        if (other.IsEmpty || ReferenceEquals(this, other)) return this;
        if (IsEmpty) return other;
        var (large, small) = Count >= other.Count ? (this, other) : (other, this);
        var builder = large.Entries.ToBuilder();
        foreach (var (id, entry) in small.Entries)
            builder[id] = builder.TryGetValue(id, out var known) ? known.Merge(entry) : entry;
        return new AlarmStateSet(builder.ToImmutable());
    }

    /// <summary>The greatest stamp in the state (a receiver's or a loaded node's clock moves past it).</summary>
    public HybridTimestamp MaxStamp
    {
        get
        {
            var max = HybridTimestamp.Zero;
            foreach (var entry in Entries.Values) max = HybridTimestamp.Max(max, entry.MaxStamp);
            return max;
        }
    }

    /// <summary>The state cut into deltas of at most <paramref name="entriesPerBatch"/> alarms (their merge is the state).</summary>
    public IEnumerable<AlarmStateSet> Batches(int entriesPerBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(entriesPerBatch);
        var builder = Empty.Entries.ToBuilder();
        foreach (var (id, entry) in Entries)
        {
            builder.Add(id, entry);
            if (builder.Count < entriesPerBatch) continue;
            yield return new AlarmStateSet(builder.ToImmutable());
            builder.Clear();
        }
        if (builder.Count > 0) yield return new AlarmStateSet(builder.ToImmutable());
    }

    /// <summary>Same alarms with equal entries (what two converged nodes hold).</summary>
    public bool SameAs(AlarmStateSet other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (Count != other.Count) return false;
        foreach (var (id, entry) in Entries)
            if (!other.Entries.TryGetValue(id, out var theirs) || !entry.Equals(theirs)) return false;
        return true;
    }

    public override string ToString() => $"AlarmStateSet({Count} alarms)";
}
