using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace RedundantGateway.ConfigSync;

/// <summary>A failed write of the config store, as operators read it: one line, and whether the disk is full.</summary>
public sealed record StoreFailure(bool DiskFull, string Problem)
{
    /// <summary>SQLite's SQLITE_FULL: "database or disk is full".</summary>
    private const int SqliteFull = 13;

    /// <summary>PostgreSQL's disk_full condition.</summary>
    private const string PostgresDiskFull = "53100";

    /// <summary>
    /// Names the cause of <paramref name="cause"/> (the journal wraps the database's exception): a full disk
    /// becomes "disk full at <paramref name="location"/>", anything else the store's location and the
    /// innermost message's first line.
    /// </summary>
    public static StoreFailure Describe(Exception cause, string location)
    {
        var causes = Flatten(cause).ToList();
        if (causes.Any(IsDiskFull)) return new StoreFailure(true, $"disk full at {location}");
        var innermost = causes[^1];
        return new StoreFailure(false, $"{location} could not be written: {FirstLine(innermost.Message)}");
    }

    private static bool IsDiskFull(Exception e) => e switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteFull,
        DbException db => db.SqlState == PostgresDiskFull,
        // ENOSPC (Linux 28), ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL (Windows 112 / 39) as .NET reports them.
        IOException io => (io.HResult & 0xFFFF) is 28 or 112 or 39 || io.Message.Contains("No space left on device", StringComparison.Ordinal),
        _ => false,
    };

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        yield return e;
        var inner = e is AggregateException aggregate ? aggregate.InnerExceptions : e.InnerException is { } one ? [one] : [];
        foreach (var child in inner)
            foreach (var nested in Flatten(child))
                yield return nested;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
