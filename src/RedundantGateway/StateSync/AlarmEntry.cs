using System.Collections.Immutable;
using RedundantGateway.Alarms;

namespace RedundantGateway.StateSync;

/// <summary>
/// Active or clear as the evaluating node last wrote it: a register, the greatest <see cref="Stamp"/> wins.
/// </summary>
/// <param name="Episode">the stamp of the write that last took the alarm from clear to active (the activation an
/// acknowledgement names); null: never active.</param>
public sealed record AlarmActivity(
    HybridTimestamp Stamp, bool Active, HybridTimestamp? Episode, AlarmTransition? LastActivation, AlarmTransition? LastClear);

/// <summary>An acknowledgement, a fact kept for good: who, when, why, and the activation (episode) it acknowledges.</summary>
public sealed record AckFact(HybridTimestamp Stamp, HybridTimestamp Episode, string By, DateTimeOffset At, string? Note);

/// <summary>A shelve (<see cref="Until"/> set) or an unshelve (null); the fact with the greatest stamp decides.</summary>
public sealed record ShelveFact(HybridTimestamp Stamp, string By, DateTimeOffset At, DateTimeOffset? Until)
{
    public bool IsShelve => Until is not null;
}

/// <summary>
/// One alarm's replicated runtime state, or a fragment of it (a delta: any part may be missing, which is the bottom
/// of that part). <see cref="Merge"/> is commutative, associative and idempotent: the activity and the shelve are
/// registers ordered by their hybrid stamps; the acknowledgements are a set (union by stamp) bounded to the
/// <see cref="MaxAcksKept"/> greatest, which the union of any inputs keeps alike, so the bound keeps the laws.
/// Only a corrupt input has two facts with one stamp; the content then decides, so even that merges alike.
/// </summary>
public sealed class AlarmEntry : IEquatable<AlarmEntry>
{
    /// <summary>
    /// Acknowledgements kept per alarm, newest by stamp (one per activation, two after a split brain): older ones only
    /// ever describe activations long past. Part of the merge, so both nodes must agree: a constant, not a setting.
    /// </summary>
    public const int MaxAcksKept = 16;

    public static readonly AlarmEntry Empty = new(null, ImmutableArray<AckFact>.Empty, null);

    /// <param name="acks">in ascending stamp order, distinct stamps (use <see cref="Of"/> for any other list).</param>
    private AlarmEntry(AlarmActivity? activity, ImmutableArray<AckFact> acks, ShelveFact? shelve)
    {
        Activity = activity;
        Acks = acks;
        Shelve = shelve;
    }

    public AlarmActivity? Activity { get; }

    /// <summary>The acknowledgements, in ascending stamp order.</summary>
    public ImmutableArray<AckFact> Acks { get; }

    public ShelveFact? Shelve { get; }

    public bool IsEmpty => Activity is null && Acks.IsEmpty && Shelve is null;

    /// <summary>An entry (or fragment) from its parts, acknowledgements in any order.</summary>
    public static AlarmEntry Of(AlarmActivity? activity = null, IEnumerable<AckFact>? acks = null, ShelveFact? shelve = null)
    {
        var merged = ImmutableArray<AckFact>.Empty;
        foreach (var ack in acks ?? []) merged = MergeAcks(merged, [ack]);
        return new AlarmEntry(activity, merged, shelve);
    }

    /// <summary>
    /// An entry from acknowledgements as a codec reads them: already in strictly ascending stamp order and within the
    /// bound, they are taken as they are (no per-fact merge); any other list goes the long way through <see cref="Of"/>,
    /// so the result is the same either way.
    /// </summary>
    internal static AlarmEntry FromOrdered(AlarmActivity? activity, ImmutableArray<AckFact> acks, ShelveFact? shelve)
    {
        if (acks.Length > MaxAcksKept) return Of(activity, acks, shelve);
        for (var i = 1; i < acks.Length; i++)
            if (acks[i - 1].Stamp >= acks[i].Stamp) return Of(activity, acks, shelve);
        return new AlarmEntry(activity, acks, shelve);
    }

    public AlarmEntry Merge(AlarmEntry other)
    {
        if (ReferenceEquals(this, other) || other.IsEmpty) return this;
        if (IsEmpty) return other;
        var activity = Later(Activity, other.Activity, a => a.Stamp, ContentOrder.Activity);
        var shelve = Later(Shelve, other.Shelve, s => s.Stamp, ContentOrder.Shelve);
        var acks = MergeAcks(Acks, other.Acks);
        if (ReferenceEquals(activity, Activity) && ReferenceEquals(shelve, Shelve) && acks == Acks) return this;
        if (ReferenceEquals(activity, other.Activity) && ReferenceEquals(shelve, other.Shelve) && acks == other.Acks) return other;
        return new AlarmEntry(activity, acks, shelve);
    }

