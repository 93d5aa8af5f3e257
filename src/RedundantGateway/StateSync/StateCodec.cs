using System.Buffers.Binary;
using System.Collections.Immutable;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using F = RedundantGateway.StateSync.StateBatchFormat;

namespace RedundantGateway.StateSync;

/// <summary>
/// The compact binary form of an <see cref="AlarmStateSet"/> (a delta batch, or one batch of a full state), for the
/// node link, the log and the snapshot. A batch is: a version byte, the number of entries, the entries, and the
/// CRC-32 of everything before it (little endian). Numbers are 7-bit varints; within a batch ids share their prefix
/// with the previous id, stamps and times are differences from the previous ones and names and notes go through a
/// string table (see <see cref="StateBatchWriter"/>); each entry names only the parts it holds, so a batch's size
/// depends on its own entries, never on the state's. Version 1 batches (the release before) still read.
/// </summary>
public static class StateCodec
{
    public const byte Version = 2;

    private const int ChecksumBytes = 4;

    public static byte[] Encode(AlarmStateSet batch) => Encode(batch.Entries, batch.Count);

    /// <summary>A batch of the given entries (a slice of a state's, for a full transfer cut as it is sent).</summary>
    public static byte[] Encode(ArraySegment<KeyValuePair<string, AlarmEntry>> entries) => Encode(entries, entries.Count);

    /// <summary>
    /// A whole state as batches of at most <paramref name="entriesPerBatch"/> alarms (their merge is the state), for
    /// a full transfer or a snapshot: written on all cores, without building a map per batch.
    /// </summary>
    public static IReadOnlyList<byte[]> EncodeBatches(AlarmStateSet state, int entriesPerBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(entriesPerBatch);
        var entries = state.Entries.ToArray();
        var batches = new byte[(entries.Length + entriesPerBatch - 1) / entriesPerBatch][];
        Parallel.For(0, batches.Length, i =>
        {
            var slice = new ArraySegment<KeyValuePair<string, AlarmEntry>>(entries, i * entriesPerBatch, Math.Min(entriesPerBatch, entries.Length - i * entriesPerBatch));
            batches[i] = Encode(slice, slice.Count);
        });
        return batches;
    }

    /// <summary>Reads a batch, or throws <see cref="InvalidDataException"/> saying in one line what is wrong with it.</summary>
    public static AlarmStateSet Decode(byte[] bytes) => AlarmStateSet.Of(DecodeEntries(bytes, 0, bytes.Length));

    /// <summary>
    /// Merges batches (a full transfer, a snapshot) into <paramref name="state"/>: decoded on the other cores while
    /// this thread builds the one map. All or nothing: a bad batch throws <see cref="InvalidDataException"/>.
    /// </summary>
    public static AlarmStateSet MergeBatches(AlarmStateSet state, IEnumerable<byte[]> batches)
    {
        var builder = state.Entries.ToBuilder();
        var decoded = batches.AsParallel().WithDegreeOfParallelism(Math.Max(1, Environment.ProcessorCount))
            .Select(bytes => DecodeEntries(bytes, 0, bytes.Length));
        try
        {
            foreach (var entries in decoded)
                foreach (var (id, entry) in entries)
                    AlarmStateSet.MergeInto(builder, id, entry);
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault() is InvalidDataException bad)
        {
            throw new InvalidDataException(bad.Message, bad);
        }
        return AlarmStateSet.Of(builder);
    }

    /// <summary>The entries of a batch, in its order (for a load that merges many batches into one builder).</summary>
    public static List<KeyValuePair<string, AlarmEntry>> DecodeEntries(byte[] bytes, int offset, int count)
    {
        var span = bytes.AsSpan(offset, count);
        if (count < 1 + 1 + ChecksumBytes) throw new InvalidDataException($"state batch of {count} bytes is too short");
        if (span[0] is not (Version or StateCodecV1.Version)) throw new InvalidDataException($"state batch version {span[0]} is not {Version}: written by another release");
        var bodyLength = count - ChecksumBytes;
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(span[bodyLength..]);
        if (Crc32.HashToUInt32(span[..bodyLength]) != expected) throw new InvalidDataException("state batch checksum does not match: corrupt");
        if (span[0] == StateCodecV1.Version) return StateCodecV1.ReadBody(bytes, offset, bodyLength);
        try
        {
            var reader = new StateBatchReader(span[..bodyLength], 1);
            var entryCount = reader.Count(bodyLength, "the number of entries");
            var entries = new List<KeyValuePair<string, AlarmEntry>>(entryCount);
            for (var i = 0; i < entryCount; i++) entries.Add(ReadEntry(ref reader));
            if (!reader.AtEnd) throw new InvalidDataException($"state batch has {bodyLength - reader.Position} bytes after its {entryCount} entries");
            return entries;
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException($"state batch does not read: {e.Message}");
        }
    }

