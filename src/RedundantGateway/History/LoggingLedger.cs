using System.Globalization;
using System.Text;

namespace RedundantGateway.History;

/// <summary>
/// The master's durable record of when it was logging history (its uptime as a historian), which a backup in
/// partial mode asks for to decide which of its own samples the database still needs. An append-only text file of
/// lines <c>B ms</c> (logging began) and <c>E ms</c> (logging reached this instant): an interval ends at its last
/// <c>E</c>, so after a kill -9 the interval ends where the last extension reached (at most one extension period
/// short; a sample in that slack is then forwarded by the backup too and the database keeps it once by its key).
/// A torn last line is ignored. The file is rewritten compactly on open and when it grows past a bound.
/// </summary>
public sealed class LoggingLedger : IDisposable
{
    private readonly string _path;
    private readonly int _compactAfterLines;
    private readonly List<LoggingInterval> _closed;
    private FileStream _file;
    private DateTimeOffset? _openFrom;
    private DateTimeOffset _openTo;
    private int _lines;

    private LoggingLedger(string path, List<LoggingInterval> closed, FileStream file, int lines, int compactAfterLines)
    {
        _path = path;
        _compactAfterLines = compactAfterLines;
        _closed = closed;
        _file = file;
        _lines = lines;
    }

    /// <summary>Loads the ledger at <paramref name="path"/> (created if missing); what was logging at a crash is closed.
    /// It keeps the newest <paramref name="maxIntervals"/> and is rewritten once it has <paramref name="compactAfterLines"/> lines.</summary>
    public static LoggingLedger Open(string path, int maxIntervals = 10_000, int compactAfterLines = 10_000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var intervals = File.Exists(path) ? Parse(File.ReadAllLines(path, Encoding.ASCII)) : [];
        if (intervals.Count > maxIntervals) intervals.RemoveRange(0, intervals.Count - maxIntervals);
        WriteCompact(path, intervals);
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new LoggingLedger(path, intervals, file, intervals.Count * 2, compactAfterLines);
    }

    public bool IsLogging => _openFrom is not null;

    /// <summary>The intervals in time order, the current one (if logging) up to <paramref name="now"/>.</summary>
    public IReadOnlyList<LoggingInterval> Intervals(DateTimeOffset now)
    {
        var all = new List<LoggingInterval>(_closed);
        if (_openFrom is { } from) all.Add(new LoggingInterval(from, now > _openTo ? now : _openTo));
        return all;
    }

    /// <summary>Logging begins (the master became active with history on).</summary>
    public void Begin(DateTimeOffset now)
    {
        if (_openFrom is not null) return;
        _openFrom = now;
        _openTo = now;
        Write($"B {now.ToUnixTimeMilliseconds()}\nE {now.ToUnixTimeMilliseconds()}\n");
    }

    /// <summary>Logging still goes on at <paramref name="now"/>: called periodically, so a crash loses at most one period.</summary>
    public void Extend(DateTimeOffset now)
    {
        if (_openFrom is null || now <= _openTo) return;
        _openTo = now;
        Write($"E {now.ToUnixTimeMilliseconds()}\n");
        if (_lines > _compactAfterLines) Compact();
    }

    /// <summary>Logging ends (the master left active or stopped).</summary>
    public void End(DateTimeOffset now)
    {
        if (_openFrom is not { } from) return;
        Extend(now);
        _closed.Add(new LoggingInterval(from, _openTo));
        _openFrom = null;
    }

    public void Dispose() => _file.Dispose();

    private void Write(string lines)
    {
        var bytes = Encoding.ASCII.GetBytes(lines);
        _file.Write(bytes);
        // Written through to the operating system at once (a kill -9 keeps it); fsync too: one small write a period.
        _file.Flush(flushToDisk: true);
        _lines += lines.Count(c => c == '\n');
    }

    private void Compact()
    {
        _file.Dispose();
        var all = new List<LoggingInterval>(_closed);
        if (_openFrom is { } from) all.Add(new LoggingInterval(from, _openTo));
        WriteCompact(_path, all);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _lines = all.Count * 2;
        if (_openFrom is not null)
        {
            // The open interval was written closed; reopen it so the next extension continues it.
            _closed.Clear();
            _closed.AddRange(all.Take(all.Count - 1));
        }
    }

    private static void WriteCompact(string path, IReadOnlyList<LoggingInterval> intervals)
    {
        var text = new StringBuilder();
        foreach (var i in intervals)
            text.Append(CultureInfo.InvariantCulture, $"B {i.From.ToUnixTimeMilliseconds()}\nE {i.To.ToUnixTimeMilliseconds()}\n");
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(Encoding.ASCII.GetBytes(text.ToString()));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Intervals from the lines: each B starts one, each E moves its end; lines that do not parse are skipped.</summary>
    internal static List<LoggingInterval> Parse(IEnumerable<string> lines)
    {
        var intervals = new List<LoggingInterval>();
        long? from = null, to = null;
        foreach (var line in lines)
        {
            if (line.Length < 3 || line[1] != ' ' || !long.TryParse(line.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
                continue;
            if (line[0] == 'B')
            {
                if (from is { } f) intervals.Add(Interval(f, to ?? f));
                from = ms;
                to = ms;
            }
            else if (line[0] == 'E' && from is not null && ms >= to) to = ms;
        }
        if (from is { } last) intervals.Add(Interval(last, to ?? last));
        return intervals;
    }

    private static LoggingInterval Interval(long from, long to) =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(to));
}
