using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RedundantGateway.Alarms;
using RedundantGateway.StateSync;

namespace RedundantGateway.Tests.StateSync;

/// <summary>Random entries of every shape for the codec: ids sharing prefixes (surrogates too), any times and stamps.</summary>
public static class CodecStates
{
    public static Arbitrary<KeyValuePair<string, AlarmEntry>[]> Arbitrary()
    {
        var text = Gen.Elements("", "op", "operator", "é", "名前", "\U0001F600", "\U0001F601a");
        var id = from parts in Gen.ArrayOf(Gen.Elements("p/", "alarms/", "a1", "a2", "\U0001F600", "\U0001F601", "é")) select "x" + string.Concat(parts);
        var stamp = from wall in Gen.Choose(-5, 5).Select(w => 1_764_000_000_000L + w * 997L).Or(Gen.Elements(0L, long.MaxValue / 4))
                    from counter in Gen.Elements(0u, 1u, uint.MaxValue)
                    from node in Gen.Elements((ushort)0, (ushort)1, (ushort)2, ushort.MaxValue)
                    select new HybridTimestamp(wall, counter, node);
        var time = Gen.Choose(-1_000_000, 1_000_000).Select(t => new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero).AddTicks(t * 997L))
            .Or(Gen.Elements(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero)));
        var value = Gen.Elements<double?>(null, 0, 81.5, double.NaN, -1e300);
        var transition = Gen.Elements(false, true).SelectMany(has => has
            ? from at in time from v in value select new AlarmTransition(at, v)
            : Gen.Constant<AlarmTransition>(null!));
        var activity = from s in stamp from active in Gen.Elements(true, false)
                       from episode in Gen.Elements(0, 1, 2).SelectMany(k => k == 0 ? Gen.Constant<HybridTimestamp?>(null) : k == 1 ? Gen.Constant<HybridTimestamp?>(s) : stamp.Select(e => (HybridTimestamp?)e))
                       from activation in transition from clear in transition
                       select new AlarmActivity(s, active, episode, activation, clear);
        var ack = from s in stamp from e in stamp from who in text from at in time from note in text.Select(n => n.Length == 0 ? null : n)
                  select new AckFact(s, e, who, at, note);
        var shelve = from s in stamp from who in text from at in time from until in Gen.Elements(false, true).SelectMany(has => has ? time.Select(t => (DateTimeOffset?)t) : Gen.Constant<DateTimeOffset?>(null))
                     select new ShelveFact(s, who, at, until);
        var entry = from a in Gen.Elements(false, true).SelectMany(has => has ? activity : Gen.Constant<AlarmActivity>(null!))
                    from acks in Gen.ArrayOf(ack)
                    from sh in Gen.Elements(false, true).SelectMany(has => has ? shelve : Gen.Constant<ShelveFact>(null!))
                    select AlarmEntry.Of(a, acks, sh);
        // Acknowledgements of the activity's own episode take the short form: make some.
        var withOwnEpisode = entry.Select(e => e.Activity?.Episode is { } episode && !e.Acks.IsEmpty
            ? AlarmEntry.Of(e.Activity, e.Acks.Select((a, i) => i % 2 == 0 ? a with { Episode = episode } : a), e.Shelve) : e);
        return Gen.ArrayOf(from i in id from e in withOwnEpisode select KeyValuePair.Create(i, e)).ToArbitrary();
    }
}

public sealed class StateCodecProperties
{
    [Property(Arbitrary = [typeof(CodecStates)], MaxTest = 300)]
    public bool Any_state_reads_back_equal_alone_and_cut_into_batches(KeyValuePair<string, AlarmEntry>[] entries)
    {
        var state = AlarmStateSet.Of(entries);
        return StateCodec.Decode(StateCodec.Encode(state)).SameAs(state)
            && StateCodec.MergeBatches(AlarmStateSet.Empty, StateCodec.EncodeBatches(state, 3)).SameAs(state);
    }
}
