using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using RedundantGateway.Alarms;

namespace RedundantGateway.StateSync;

/// <summary>
/// The bits and the number forms of <see cref="StateCodec"/>'s version 2, shared by its writer and reader. Every
/// batch starts from the same zero context (previous id, stamp wall and time, empty string table), so any batch reads
/// alone: a delta's size depends only on its own entries.
/// </summary>
internal static class StateBatchFormat
{
    // Entry head: the parts present in the low bits, the number of acknowledgements (at most 16) above them.
    public const byte HasActivity = 1, HasShelve = 2;
    public const int AckCountShift = 2;
    // Activity flags.
    public const byte IsActive = 1, HasEpisode = 2, EpisodeIsStamp = 4, HasActivation = 8, HasActivationValue = 16, HasClear = 32, HasClearValue = 64;
    // Shelve and acknowledgement flags.
    public const byte HasUntil = 1, HasNote = 1, EpisodeIsActivityEpisode = 2;

    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}

/// <summary>
/// Writes one version-2 batch into a pooled buffer: ids as the length shared with the previous id plus the rest,
/// stamp walls and times as signed differences from the previous ones in the batch (times in whole milliseconds when
/// they are), and names and notes through a string table (a repeated "by" costs one byte). Not thread-safe: one
/// writer per batch.
/// </summary>
internal sealed class StateBatchWriter : IDisposable
{
    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);
    private byte[] _buffer;
    private int _position;
    private string _previousId = "";
    private long _previousWall, _previousTicks;

    public StateBatchWriter(int capacityHint) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, capacityHint));

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _position);

    public void Byte(byte value)
    {
        Ensure(1);
        _buffer[_position++] = value;
    }

    public void VarUInt(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_position++] = (byte)value;
    }

    public void Double(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    public void UInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void Id(string id)
    {
        var shared = id.AsSpan().CommonPrefixLength(_previousId);
        // Never split a surrogate pair: the rest must be whole UTF-8.
        if (shared > 0 && char.IsHighSurrogate(id[shared - 1])) shared--;
        VarUInt((ulong)shared);
        Utf8(id.AsSpan(shared));
        _previousId = id;
    }

    public void Stamp(HybridTimestamp stamp)
    {
        VarUInt(StateBatchFormat.ZigZag(stamp.WallMs - _previousWall));
        VarUInt(stamp.Counter);
        VarUInt(stamp.Node);
        _previousWall = stamp.WallMs;
    }

    /// <summary>UTC ticks, exact: the difference from the previous time, in milliseconds (low bit 0) when it is whole.</summary>
    public void Time(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        var difference = ticks - _previousTicks;
        VarUInt(difference % TimeSpan.TicksPerMillisecond == 0
            ? StateBatchFormat.ZigZag(difference / TimeSpan.TicksPerMillisecond) << 1
            : StateBatchFormat.ZigZag(difference) << 1 | 1);
        _previousTicks = ticks;
    }

    /// <summary>A name or a note: 0 and the text the first time in the batch, then its place in the table plus one.</summary>
    public void Text(string text)
    {
        if (_strings.TryGetValue(text, out var index))
        {
            VarUInt((ulong)index + 1);
            return;
        }
        VarUInt(0);
        Utf8(text);
        _strings.Add(text, _strings.Count);
    }

    public void Transition(AlarmTransition? transition)
    {
        if (transition is null) return;
        Time(transition.At);
        if (transition.Value is { } value) Double(value);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Utf8(ReadOnlySpan<char> text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        VarUInt((ulong)length);
        Ensure(length);
        _position += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_position));
    }

    private void Ensure(int bytes)
    {
        if (_position + bytes <= _buffer.Length) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + bytes));
        _buffer.AsSpan(0, _position).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}

/// <summary>Reads what <see cref="StateBatchWriter"/> wrote; any fault is an <see cref="InvalidDataException"/> of one line.</summary>
internal ref struct StateBatchReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly List<string> _strings;
    private string _previousId;
    private long _previousWall, _previousTicks;

    public StateBatchReader(ReadOnlySpan<byte> bytes, int position)
    {
        _bytes = bytes;
        Position = position;
        _strings = [];
        _previousId = "";
    }

    public int Position { get; private set; }

    public bool AtEnd => Position == _bytes.Length;

    public byte Byte()
    {
        if (Position >= _bytes.Length) throw Cut();
        return _bytes[Position++];
    }

    public ulong VarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("state batch does not read: a number is longer than 64 bits");
    }

    public int Count(long limit, string what)
    {
        var value = VarUInt();
        if (value > (ulong)limit) throw new InvalidDataException($"state batch does not read: {what} of {value} is out of range");
        return (int)value;
    }

    public double Double()
    {
        if (_bytes.Length - Position < 8) throw Cut();
        var value = BinaryPrimitives.ReadDoubleLittleEndian(_bytes[Position..]);
        Position += 8;
        return value;
    }

    public string Id()
    {
        var shared = Count(_previousId.Length, "an id's shared prefix");
        var rest = Utf8Span();
        var id = shared == 0 ? Encoding.UTF8.GetString(rest) : Concat(_previousId, shared, rest);
        _previousId = id;
        return id;
    }

    public HybridTimestamp Stamp()
    {
        var wall = checked(_previousWall + StateBatchFormat.UnZigZag(VarUInt()));
        var counter = VarUInt();
        var node = VarUInt();
        if (counter > uint.MaxValue || node > ushort.MaxValue) throw new InvalidDataException($"state batch does not read: stamp counter {counter} or node {node} is out of range");
        _previousWall = wall;
        return new HybridTimestamp(wall, (uint)counter, (ushort)node);
    }

    public DateTimeOffset Time()
    {
        var raw = VarUInt();
        var difference = StateBatchFormat.UnZigZag(raw >> 1);
        var ticks = checked((raw & 1) == 0 ? _previousTicks + difference * TimeSpan.TicksPerMillisecond : _previousTicks + difference);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw new InvalidDataException($"state batch does not read: a time of {ticks} ticks is out of range");
        _previousTicks = ticks;
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    public string Text()
    {
        var index = VarUInt();
        if (index == 0)
        {
            var text = Encoding.UTF8.GetString(Utf8Span());
            _strings.Add(text);
            return text;
        }
        if (index > (ulong)_strings.Count) throw new InvalidDataException($"state batch does not read: text {index} is not in its table of {_strings.Count}");
        return _strings[(int)index - 1];
    }

    public AlarmTransition Transition(bool hasValue) => new(Time(), hasValue ? Double() : null);

    /// <summary>The first <paramref name="shared"/> characters of <paramref name="previous"/> and the UTF-8 rest, in one string.</summary>
    private static string Concat(string previous, int shared, ReadOnlySpan<byte> rest)
    {
        var restChars = Encoding.UTF8.GetMaxCharCount(rest.Length);
        Span<char> chars = restChars <= 256 ? stackalloc char[256] : new char[restChars];
        var written = Encoding.UTF8.GetChars(rest, chars);
        return string.Concat(previous.AsSpan(0, shared), chars[..written]);
    }

    private ReadOnlySpan<byte> Utf8Span()
    {
        var length = Count(_bytes.Length - Position, "a text's length");
        var span = _bytes.Slice(Position, length);
        Position += length;
        return span;
    }

    private static InvalidDataException Cut() => new("state batch does not read: it ends inside an entry");
}
