using System.Buffers.Binary;
using System.IO.Hashing;

namespace RedundantGateway.StateSync;

/// <summary>
/// The node's <see cref="StreamPositions"/> in a small file next to the state log (<c>stream.position</c>). It has two
/// fixed slots, written in turn, each with a generation and a CRC-32: a write cut short (kill -9, power cut) spoils at
/// most the slot being written, and the load takes the newest whole one, an older position, which is always safe
/// (<see cref="ResumeRules"/>). Updating a slot in place costs one small write and one fsync, cheaper than a temporary
/// file and a rename for something written after every batch. One owner, not thread-safe.
/// </summary>
public sealed class StreamPositionFile : IDisposable
{
    public const string FileName = "stream.position";
    private const int SlotBytes = 96, ChecksumAt = SlotBytes - 4;
    private const uint Magic = 0x31505352;   // "RSP1": the layout below

    private readonly FileStream _file;
    private long _generation;

    private StreamPositionFile(FileStream file, long generation)
    {
        _file = file;
        _generation = generation;
    }

    /// <summary>
    /// Opens (or creates) the file in <paramref name="directory"/> and reads the newest whole slot
    /// (<see cref="StreamPositions.None"/> when there is none; <c>Problem</c> says why in one line when there was a file).
    /// </summary>
    public static (StreamPositionFile File, StreamPositions Positions, string? Problem) Open(string directory)
    {
        Directory.CreateDirectory(directory);
        var file = new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read,
            bufferSize: 1, FileOptions.None);
        var content = new byte[Math.Min(file.Length, 2 * SlotBytes)];
        file.ReadExactly(content);
        long generation = 0;
        var positions = StreamPositions.None;
        for (var slot = 0; (slot + 1) * SlotBytes <= content.Length; slot++)
        {
            if (Read(content.AsSpan(slot * SlotBytes, SlotBytes)) is not { } read || read.Generation <= generation) continue;
            (generation, positions) = read;
        }
        var problem = content.Length > 0 && generation == 0 ? $"{FileName} holds no whole position ({content.Length} bytes): starting both streams afresh" : null;
        return (new StreamPositionFile(file, generation), positions, problem);
    }

    /// <summary>Writes <paramref name="positions"/> over the older slot and flushes it to the disk.</summary>
    public void Write(StreamPositions positions)
    {
        _generation++;
        var slot = new byte[SlotBytes];
        var span = slot.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], _generation);
        positions.Receiving.Stream.TryWriteBytes(span[12..]);
        BinaryPrimitives.WriteInt64LittleEndian(span[28..], positions.Receiving.Held);
        if (positions.Sent is { } sent)
        {
            span[36] = 1;
            sent.Stream.TryWriteBytes(span[37..]);
            BinaryPrimitives.WriteInt64LittleEndian(span[53..], sent.Acked);
            BinaryPrimitives.WriteInt64LittleEndian(span[61..], sent.Covered.WallMs);
            BinaryPrimitives.WriteUInt32LittleEndian(span[69..], sent.Covered.Counter);
            BinaryPrimitives.WriteUInt16LittleEndian(span[73..], sent.Covered.Node);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[ChecksumAt..], Crc32.HashToUInt32(span[..ChecksumAt]));
        _file.Seek(_generation % 2 * SlotBytes, SeekOrigin.Begin);
        _file.Write(slot);
        _file.Flush(flushToDisk: true);
    }

    private static (long Generation, StreamPositions Positions)? Read(ReadOnlySpan<byte> slot)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(slot) != Magic) return null;
        if (Crc32.HashToUInt32(slot[..ChecksumAt]) != BinaryPrimitives.ReadUInt32LittleEndian(slot[ChecksumAt..])) return null;
        var generation = BinaryPrimitives.ReadInt64LittleEndian(slot[4..]);
        var receiving = new ReceivingState(new Guid(slot.Slice(12, 16)), BinaryPrimitives.ReadInt64LittleEndian(slot[28..]));
        SentPosition? sent = slot[36] != 1 ? null : new SentPosition(new Guid(slot.Slice(37, 16)), BinaryPrimitives.ReadInt64LittleEndian(slot[53..]),
            new HybridTimestamp(BinaryPrimitives.ReadInt64LittleEndian(slot[61..]), BinaryPrimitives.ReadUInt32LittleEndian(slot[69..]),
                BinaryPrimitives.ReadUInt16LittleEndian(slot[73..])));
        return generation <= 0 ? null : (generation, new StreamPositions(receiving, sent));
    }

    public void Dispose() => _file.Dispose();
}
