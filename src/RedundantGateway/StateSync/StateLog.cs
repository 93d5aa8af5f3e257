using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace RedundantGateway.StateSync;

/// <summary>What loading the store found: how much it read, and what it set aside (null: nothing wrong).</summary>
public sealed record StateLoadReport(int Alarms, int SnapshotRecords, int LogRecords, long DiscardedLogBytes, string? Problem);

/// <summary>
/// The node's own durable copy of the runtime state: an append-only log of delta batches and a snapshot it is
/// compacted into, under <see cref="StateSyncSettings.Directory"/>. A record is its length and CRC-32 (little endian)
/// and a <see cref="StateCodec"/> batch. Because loading merges every record, the order and any repetition of records
/// do not matter: a crash between writing the snapshot and emptying the log loads the same state.
/// On load a torn last record (a kill -9 in the middle of a write) is dropped; a record that is whole but corrupt
/// stops the read there, and the file is copied aside first (<c>*.corrupt-TIME</c>), so nothing is thrown away
/// unseen. One owner, not thread-safe.
/// </summary>
public sealed class StateLog : IDisposable
{
    public const string LogFile = "state.log", SnapshotFile = "state.snapshot";
    private const int HeaderBytes = 8;
    // No batch is this large (a full state goes in snapshot-batch-entries records): a larger length is corruption.
    private const int MaxRecordBytes = 256 * 1024 * 1024;

    private readonly StateSyncSettings _settings;
    private FileStream _log;

    private StateLog(StateSyncSettings settings, AlarmStateSet state, FileStream log)
    {
        _settings = settings;
        State = state;
        _log = log;
    }

    /// <summary>Everything stored: the snapshot merged with every logged batch.</summary>
    public AlarmStateSet State { get; private set; }

    public long LogBytes => _log.Length;

    /// <summary>Batches appended since the last fsync (with a sync interval, the owner calls <see cref="Sync"/> on its timer).</summary>
    public bool NeedsSync { get; private set; }

    /// <summary>The log has grown past max-log-bytes: the owner should <see cref="Compact"/>.</summary>
    public bool CompactionDue => LogBytes > _settings.MaxLogBytes;

    private string LogPath => Path.Combine(_settings.Directory, LogFile);
    private string SnapshotPath => Path.Combine(_settings.Directory, SnapshotFile);
    private string TempPath => SnapshotPath + ".tmp";

    /// <summary>Opens the store (creating its folder), loading what it holds.</summary>
    public static (StateLog Log, StateLoadReport Report) Open(StateSyncSettings settings, TimeProvider? time = null)
    {
        Directory.CreateDirectory(settings.Directory);
        var stamp = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime.ToString("yyyyMMddTHHmmssfffZ", CultureInfo.InvariantCulture);
        var snapshotPath = Path.Combine(settings.Directory, SnapshotFile);
        var logPath = Path.Combine(settings.Directory, LogFile);
        // A compaction cut short before its rename: the snapshot and the log still hold everything.
        File.Delete(snapshotPath + ".tmp");

        var builder = AlarmStateSet.Empty.Entries.ToBuilder();
        var problems = new List<string>();
        var snapshotRecords = 0;
        if (File.Exists(snapshotPath))
        {
            var read = ReadRecords(snapshotPath, builder);
            snapshotRecords = read.Records;
            if (read.Problem is not null)
            {
                // The snapshot is written whole and renamed into place: any fault in it is damage, not a torn write.
                File.Move(snapshotPath, $"{snapshotPath}.corrupt-{stamp}");
                problems.Add($"snapshot: {read.Problem} after {read.Records} records (moved aside to {SnapshotFile}.corrupt-{stamp})");
            }
        }
        var logRecords = 0;
        long discarded = 0;
        if (File.Exists(logPath))
        {
            var read = ReadRecords(logPath, builder);
            logRecords = read.Records;
            discarded = new FileInfo(logPath).Length - read.GoodBytes;
            if (read.Problem is not null && !read.Torn)
            {
                File.Copy(logPath, $"{logPath}.corrupt-{stamp}");
                problems.Add($"log: {read.Problem} after {read.Records} records; the {discarded} bytes from there were dropped (copied aside to {LogFile}.corrupt-{stamp})");
            }
            else if (discarded > 0) problems.Add($"log: dropped a torn last record of {discarded} bytes");
        }
        var log = new FileStream(logPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.None);
        if (discarded > 0)
        {
            // Appends must follow the last good record, not the damage.
            log.SetLength(log.Length - discarded);
            log.Flush(flushToDisk: true);
        }
        log.Seek(0, SeekOrigin.End);
        var state = AlarmStateSet.Of(builder);
        var report = new StateLoadReport(state.Count, snapshotRecords, logRecords, discarded, problems.Count == 0 ? null : string.Join("; ", problems));
        return (new StateLog(settings, state, log), report);
    }

    /// <summary>Stores a delta batch (merged into <see cref="State"/>): handed to the operating system at once, and fsynced unless a sync interval is set.</summary>
    public void Append(AlarmStateSet delta)
    {
        if (delta.IsEmpty) return;
        Write([StateCodec.Encode(delta)]);
        State = State.Merge(delta);
        Stored();
    }

