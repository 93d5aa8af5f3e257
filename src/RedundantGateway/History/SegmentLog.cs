using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace RedundantGateway.History;

/// <summary>Samples read from the cache, oldest first, with the sequence numbers to release once they are stored.</summary>
public sealed record CachedBatch(long FirstSequence, long LastSequence, IReadOnlyList<HistorySample> Samples);

/// <summary>
/// The history cache on disk: an append-only log cut into segment files (<c>{first sequence}.seg</c>), each record
/// <c>[payload length u32][CRC-32 of payload u32][sequence u64][sample]</c>. Every append is handed to the operating
/// system at once (a kill -9 of the node loses nothing); <see cref="Sync"/> makes it survive a power cut. Records are
/// read oldest first and released by sequence once stored; a segment whose records are all released is deleted, and the
/// highest released sequence is kept in a small file (losing it only means some samples are sent again, and the store
/// keeps each once). At open, a record cut short or failing its checksum ends its segment: it and what follows are
/// dropped with a warning, nothing before it. Not thread-safe: one owner (the HistoryCache actor).
/// </summary>
public sealed class SegmentLog : IDisposable
{
    private const int HeaderBytes = 8;
    private const int SequenceBytes = 8;
    private const int MaxRecordBytes = 1 << 20;
    private const string Extension = ".seg";
    private const string ReleasedFile = "released";
    // The oldest unreleased sample's time is kept to within this many records (one mark per run of this many).
    private const long MarkEvery = 1024;
    // A fully released segment being written is swapped for a new one past this size (so drained means few bytes on disk).
    private const long RollWhenDrainedBytes = 1 << 20;

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly List<Segment> _segments = [];
    private readonly Queue<(long Sequence, long Ticks)> _marks = new();
    private byte[] _chunk = new byte[1 << 16];
    private byte[] _readBuffer = new byte[4096];
    private FileStream _writer = null!;
    private long _nextSequence;
    private long _released;
    private FileStream? _reader;
    private Segment? _readerSegment;
    private long _readerSequence;
    private long _readSequence;
    private long _lastMark;