    /// <summary>The greatest stamp in the entry (a loaded node's clock starts past it).</summary>
    public HybridTimestamp MaxStamp
    {
        get
        {
            var max = HybridTimestamp.Zero;
            if (Activity is not null) max = HybridTimestamp.Max(max, Activity.Stamp);
            if (Shelve is not null) max = HybridTimestamp.Max(max, Shelve.Stamp);
            if (!Acks.IsEmpty) max = HybridTimestamp.Max(max, Acks[^1].Stamp);
            return max;
        }
    }

    /// <summary>
    /// The fragment of this entry stamped after <paramref name="since"/> (the activity, the shelve and each
    /// acknowledgement on its own stamp): what a peer that holds everything up to that stamp may lack.
    /// </summary>
    public AlarmEntry StampedAfter(HybridTimestamp since)
    {
        if (MaxStamp <= since) return Empty;
        var activity = Activity is { } a && a.Stamp > since ? a : null;
        var shelve = Shelve is { } s && s.Stamp > since ? s : null;
        var first = 0;
        while (first < Acks.Length && Acks[first].Stamp <= since) first++;
        return new AlarmEntry(activity, first == 0 ? Acks : Acks.RemoveRange(0, first), shelve);
    }

    private static T? Later<T>(T? mine, T? theirs, Func<T, HybridTimestamp> stamp, Func<T, T, int> content) where T : class
    {
        if (mine is null) return theirs;
        if (theirs is null || ReferenceEquals(mine, theirs)) return mine;
        var byStamp = stamp(mine).CompareTo(stamp(theirs));
        if (byStamp != 0) return byStamp > 0 ? mine : theirs;
        return mine.Equals(theirs) || content(mine, theirs) >= 0 ? mine : theirs;
    }

    /// <summary>The union of two stamp-ordered lists, the greater content on a shared stamp, newest <see cref="MaxAcksKept"/>.</summary>
    private static ImmutableArray<AckFact> MergeAcks(ImmutableArray<AckFact> mine, ImmutableArray<AckFact> theirs)
    {
        if (theirs.IsEmpty) return mine;
        if (mine.IsEmpty) return Bound(theirs);
        var result = ImmutableArray.CreateBuilder<AckFact>(mine.Length + theirs.Length);
        int i = 0, j = 0;
        var changed = false;
        while (i < mine.Length || j < theirs.Length)
        {
            if (j == theirs.Length) { result.Add(mine[i++]); continue; }
            if (i == mine.Length) { result.Add(theirs[j++]); changed = true; continue; }
            var order = mine[i].Stamp.CompareTo(theirs[j].Stamp);
            if (order < 0) result.Add(mine[i++]);
            else if (order > 0) { result.Add(theirs[j++]); changed = true; }
            else
            {
                var keep = mine[i] == theirs[j] || ContentOrder.Ack(mine[i], theirs[j]) >= 0 ? mine[i] : theirs[j];
                changed |= !ReferenceEquals(keep, mine[i]) && keep != mine[i];
                result.Add(keep);
                i++;
                j++;
            }
        }
        if (!changed) return mine;
        return Bound(result.ToImmutable());
    }

    private static ImmutableArray<AckFact> Bound(ImmutableArray<AckFact> acks) =>
        acks.Length <= MaxAcksKept ? acks : acks.RemoveRange(0, acks.Length - MaxAcksKept);

    public bool Equals(AlarmEntry? other) =>
        other is not null && (ReferenceEquals(this, other) ||
            Equals(Activity, other.Activity) && Equals(Shelve, other.Shelve) && Acks.SequenceEqual(other.Acks));

    public override bool Equals(object? obj) => obj is AlarmEntry other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Activity, Shelve, Acks.Length);

    public override string ToString() => $"AlarmEntry({Activity}, acks [{string.Join(", ", Acks)}], {Shelve})";

    /// <summary>A total order on the contents of facts with one stamp: only corrupt input ever needs it.</summary>
    private static class ContentOrder
    {
        public static int Activity(AlarmActivity a, AlarmActivity b) =>
            First(a.Active.CompareTo(b.Active), Nullable.Compare(a.Episode, b.Episode),
                Transition(a.LastActivation, b.LastActivation), Transition(a.LastClear, b.LastClear));

        public static int Shelve(ShelveFact a, ShelveFact b) =>
            First(Nullable.Compare(a.Until, b.Until), string.CompareOrdinal(a.By, b.By), a.At.CompareTo(b.At));

        public static int Ack(AckFact a, AckFact b) =>
            First(a.Episode.CompareTo(b.Episode), string.CompareOrdinal(a.By, b.By), a.At.CompareTo(b.At),
                string.CompareOrdinal(a.Note, b.Note));

        private static int Transition(AlarmTransition? a, AlarmTransition? b) =>
            a is null || b is null ? (a is null).CompareTo(b is null) * -1
                : First(a.At.CompareTo(b.At), Nullable.Compare(a.Value, b.Value));

        private static int First(params ReadOnlySpan<int> orders)
        {
            foreach (var order in orders) if (order != 0) return order;
            return 0;
        }
    }
}