    /// <summary>
    /// Stores batches already encoded (<see cref="StateCodec"/> batches, e.g. as they came from the peer or go to it),
    /// whose merge the owner has already made: one record each, one write, one fsync.
    /// </summary>
    /// <param name="merged">the owner's state with the batches merged (it holds everything this store does), taken as
    /// <see cref="State"/> rather than merging them a second time.</param>
    /// <param name="sync">false: the owner calls <see cref="Sync"/> itself soon after (it ships the batches first: a
    /// kill -9 loses nothing once they are written, and the peer then holds them too).</param>
    public void Append(IReadOnlyList<byte[]> payloads, AlarmStateSet merged, bool sync = true)
    {
        if (payloads.Count == 0) return;
        Write(payloads);
        State = merged;
        NeedsSync = true;
        if (sync && _settings.SyncInterval == TimeSpan.Zero) Sync();
    }

    private void Write(IReadOnlyList<byte[]> payloads)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        foreach (var payload in payloads)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
            _log.Write(header);
            _log.Write(payload);
        }
        _log.Flush(flushToDisk: false);
    }

    private void Stored()
    {
        NeedsSync = true;
        if (_settings.SyncInterval == TimeSpan.Zero) Sync();
    }

    /// <summary>Flushes the appended batches to the disk (fsync).</summary>
    public void Sync()
    {
        if (!NeedsSync) return;
        _log.Flush(flushToDisk: true);
        NeedsSync = false;
    }

    /// <summary>
    /// Writes <see cref="State"/> as the new snapshot (to a temporary file, fsynced, renamed over the old one) and
    /// empties the log. Answers the snapshot's size in bytes.
    /// </summary>
    public long Compact()
    {
        long bytes = 0;
        using (var temp = new FileStream(TempPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            foreach (var payload in StateCodec.EncodeBatches(State, _settings.SnapshotBatchEntries))
            {
                BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
                temp.Write(header);
                temp.Write(payload);
            }
            temp.Flush(flushToDisk: true);
            bytes = temp.Length;
        }
        File.Move(TempPath, SnapshotPath, overwrite: true);
        // Only now may the log go: a crash before this line loads the new snapshot and the old log, the same state.
        _log.SetLength(0);
        _log.Flush(flushToDisk: true);
        NeedsSync = false;
        return bytes;
    }

    public void Dispose()
    {
        Sync();
        _log.Dispose();
    }

    private sealed record ReadResult(int Records, long GoodBytes, string? Problem, bool Torn);

    private static ReadResult ReadRecords(string path, System.Collections.Immutable.ImmutableDictionary<string, AlarmEntry>.Builder builder)
    {
        // First the records as they lie (lengths and checksums, one pass over the file), then their batches decoded on
        // all cores and merged in file order, stopping at the first that does not read.
        var (payloads, checkedUpTo) = ReadPayloads(path);
        var decoded = payloads.AsParallel().AsOrdered().WithDegreeOfParallelism(Math.Max(1, Environment.ProcessorCount)).Select(record =>
        {
            try { return (Entries: StateCodec.DecodeEntries(record.Payload, 0, record.Payload.Length), Problem: (string?)null); }
            catch (InvalidDataException e) { return (Entries: new List<KeyValuePair<string, AlarmEntry>>(), Problem: (string?)e.Message); }
        });
        var records = 0;
        long good = 0;
        foreach (var (entries, problem) in decoded)
        {
            if (problem is not null) return new ReadResult(records, good, problem, Torn: false);
            foreach (var (id, entry) in entries) AlarmStateSet.MergeInto(builder, id, entry);
            good = payloads[records].End;
            records++;
        }
        return checkedUpTo with { Records = records, GoodBytes = good };
    }

    private sealed record LoggedRecord(byte[] Payload, long End);

    /// <summary>The whole records of the file with a matching checksum, and how the file ends (a problem, or none).</summary>
    private static (List<LoggedRecord> Payloads, ReadResult End) ReadPayloads(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1 << 16);
        var length = file.Length;
        var header = new byte[HeaderBytes];
        var payloads = new List<LoggedRecord>();
        long good = 0;
        ReadResult End(string? problem, bool torn) => new(payloads.Count, good, problem, torn);
        while (good < length)
        {
            if (length - good < HeaderBytes) return (payloads, End("a record header is cut short", torn: true));
            file.ReadExactly(header);
            var size = BinaryPrimitives.ReadInt32LittleEndian(header);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (size <= 0 || size > MaxRecordBytes) return (payloads, End($"a record claims {size} bytes", torn: false));
            if (length - good - HeaderBytes < size) return (payloads, End($"a record of {size} bytes is cut short", torn: true));
            var payload = new byte[size];
            file.ReadExactly(payload);
            if (Crc32.HashToUInt32(payload) != crc) return (payloads, End("a record's checksum does not match", torn: false));
            good += HeaderBytes + size;
            payloads.Add(new LoggedRecord(payload, good));
        }
        return (payloads, End(null, torn: false));
    }
}
