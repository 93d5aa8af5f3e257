using RedundantGateway.Alarms;
using RedundantGateway.StateSync;
using RedundantGateway.Tests.Alarms;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

public sealed class StateCodecSpec
{
    private static readonly DateTimeOffset T0 = ManualTimeProvider.Start;

    internal static AlarmEntry FullEntry(int i)
    {
        var stamp = new HybridTimestamp(T0.ToUnixTimeMilliseconds() + i, (uint)i % 3, (ushort)(i % 2 + 1));
        return AlarmEntry.Of(
            new AlarmActivity(stamp, i % 2 == 0, stamp, new AlarmTransition(T0.AddTicks(i), i * 1.5), new AlarmTransition(T0.AddMinutes(1), null)),
            [new AckFact(stamp, stamp, "op", T0.AddSeconds(i), i % 3 == 0 ? null : "note é"), new AckFact(stamp with { Node = 9 }, stamp, "other", T0, null)],
            new ShelveFact(stamp, "shelver", T0, i % 2 == 0 ? T0.AddHours(1) : null));
    }

    private static AlarmStateSet Alarms(int count, int from = 0) =>
        AlarmStateSet.Of(Enumerable.Range(from, count).Select(i => KeyValuePair.Create($"projects/p/alarms/a{i}", FullEntry(i))));

    [Fact]
    public void A_batch_reads_back_equal_with_every_part_present_or_missing()
    {
        var state = Alarms(50).Merge(AlarmStateSet.Of("only-activity", AlarmEntry.Of(activity: new AlarmActivity(new(1, 0, 1), false, null, null, null))))
            .Merge(AlarmStateSet.Of("only-shelve", AlarmEntry.Of(shelve: new ShelveFact(new(1, 0, 2), "x", T0, null))));

        Assert.True(StateCodec.Decode(StateCodec.Encode(state)).SameAs(state));
        Assert.True(StateCodec.Decode(StateCodec.Encode(AlarmStateSet.Empty)).IsEmpty);
    }

    [Fact]
    public void A_delta_of_100_changes_is_the_same_size_whatever_the_size_of_the_state()
    {
        var changes = Alarms(100);
        var small = Alarms(1_000, from: 100).Merge(changes);
        var large = Alarms(20_000, from: 100).Merge(changes);

        // The delta a node ships is what changed, taken from the state it merged into: the same bytes either way.
        var fromSmall = AlarmStateSet.Of(changes.Entries.Keys.Select(id => KeyValuePair.Create(id, small[id])));
        var fromLarge = AlarmStateSet.Of(changes.Entries.Keys.Select(id => KeyValuePair.Create(id, large[id])));
        Assert.Equal(StateCodec.Encode(fromSmall).Length, StateCodec.Encode(fromLarge).Length);
        Assert.InRange(StateCodec.Encode(fromLarge).Length, 100 * 50, 100 * 250);
    }

    [Fact]
    public void A_flipped_bit_a_cut_batch_or_another_version_is_one_clear_error()
    {
        var bytes = StateCodec.Encode(Alarms(3));

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x10;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => StateCodec.Decode(flipped)).Message);
        Assert.Throws<InvalidDataException>(() => StateCodec.Decode(bytes[..^7]));
        var other = (byte[])bytes.Clone();
        other[0] = 2;
        var error = Assert.Throws<InvalidDataException>(() => StateCodec.Decode(other));
        Assert.Contains("version 2", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_batch_with_a_valid_checksum_but_a_bad_body_is_refused_not_misread()
    {
        // A writer bug rather than disk damage: the checksum matches, the content does not read.
        var body = new byte[] { StateCodec.Version, 1, 0x03, (byte)'a' };
        var crc = System.IO.Hashing.Crc32.HashToUInt32(body);
        var bytes = body.Concat(BitConverter.GetBytes(crc)).ToArray();
        Assert.StartsWith("state batch does not read", Assert.Throws<InvalidDataException>(() => StateCodec.Decode(bytes)).Message);
    }
}