    private SegmentLog(string directory, long segmentBytes)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
    }

    /// <summary>Cached samples not yet released.</summary>
    public long Rows => _nextSequence - 1 - _released;

    /// <summary>Bytes of the segment files on disk (released records included until their segment goes).</summary>
    public long Bytes => _segments.Sum(s => s.Bytes);

    public int Segments => _segments.Count;

    /// <summary>The time of the oldest unreleased sample (to within <see cref="MarkEvery"/> records); null when none.</summary>
    public DateTimeOffset? OldestTimestamp => Rows > 0 && _marks.TryPeek(out var mark) ? new DateTimeOffset(mark.Ticks, TimeSpan.Zero) : null;

    public long ReleasedSequence => _released;

    /// <summary>The sequence of the last sample appended (0: none yet).</summary>
    public long LastSequence => _nextSequence - 1;

    /// <summary>Opens (or creates) the log in <paramref name="directory"/>; <paramref name="warnings"/> says what a damaged tail lost.</summary>
    public static SegmentLog Open(string directory, long segmentBytes, out IReadOnlyList<string> warnings)
    {
        Directory.CreateDirectory(directory);
        var log = new SegmentLog(directory, segmentBytes);
        var found = new List<string>();
        log.Recover(found);
        warnings = found;
        return log;
    }

    /// <summary>Appends <paramref name="samples"/> after everything before, handed to the OS before it returns; returns the last sequence.</summary>
    public long Append(IReadOnlyList<HistorySample> samples)
    {
        if (samples.Count == 0) return _nextSequence - 1;
        var used = 0;
        foreach (var sample in samples)
        {
            var needed = HeaderBytes + SequenceBytes + HistorySampleCodec.MaxSize(sample);
            if (used + needed > _chunk.Length) Array.Resize(ref _chunk, Math.Max(_chunk.Length * 2, used + needed));
            var payload = _chunk.AsSpan(used + HeaderBytes);
            BinaryPrimitives.WriteInt64LittleEndian(payload, _nextSequence);
            var length = SequenceBytes + HistorySampleCodec.Encode(sample, payload[SequenceBytes..]);
            BinaryPrimitives.WriteUInt32LittleEndian(_chunk.AsSpan(used), (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(_chunk.AsSpan(used + 4), Crc32.HashToUInt32(payload[..length]));
            if (_marks.Count == 0 || _lastMark + MarkEvery <= _nextSequence) Mark(_nextSequence, sample.Timestamp.UtcTicks);
            used += HeaderBytes + length;
            _nextSequence++;
            // A segment ends at a record boundary once it passes its size, even in the middle of one append.
            if (_segments[^1].Bytes + used >= _segmentBytes)
            {
                WriteChunk(used);
                used = 0;
                Roll();
            }
        }
        WriteChunk(used);
        return _nextSequence - 1;
    }

    private void WriteChunk(int bytes)
    {
        if (bytes == 0) return;
        _writer.Write(_chunk, 0, bytes);
        _writer.Flush(flushToDisk: false);
        _segments[^1].Bytes += bytes;
    }

    /// <summary>Forces what was appended to the disk (fsync).</summary>
    public void Sync() => _writer.Flush(flushToDisk: true);

    /// <summary>Up to <paramref name="max"/> samples after the last read (or released, after <see cref="Rewind"/>), oldest first; null when none.</summary>
    /// <param name="lastSequence">reads nothing past this sequence.</param>
    public CachedBatch? ReadOldest(int max, long lastSequence = long.MaxValue)
    {
        var first = _readSequence;
        var end = Math.Min(_nextSequence, lastSequence == long.MaxValue ? long.MaxValue : lastSequence + 1);
        var samples = new List<HistorySample>((int)Math.Clamp(end - _readSequence, 0, max));
        while (samples.Count < max && _readSequence < end)
        {
            PositionReader();
            if (_readSequence >= end) break;
            if (ReadRecord(_reader!) is not { } record)
            {
                if (!SkipGap()) throw new IOException($"history cache segment {Path.GetFileName(_readerSegment!.Path)} ends before sequence {_readSequence}");
                continue;
            }
            if (record.Sequence != _readSequence)
                throw new IOException($"history cache segment {Path.GetFileName(_readerSegment!.Path)}: sequence {record.Sequence} where {_readSequence} was expected");
            _readerSequence++;
            samples.Add(HistorySampleCodec.Decode(record.Payload.Span));
            _readSequence++;
        }
        return samples.Count == 0 ? null : new CachedBatch(first, _readSequence - 1, samples);
    }

    /// <summary>Reads again from the oldest unreleased sample (what was read and not released is read again).</summary>
    public void Rewind()
    {
        _readSequence = _released + 1;
        CloseReader();
    }

    /// <summary>Everything up to <paramref name="sequence"/> is stored: released, and whole segments of it deleted.</summary>
    public void Release(long sequence)
    {
        sequence = Math.Min(sequence, _nextSequence - 1);
        if (sequence <= _released) return;
        _released = sequence;
        if (_readSequence <= _released) Rewind();
        WriteReleased();
        if (Rows == 0 && _segments[^1].Bytes >= RollWhenDrainedBytes) Roll();
        while (_segments.Count > 1 && _segments[1].First <= _released + 1) DeleteOldest();
        while (_marks.Count > 1 && _marks.ElementAt(1).Sequence <= _released + 1) _marks.Dequeue();
        if (Rows == 0) _marks.Clear();
    }

    /// <summary>
    /// Keeps only the unreleased samples <paramref name="keep"/> accepts (the seam of partial-mode reconciliation): the kept
    /// ones are appended again and synced before the old ones are released, so a crash in between loses nothing.
    /// </summary>
    public (long Kept, long Dropped) Retain(Func<HistorySample, bool> keep)
    {
        var (kept, dropped, _) = Retain(keep, _ => false);
        return (kept, dropped);
    }

    /// <summary>
    /// As <see cref="Retain(Func{HistorySample, bool})"/>, and the samples <paramref name="waits"/> accepts are kept
    /// too but appended after all the others, so everything up to <c>LastSequence - Waiting</c> is settled.
    /// </summary>
    public (long Kept, long Dropped, long Waiting) Retain(Func<HistorySample, bool> keep, Func<HistorySample, bool> waits)
    {
        var last = _nextSequence - 1;
        Rewind();
        var kept = new List<HistorySample>();
        var waiting = new List<HistorySample>();
        long dropped = 0;
        while (_readSequence <= last && ReadOldest((int)Math.Min(65_536, last - _readSequence + 1)) is { } batch)
            foreach (var sample in batch.Samples)
                if (waits(sample)) waiting.Add(sample);
                else if (keep(sample)) kept.Add(sample);
                else dropped++;
        Append(kept);
        Append(waiting);
        Sync();
        Release(last);
        return (kept.Count, dropped, waiting.Count);
    }

    public void Dispose()
    {
        CloseReader();
        _writer.Flush(flushToDisk: true);
        _writer.Dispose();
    }

    private void Recover(List<string> warnings)
    {
        _released = ReadReleased(warnings);
        var files = Directory.EnumerateFiles(_directory, "*" + Extension)
            .Select(path => (Path: path, First: long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var f) ? f : -1))
            .Where(f => f.First > 0).OrderBy(f => f.First).ToList();
        foreach (var (path, first) in files)
        {
            var (records, goodBytes, problem) = Scan(path, first);
            if (problem is not null)
            {
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) file.SetLength(goodBytes);
                warnings.Add($"history cache segment {Path.GetFileName(path)}: {problem} at byte {goodBytes}; it and what followed in the segment dropped, {records} records before it kept");
            }
            var segment = new Segment(path, first) { Bytes = goodBytes };
            // A segment damaged in its middle leaves a gap before the next one; the reader steps over it (SkipGap).
            _segments.Add(segment);
            _nextSequence = first + records;
        }
        if (_segments.Count == 0) _nextSequence = _released + 1;
        else _released = Math.Max(_released, _segments[0].First - 1);
        _nextSequence = Math.Max(_nextSequence, _released + 1);
        // Segments wholly released (the marker was written, the deletion did not happen) or empty and not last go now.
        while (_segments.Count > 1 && (_segments[1].First <= _released + 1 || _segments[0].Bytes == 0)) DeleteOldest();
        if (_segments.Count == 0 || _segments[^1].First + RecordsIn(_segments.Count - 1) < _nextSequence) StartSegment();
        else _writer = new FileStream(_segments[^1].Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        _readSequence = _released + 1;
        RebuildMarks();
    }

    private void Mark(long sequence, long ticks)
    {
        _marks.Enqueue((sequence, ticks));
        _lastMark = sequence;
    }

    private long RecordsIn(int index) => index + 1 < _segments.Count ? _segments[index + 1].First - _segments[index].First : _nextSequence - _segments[index].First;

    private void RebuildMarks()
    {
        _marks.Clear();
        if (Rows == 0) return;
        var saved = _readSequence;
        foreach (var segment in _segments)
        {
            using var file = OpenRead(segment.Path);
            while (ReadRecord(file) is { } record)
                if (record.Sequence > _released && (_marks.Count == 0 || _lastMark + MarkEvery <= record.Sequence))
                    Mark(record.Sequence, HistorySampleCodec.Decode(record.Payload.Span).Timestamp.UtcTicks);
        }
        _readSequence = saved;
    }

    private (long Records, long GoodBytes, string? Problem) Scan(string path, long first)
    {
        using var file = OpenRead(path);
        long records = 0, good = 0;
        var header = new byte[HeaderBytes];
        var payload = new byte[MaxRecordBytes];
        while (true)
        {
            var read = file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);
            if (read == 0) return (records, good, null);
            if (read < HeaderBytes) return (records, good, "a torn record (its header cut short)");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (length is < SequenceBytes or > MaxRecordBytes) return (records, good, $"a record with an impossible length {length}");
            if (file.ReadAtLeast(payload.AsSpan(0, (int)length), (int)length, throwOnEndOfStream: false) < length)
                return (records, good, "a torn record (cut short)");
            if (Crc32.HashToUInt32(payload.AsSpan(0, (int)length)) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)))
                return (records, good, "a record failing its checksum");
            if (BinaryPrimitives.ReadInt64LittleEndian(payload) != first + records)
                return (records, good, $"a record out of sequence (expected {first + records})");
            records++;
            good += HeaderBytes + length;
        }
    }

    private (long Sequence, ReadOnlyMemory<byte> Payload)? ReadRecord(FileStream file)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes) return null;
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length is < SequenceBytes or > MaxRecordBytes) throw new IOException($"history cache record with an impossible length {length}");
        // One buffer for every read: a record is decoded before the next is read.
        if (_readBuffer.Length < length) _readBuffer = new byte[Math.Max(length, _readBuffer.Length * 2)];
        var payload = _readBuffer.AsMemory(0, length);
        if (file.ReadAtLeast(payload.Span, length, throwOnEndOfStream: false) < length) return null;
        if (Crc32.HashToUInt32(payload.Span) != BinaryPrimitives.ReadUInt32LittleEndian(header[4..]))
            throw new IOException("history cache record failing its checksum");
        return (BinaryPrimitives.ReadInt64LittleEndian(payload.Span), payload[SequenceBytes..]);
    }

    private void PositionReader()
    {
        while (true)
        {
            if (_reader is not null && _readerSequence == _readSequence) return;
            CloseReader();
            if (_readSequence >= _nextSequence) return;
            var segment = _segments.Last(s => s.First <= _readSequence);
            _reader = OpenRead(segment.Path);
            _readerSegment = segment;
            _readerSequence = segment.First;
            // Skips what was already read (after a rewind, or a segment opened in its middle).
            while (_readerSequence < _readSequence && ReadRecord(_reader) is not null) _readerSequence++;
            if (_readerSequence < _readSequence && !SkipGap())
                throw new IOException($"history cache segment {Path.GetFileName(segment.Path)} ends before sequence {_readSequence}");
        }
    }

    /// <summary>At the end of the reader's segment, moves to the next one (over records a damaged segment lost); false when it is the last.</summary>
    private bool SkipGap()
    {
        var index = _readerSegment is null ? -1 : _segments.IndexOf(_readerSegment);
        if (index < 0 || index + 1 >= _segments.Count) return false;
        _readSequence = Math.Max(_readSequence, _segments[index + 1].First);
        CloseReader();
        return true;
    }

    private void CloseReader()
    {
        _reader?.Dispose();
        _reader = null;
        _readerSegment = null;
    }

    private void Roll()
    {
        _writer.Flush(flushToDisk: true);
        _writer.Dispose();
        StartSegment();
    }

    private void StartSegment()
    {
        var path = Path.Combine(_directory, _nextSequence.ToString("D20", CultureInfo.InvariantCulture) + Extension);
        _writer = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        _segments.Add(new Segment(path, _nextSequence));
    }

    private void DeleteOldest()
    {
        var oldest = _segments[0];
        if (_readerSegment == oldest) CloseReader();
        _segments.RemoveAt(0);
        File.Delete(oldest.Path);
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);

    private void WriteReleased()
    {
        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, _released);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], Crc32.HashToUInt32(bytes[..8]));
        using var file = new FileStream(Path.Combine(_directory, ReleasedFile), FileMode.Create, FileAccess.Write, FileShare.None, 1);
        file.Write(bytes);
    }

    private long ReadReleased(List<string> warnings)
    {
        var path = Path.Combine(_directory, ReleasedFile);
        if (!File.Exists(path)) return 0;
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 12 && Crc32.HashToUInt32(bytes.AsSpan(0, 8)) == BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)))
            return BinaryPrimitives.ReadInt64LittleEndian(bytes);
        warnings.Add("history cache: the released-position file is damaged; every cached sample is sent again (the store keeps each once)");
        return 0;
    }

    private sealed class Segment(string path, long first)
    {
        public string Path { get; } = path;
        public long First { get; } = first;
        public long Bytes { get; set; }
    }
}
