using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.History;

/// <summary>
/// The store-and-forward cache's settings (<c>redundant-gateway.history.cache</c> and <c>.forward</c>; the stores'
/// own keys sit beside them in <c>redundant-gateway.history</c>).
/// </summary>
/// <param name="CacheDirectory">where the segment log and the quarantine live (full path).</param>
/// <param name="SyncInterval">fsync of the cache at most this often (0: after every append); every append is
/// handed to the operating system at once, so a kill -9 loses nothing; a power cut may lose this long.</param>
/// <param name="SyncRecords">fsync as soon as this many records were appended since the last fsync.</param>
/// <param name="SegmentBytes">a segment file is closed and a new one started past this size.</param>
/// <param name="PairName">names the pair in the database (both nodes of a pair give the same; pairs sharing a database differ).</param>
/// <param name="BatchSize">samples per write to the store (one write in flight at a time).</param>
/// <param name="RetryMinBackoff">first wait after the store was unavailable; doubled on each failure up to <paramref name="RetryMaxBackoff"/>.</param>
/// <param name="QueryTimeout">how long a history query may take.</param>
public sealed record HistorySettings(
    string CacheDirectory,
    TimeSpan SyncInterval,
    int SyncRecords,
    long SegmentBytes,
    string PairName,
    int BatchSize,
    TimeSpan RetryMinBackoff,
    TimeSpan RetryMaxBackoff,
    TimeSpan QueryTimeout)
{
    /// <summary>Which database the samples go to (the store keys of the same block).</summary>
    public HistoryStoreSettings Store { get; init; } = new("data/history.db", "", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

    /// <summary>The master's logging ledger (full path): the intervals in which it logged history.</summary>
    public string LedgerPath { get; init; } = Path.GetFullPath(Path.Combine("data", "history-ledger", "ledger.txt"));

    /// <summary>How often the master's ledger records that logging still goes on (a kill -9 loses at most this much of it).</summary>
    public TimeSpan LedgerExtendInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A backup in partial mode asks the master's ledger again after this long without a settling answer, doubling up to <see cref="LedgerAskMaxBackoff"/>.</summary>
    public TimeSpan LedgerAskMinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan LedgerAskMaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads the history keys of a node's configuration (merged over the embedded defaults).</summary>
    public static HistorySettings Create(Config config) => Create(SettingsReader.ForGateway(config, "configuration"));

    /// <summary>Reads the keys from the <c>history</c> section of <paramref name="gateway"/>.</summary>
    public static HistorySettings Create(SettingsReader gateway)
    {
        var cache = gateway.Section("history").Section("cache");
        var forward = gateway.Section("history").Section("forward");
        var ledger = gateway.Section("history").Section("ledger");
        var ledgerPath = ledger.String("path").Trim();
        if (ledgerPath.Length == 0) ledgerPath = Path.Combine(gateway.NonEmptyString("data-dir"), "history-ledger", "ledger.txt");
        var directory = cache.String("directory").Trim();
        if (directory.Length == 0) directory = Path.Combine(gateway.NonEmptyString("data-dir"), "history-cache");
        var settings = new HistorySettings(
            CacheDirectory: Path.GetFullPath(directory),
            SyncInterval: cache.Duration("sync-interval", allowZero: true),
            SyncRecords: cache.PositiveInt("sync-records"),
            SegmentBytes: cache.PositiveBytes("segment-bytes"),
            PairName: forward.NonEmptyString("pair-name"),
            BatchSize: forward.PositiveInt("batch-size"),
            RetryMinBackoff: forward.Duration("retry-min-backoff"),
            RetryMaxBackoff: forward.Duration("retry-max-backoff"),
            QueryTimeout: forward.Duration("query-timeout"))
        {
            Store = HistoryStoreSettings.Create(gateway.Section("history")),
            LedgerPath = Path.GetFullPath(ledgerPath),
            LedgerExtendInterval = ledger.Duration("extend-interval"),
            LedgerAskMinBackoff = ledger.Duration("ask-min-backoff"),
            LedgerAskMaxBackoff = ledger.Duration("ask-max-backoff"),
        };
        if (settings.LedgerAskMaxBackoff < settings.LedgerAskMinBackoff)
            throw ledger.Error("ask-max-backoff", "must not be shorter than history.ledger.ask-min-backoff");
        if (settings.RetryMaxBackoff < settings.RetryMinBackoff)
            throw forward.Error("retry-max-backoff", "must not be shorter than history.forward.retry-min-backoff");
        if (settings.SegmentBytes < 64 * 1024)
            throw cache.Error("segment-bytes", $"{settings.SegmentBytes} must be at least 64KiB");
        return settings;
    }
}
