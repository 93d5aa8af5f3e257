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
        other[0] = StateCodec.Version + 1;
        var error = Assert.Throws<InvalidDataException>(() => StateCodec.Decode(other));
        Assert.Contains($"version {StateCodec.Version + 1}", error.Message);
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

    // What the state-store benchmark holds per alarm: active, acknowledged and shelved by one operator.
    private static AlarmStateSet Operated(int count)
    {
        var clock = new HybridClock(new ManualTimeProvider(T0), 1);
        return AlarmStateSet.Of(Enumerable.Range(0, count).Select(i =>
        {
            var activation = clock.Now();
            var ack = clock.Now();
            return KeyValuePair.Create($"projects/bench/alarms/a{i:D7}", AlarmEntry.Of(
                new AlarmActivity(activation, true, activation, new AlarmTransition(T0, 81.5), new AlarmTransition(T0.AddMinutes(-3), 40)),
                [new AckFact(ack, activation, "operator", T0.AddSeconds(5), "seen")],
                new ShelveFact(ack, "operator", T0, T0.AddHours(1))));
        }));
    }

    [Fact]
    public void A_full_batch_costs_well_under_half_of_the_first_version_per_alarm()
    {
        // Version 1 wrote 163 bytes per such alarm: repeated names, absolute times and whole ids made most of it.
        var state = Operated(10_000);
        var bytes = StateCodec.Encode(state);

        Assert.InRange(bytes.Length / (double)state.Count, 1, 75);
        Assert.True(StateCodec.Decode(bytes).SameAs(state));
    }

    [Fact]
    public void A_state_cut_into_batches_merges_back_into_any_state_as_the_state_itself_would()
    {
        var full = Alarms(2_345);
        var mine = Alarms(40, from: 2_300).Merge(AlarmStateSet.Of("only-mine", FullEntry(7)));

        var batches = StateCodec.EncodeBatches(full, 500);

        Assert.Equal(5, batches.Count);
        Assert.True(StateCodec.MergeBatches(AlarmStateSet.Empty, batches).SameAs(full));
        Assert.True(StateCodec.MergeBatches(mine, batches).SameAs(mine.Merge(full)));
        Assert.True(StateCodec.MergeBatches(mine, batches.Reverse().Concat(batches)).SameAs(mine.Merge(full)));
        Assert.Empty(StateCodec.EncodeBatches(AlarmStateSet.Empty, 500));
    }

    [Fact]
    public void One_bad_batch_in_a_full_transfer_is_one_clear_error()
    {
        var batches = StateCodec.EncodeBatches(Alarms(1_000), 100).Select(b => (byte[])b.Clone()).ToList();
        batches[6][batches[6].Length / 2] ^= 0x01;

        var error = Assert.Throws<InvalidDataException>(() => StateCodec.MergeBatches(AlarmStateSet.Empty, batches));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void Times_off_the_millisecond_far_apart_or_before_the_previous_and_ids_with_surrogates_read_back_equal()
    {
        var stamp = new HybridTimestamp(1, 0, 1);
        var state = AlarmStateSet.Of(new[]
        {
            KeyValuePair.Create("a/\U0001F600x", AlarmEntry.Of(new AlarmActivity(stamp, true, new HybridTimestamp(long.MaxValue / 2, uint.MaxValue, ushort.MaxValue),
                new AlarmTransition(DateTimeOffset.MaxValue, double.NaN), new AlarmTransition(DateTimeOffset.MinValue, -0.0)), null, null)),
            KeyValuePair.Create("a/\U0001F601y", AlarmEntry.Of(shelve: new ShelveFact(stamp, "é 名", T0.AddTicks(3), T0.AddTicks(-7)))),
            KeyValuePair.Create("a/\U0001F601", AlarmEntry.Of(acks: [new AckFact(stamp, new HybridTimestamp(5, 1, 2), "é 名", T0.AddTicks(1), ""), new AckFact(stamp with { Counter = 1 }, stamp, "", T0, "é 名")])),
        });

        Assert.True(StateCodec.Decode(StateCodec.Encode(state)).SameAs(state));
    }

    [Fact]
    public void A_batch_of_the_first_version_still_reads()
    {
        // Written as version 1 did (BinaryWriter strings, absolute varint stamps and ticks): a log from before loads.
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)1);
            writer.Write7BitEncodedInt(1);
            writer.Write("alarm-1");
            writer.Write((byte)2); // a shelve only
            writer.Write7BitEncodedInt(1); // one acknowledgement
            writer.Write7BitEncodedInt64(1_000); writer.Write7BitEncodedInt64(2); writer.Write7BitEncodedInt(1);
            writer.Write("shelver"); writer.Write7BitEncodedInt64(T0.UtcTicks); writer.Write((byte)1); writer.Write7BitEncodedInt64(T0.AddHours(1).UtcTicks);
            writer.Write7BitEncodedInt64(900); writer.Write7BitEncodedInt64(0); writer.Write7BitEncodedInt(2);
            writer.Write7BitEncodedInt64(800); writer.Write7BitEncodedInt64(0); writer.Write7BitEncodedInt(1);
            writer.Write("op"); writer.Write7BitEncodedInt64(T0.UtcTicks + 3); writer.Write((byte)2); writer.Write("note");
        }
        var body = buffer.ToArray();
        var bytes = body.Concat(BitConverter.GetBytes(System.IO.Hashing.Crc32.HashToUInt32(body))).ToArray();

        var expected = AlarmStateSet.Of("alarm-1", AlarmEntry.Of(
            acks: [new AckFact(new(900, 0, 2), new(800, 0, 1), "op", T0.AddTicks(3), "note")],
            shelve: new ShelveFact(new(1_000, 2, 1), "shelver", T0, T0.AddHours(1))));
        Assert.True(StateCodec.Decode(bytes).SameAs(expected));
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 1, (byte)'a', 2, 0, 0, 0, 5 }, "text 5 is not in its table")]
    [InlineData(new byte[] { 1, 0, 1, (byte)'a', 17 << 2 }, "claims 17 acknowledgements")]
    [InlineData(new byte[] { 1, 4, 1, (byte)'a' }, "shared prefix of 4 is out of range")]
    public void A_version_2_batch_with_a_valid_checksum_but_a_bad_body_says_what_is_wrong(byte[] entries, string problem)
    {
        var body = new byte[] { StateCodec.Version }.Concat(entries).ToArray();
        var bytes = body.Concat(BitConverter.GetBytes(System.IO.Hashing.Crc32.HashToUInt32(body))).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => StateCodec.Decode(bytes));
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
