using System.Buffers.Binary;
using System.IO.Hashing;
using RedundantGateway.Alarms;

namespace RedundantGateway.StateSync;

/// <summary>
/// The compact binary form of an <see cref="AlarmStateSet"/> (a delta batch, or one batch of a full state), for the
/// node link, the log and the snapshot. A batch is: a version byte, the number of entries, the entries, and the
/// CRC-32 of everything before it (little endian). Numbers are 7-bit varints, strings length-prefixed UTF-8, and
/// each entry names only the parts it holds, so a batch's size depends on its own entries, never on the state's.
/// </summary>
public static class StateCodec
{
    public const byte Version = 1;

    private const int ChecksumBytes = 4;

    // Entry parts present.
    private const byte HasActivity = 1, HasShelve = 2;
    // Activity and shelve flags.
    private const byte IsActive = 1, HasEpisode = 2, HasActivation = 4, HasActivationValue = 8, HasClear = 16, HasClearValue = 32;
    private const byte HasUntil = 1, HasNote = 2;

    public static byte[] Encode(AlarmStateSet batch)
    {
        using var buffer = new MemoryStream(64 + batch.Count * 64);
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write7BitEncodedInt(batch.Count);
            foreach (var (id, entry) in batch.Entries) WriteEntry(writer, id, entry);
        }
        var length = (int)buffer.Length;
        buffer.SetLength(length + ChecksumBytes);
        var bytes = buffer.GetBuffer();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(length), Crc32.HashToUInt32(bytes.AsSpan(0, length)));
        return bytes.Length == length + ChecksumBytes ? bytes : bytes.AsSpan(0, length + ChecksumBytes).ToArray();
    }

    /// <summary>Reads a batch, or throws <see cref="InvalidDataException"/> saying in one line what is wrong with it.</summary>
    public static AlarmStateSet Decode(byte[] bytes) => AlarmStateSet.Of(DecodeEntries(bytes, 0, bytes.Length));

    /// <summary>The entries of a batch, in its order (for a load that merges many batches into one builder).</summary>
    public static List<KeyValuePair<string, AlarmEntry>> DecodeEntries(byte[] bytes, int offset, int count)
    {
        var span = bytes.AsSpan(offset, count);
        if (count < 1 + 1 + ChecksumBytes) throw new InvalidDataException($"state batch of {count} bytes is too short");
        if (span[0] != Version) throw new InvalidDataException($"state batch version {span[0]} is not {Version}: written by another release");
        var bodyLength = count - ChecksumBytes;
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(span[bodyLength..]);
        if (Crc32.HashToUInt32(span[..bodyLength]) != expected) throw new InvalidDataException("state batch checksum does not match: corrupt");
        using var stream = new MemoryStream(bytes, offset, bodyLength, writable: false);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8);
        try
        {
            reader.ReadByte();
            var entryCount = reader.Read7BitEncodedInt();
            if (entryCount < 0 || entryCount > bodyLength) throw new InvalidDataException($"state batch claims {entryCount} entries in {bodyLength} bytes");
            var entries = new List<KeyValuePair<string, AlarmEntry>>(entryCount);
            for (var i = 0; i < entryCount; i++) entries.Add(ReadEntry(reader));
            if (stream.Position != stream.Length) throw new InvalidDataException($"state batch has {stream.Length - stream.Position} bytes after its {entryCount} entries");
            return entries;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"state batch does not read: {e.Message}");
        }
    }

    private static void WriteEntry(BinaryWriter writer, string id, AlarmEntry entry)
    {
        writer.Write(id);
        writer.Write((byte)((entry.Activity is null ? 0 : HasActivity) | (entry.Shelve is null ? 0 : HasShelve)));
        writer.Write7BitEncodedInt(entry.Acks.Length);
        if (entry.Activity is { } activity)
        {
            WriteStamp(writer, activity.Stamp);
            writer.Write((byte)((activity.Active ? IsActive : 0) | (activity.Episode is null ? 0 : HasEpisode)
                | (activity.LastActivation is null ? 0 : HasActivation) | (activity.LastActivation?.Value is null ? 0 : HasActivationValue)
                | (activity.LastClear is null ? 0 : HasClear) | (activity.LastClear?.Value is null ? 0 : HasClearValue)));
            if (activity.Episode is { } episode) WriteStamp(writer, episode);
            WriteTransition(writer, activity.LastActivation);
            WriteTransition(writer, activity.LastClear);
        }
        if (entry.Shelve is { } shelve)
        {
            WriteStamp(writer, shelve.Stamp);
            writer.Write(shelve.By);
            WriteTime(writer, shelve.At);
            writer.Write(shelve.Until is null ? (byte)0 : HasUntil);
            if (shelve.Until is { } until) WriteTime(writer, until);
        }
        foreach (var ack in entry.Acks)
        {
            WriteStamp(writer, ack.Stamp);
            WriteStamp(writer, ack.Episode);
            writer.Write(ack.By);
            WriteTime(writer, ack.At);
            writer.Write(ack.Note is null ? (byte)0 : HasNote);
            if (ack.Note is { } note) writer.Write(note);
        }
    }

    private static KeyValuePair<string, AlarmEntry> ReadEntry(BinaryReader reader)
    {
        var id = reader.ReadString();
        var parts = reader.ReadByte();
        var ackCount = reader.Read7BitEncodedInt();
        if (ackCount < 0 || ackCount > AlarmEntry.MaxAcksKept) throw new InvalidDataException($"alarm '{id}' claims {ackCount} acknowledgements (at most {AlarmEntry.MaxAcksKept})");
        AlarmActivity? activity = null;
        ShelveFact? shelve = null;
        if ((parts & HasActivity) != 0)
        {
            var stamp = ReadStamp(reader);
            var flags = reader.ReadByte();
            HybridTimestamp? episode = (flags & HasEpisode) != 0 ? ReadStamp(reader) : null;
            var activation = (flags & HasActivation) != 0 ? ReadTransition(reader, (flags & HasActivationValue) != 0) : null;
            var clear = (flags & HasClear) != 0 ? ReadTransition(reader, (flags & HasClearValue) != 0) : null;
            activity = new AlarmActivity(stamp, (flags & IsActive) != 0, episode, activation, clear);
        }
        if ((parts & HasShelve) != 0)
        {
            var stamp = ReadStamp(reader);
            var by = reader.ReadString();
            var at = ReadTime(reader);
            DateTimeOffset? until = (reader.ReadByte() & HasUntil) != 0 ? ReadTime(reader) : null;
            shelve = new ShelveFact(stamp, by, at, until);
        }
        var acks = new AckFact[ackCount];
        for (var i = 0; i < ackCount; i++)
        {
            var stamp = ReadStamp(reader);
            var episode = ReadStamp(reader);
            var by = reader.ReadString();
            var at = ReadTime(reader);
            var note = (reader.ReadByte() & HasNote) != 0 ? reader.ReadString() : null;
            acks[i] = new AckFact(stamp, episode, by, at, note);
        }
        return new(id, AlarmEntry.Of(activity, acks, shelve));
    }

    private static void WriteStamp(BinaryWriter writer, HybridTimestamp stamp)
    {
        writer.Write7BitEncodedInt64(stamp.WallMs);
        writer.Write7BitEncodedInt64(stamp.Counter);
        writer.Write7BitEncodedInt(stamp.Node);
    }

    private static HybridTimestamp ReadStamp(BinaryReader reader) =>
        new(reader.Read7BitEncodedInt64(), checked((uint)reader.Read7BitEncodedInt64()), checked((ushort)reader.Read7BitEncodedInt()));

    private static void WriteTransition(BinaryWriter writer, AlarmTransition? transition)
    {
        if (transition is null) return;
        WriteTime(writer, transition.At);
        if (transition.Value is { } value) writer.Write(value);
    }

    private static AlarmTransition ReadTransition(BinaryReader reader, bool hasValue) =>
        new(ReadTime(reader), hasValue ? reader.ReadDouble() : null);

    // UTC ticks: exact, so a round trip gives equal times.
    private static void WriteTime(BinaryWriter writer, DateTimeOffset at) => writer.Write7BitEncodedInt64(at.UtcTicks);

    private static DateTimeOffset ReadTime(BinaryReader reader)
    {
        var ticks = reader.Read7BitEncodedInt64();
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw new InvalidDataException($"time of {ticks} ticks is out of range");
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }
}
