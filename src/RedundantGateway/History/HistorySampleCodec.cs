using System.Buffers.Binary;
using System.Text;
using RedundantGateway.Tags;

namespace RedundantGateway.History;

/// <summary>
/// The binary form of one <see cref="HistorySample"/> in the cache's segment log: little-endian, strings as a
/// 16-bit byte count and UTF-8, the value tagged by its type. The timestamp is kept as UTC ticks.
/// </summary>
public static class HistorySampleCodec
{
    private const byte NullValue = 0, DoubleValue = 1, LongValue = 2, BoolValue = 3, StringValue = 4;

    /// <summary>The most bytes <paramref name="sample"/> can take encoded.</summary>
    public static int MaxSize(HistorySample sample) =>
        2 + Encoding.UTF8.GetMaxByteCount(sample.Tag.Length) + 8 + 1 + 1 + 8
        + (sample.Value is string text ? 2 + Encoding.UTF8.GetMaxByteCount(text.Length) : 0)
        + 2 + Encoding.UTF8.GetMaxByteCount(sample.Node.Length) + 8;

    /// <summary>Writes <paramref name="sample"/> at the start of <paramref name="target"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">a tag, node or text value longer than 65535 UTF-8 bytes, or a value of another type.</exception>
    public static int Encode(HistorySample sample, Span<byte> target)
    {
        var at = WriteString(sample.Tag, target);
        BinaryPrimitives.WriteInt64LittleEndian(target[at..], sample.Timestamp.UtcTicks);
        at += 8;
        target[at++] = (byte)sample.Quality;
        switch (sample.Value)
        {
            case null:
                target[at++] = NullValue;
                break;
            case double d:
                target[at++] = DoubleValue;
                BinaryPrimitives.WriteDoubleLittleEndian(target[at..], d);
                at += 8;
                break;
            case long l:
                target[at++] = LongValue;
                BinaryPrimitives.WriteInt64LittleEndian(target[at..], l);
                at += 8;
                break;
            case int i:
                target[at++] = LongValue;
                BinaryPrimitives.WriteInt64LittleEndian(target[at..], i);
                at += 8;
                break;
            case bool b:
                target[at++] = BoolValue;
                target[at++] = b ? (byte)1 : (byte)0;
                break;
            case string s:
                target[at++] = StringValue;
                at += WriteString(s, target[at..]);
                break;
            default:
                throw new ArgumentException($"tag {sample.Tag}: a history value must be a double, long, bool or string, not {sample.Value.GetType().Name}");
        }
        at += WriteString(sample.Node, target[at..]);
        BinaryPrimitives.WriteInt64LittleEndian(target[at..], sample.Epoch);
        return at + 8;
    }

    /// <exception cref="FormatException">the bytes are not a sample (cut short or an unknown value type).</exception>
    public static HistorySample Decode(ReadOnlySpan<byte> source)
    {
        try
        {
            var at = 0;
            var tag = ReadString(source, ref at);
            var ticks = BinaryPrimitives.ReadInt64LittleEndian(source[at..]);
            at += 8;
            var quality = (TagQuality)source[at++];
            var type = source[at++];
            object? value;
            switch (type)
            {
                case NullValue: value = null; break;
                case DoubleValue: value = BinaryPrimitives.ReadDoubleLittleEndian(source[at..]); at += 8; break;
                case LongValue: value = BinaryPrimitives.ReadInt64LittleEndian(source[at..]); at += 8; break;
                case BoolValue: value = source[at++] != 0; break;
                case StringValue: value = ReadString(source, ref at); break;
                default: throw new FormatException($"unknown value type {type}");
            }
            var node = ReadString(source, ref at);
            var epoch = BinaryPrimitives.ReadInt64LittleEndian(source[at..]);
            return new HistorySample(tag, new DateTimeOffset(ticks, TimeSpan.Zero), value, quality, node, epoch);
        }
        catch (ArgumentOutOfRangeException) { throw new FormatException("a cached sample is cut short"); }
    }

    private static int WriteString(string text, Span<byte> target)
    {
        var count = Encoding.UTF8.GetBytes(text, target[2..]);
        if (count > ushort.MaxValue) throw new ArgumentException($"'{text[..40]}...' is longer than {ushort.MaxValue} UTF-8 bytes");
        BinaryPrimitives.WriteUInt16LittleEndian(target, (ushort)count);
        return 2 + count;
    }

    private static string ReadString(ReadOnlySpan<byte> source, ref int at)
    {
        var count = BinaryPrimitives.ReadUInt16LittleEndian(source[at..]);
        var text = Encoding.UTF8.GetString(source.Slice(at + 2, count));
        at += 2 + count;
        return text;
    }
}
