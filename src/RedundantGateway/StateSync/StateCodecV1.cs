using RedundantGateway.Alarms;

namespace RedundantGateway.StateSync;

/// <summary>
/// The reader of <see cref="StateCodec"/>'s version 1 (BinaryWriter layout, no string table, absolute times), kept so
/// a log or snapshot written by the release before version 2 still loads. Nothing writes version 1 any more.
/// </summary>
internal static class StateCodecV1
{
    public const byte Version = 1;

    private const byte HasActivity = 1, HasShelve = 2;
    private const byte IsActive = 1, HasEpisode = 2, HasActivation = 4, HasActivationValue = 8, HasClear = 16, HasClearValue = 32;
    private const byte HasUntil = 1, HasNote = 2;

    /// <summary>The entries of a version-1 body (version byte included, checksum already checked and excluded).</summary>
    public static List<KeyValuePair<string, AlarmEntry>> ReadBody(byte[] bytes, int offset, int bodyLength)
    {
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

    private static HybridTimestamp ReadStamp(BinaryReader reader) =>
        new(reader.Read7BitEncodedInt64(), checked((uint)reader.Read7BitEncodedInt64()), checked((ushort)reader.Read7BitEncodedInt()));

    private static AlarmTransition ReadTransition(BinaryReader reader, bool hasValue) =>
        new(ReadTime(reader), hasValue ? reader.ReadDouble() : null);

    private static DateTimeOffset ReadTime(BinaryReader reader)
    {
        var ticks = reader.Read7BitEncodedInt64();
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw new InvalidDataException($"time of {ticks} ticks is out of range");
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }
}