    private static byte[] Encode(IEnumerable<KeyValuePair<string, AlarmEntry>> entries, int count)
    {
        using var writer = new StateBatchWriter(64 + count * 80);
        writer.Byte(Version);
        writer.VarUInt((ulong)count);
        foreach (var (id, entry) in entries) WriteEntry(writer, id, entry);
        var body = writer.Written;
        var bytes = new byte[body.Length + ChecksumBytes];
        body.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body.Length), Crc32.HashToUInt32(body));
        return bytes;
    }

    private static void WriteEntry(StateBatchWriter writer, string id, AlarmEntry entry)
    {
        writer.Id(id);
        writer.Byte((byte)((entry.Activity is null ? 0 : F.HasActivity) | (entry.Shelve is null ? 0 : F.HasShelve) | entry.Acks.Length << F.AckCountShift));
        var activityEpisode = entry.Activity?.Episode;
        if (entry.Activity is { } activity)
        {
            writer.Stamp(activity.Stamp);
            writer.Byte((byte)((activity.Active ? F.IsActive : 0) | (activity.Episode is null ? 0 : F.HasEpisode)
                | (activity.Episode == activity.Stamp ? F.EpisodeIsStamp : 0)
                | (activity.LastActivation is null ? 0 : F.HasActivation) | (activity.LastActivation?.Value is null ? 0 : F.HasActivationValue)
                | (activity.LastClear is null ? 0 : F.HasClear) | (activity.LastClear?.Value is null ? 0 : F.HasClearValue)));
            if (activity.Episode is { } episode && episode != activity.Stamp) writer.Stamp(episode);
            writer.Transition(activity.LastActivation);
            writer.Transition(activity.LastClear);
        }
        if (entry.Shelve is { } shelve)
        {
            writer.Stamp(shelve.Stamp);
            writer.Text(shelve.By);
            writer.Time(shelve.At);
            writer.Byte(shelve.Until is null ? (byte)0 : F.HasUntil);
            if (shelve.Until is { } until) writer.Time(until);
        }
        foreach (var ack in entry.Acks)
        {
            writer.Stamp(ack.Stamp);
            writer.Byte((byte)((ack.Note is null ? 0 : F.HasNote) | (ack.Episode == activityEpisode ? F.EpisodeIsActivityEpisode : 0)));
            if (ack.Episode != activityEpisode) writer.Stamp(ack.Episode);
            writer.Text(ack.By);
            writer.Time(ack.At);
            if (ack.Note is { } note) writer.Text(note);
        }
    }

    private static KeyValuePair<string, AlarmEntry> ReadEntry(ref StateBatchReader reader)
    {
        var id = reader.Id();
        var head = reader.Byte();
        var ackCount = head >> F.AckCountShift;
        if (ackCount > AlarmEntry.MaxAcksKept) throw new InvalidDataException($"alarm '{id}' claims {ackCount} acknowledgements (at most {AlarmEntry.MaxAcksKept})");
        AlarmActivity? activity = null;
        ShelveFact? shelve = null;
        if ((head & F.HasActivity) != 0)
        {
            var stamp = reader.Stamp();
            var flags = reader.Byte();
            HybridTimestamp? episode = (flags & F.HasEpisode) == 0 ? null : (flags & F.EpisodeIsStamp) != 0 ? stamp : reader.Stamp();
            var activation = (flags & F.HasActivation) != 0 ? reader.Transition((flags & F.HasActivationValue) != 0) : null;
            var clear = (flags & F.HasClear) != 0 ? reader.Transition((flags & F.HasClearValue) != 0) : null;
            activity = new AlarmActivity(stamp, (flags & F.IsActive) != 0, episode, activation, clear);
        }
        if ((head & F.HasShelve) != 0)
        {
            var stamp = reader.Stamp();
            var by = reader.Text();
            var at = reader.Time();
            DateTimeOffset? until = (reader.Byte() & F.HasUntil) != 0 ? reader.Time() : null;
            shelve = new ShelveFact(stamp, by, at, until);
        }
        if (ackCount == 0) return new(id, AlarmEntry.FromOrdered(activity, ImmutableArray<AckFact>.Empty, shelve));
        var acks = new AckFact[ackCount];
        for (var i = 0; i < ackCount; i++)
        {
            var stamp = reader.Stamp();
            var flags = reader.Byte();
            HybridTimestamp episode;
            if ((flags & F.EpisodeIsActivityEpisode) != 0)
                episode = activity?.Episode ?? throw new InvalidDataException($"alarm '{id}' has an acknowledgement of an episode it does not hold");
            else episode = reader.Stamp();
            var by = reader.Text();
            var at = reader.Time();
            var note = (flags & F.HasNote) != 0 ? reader.Text() : null;
            acks[i] = new AckFact(stamp, episode, by, at, note);
        }
        return new(id, AlarmEntry.FromOrdered(activity, ImmutableCollectionsMarshal.AsImmutableArray(acks), shelve));
    }
}
