using RedundantGateway.Tags;

namespace RedundantGateway.History;

// The seam between the store-and-forward cache (HistoryCache and its local segment log) and a history database
// (SQLite, PostgreSQL, or a host's own store through the embedding seam).

/// <summary>
/// One sample as it is cached and written. Its natural key is (<paramref name="Tag"/>, <paramref name="Timestamp"/>):
/// both nodes produce the same key for the same simulated value, so the database keeps it once.
/// <paramref name="Value"/> is a double, long, bool or string (the tag's data type), null with bad quality.
/// <paramref name="Node"/> ("master" or "backup") and <paramref name="Epoch"/> say who wrote it under which designation.
/// </summary>
public sealed record HistorySample(string Tag, DateTimeOffset Timestamp, object? Value, TagQuality Quality, string Node, long Epoch);

/// <summary>
/// Samples written together: <paramref name="Pair"/> names the redundant pair (both nodes give the same name), and
/// <paramref name="Epoch"/> is the designation epoch of the writer when the batch left; the store refuses the whole
/// batch (fenced) when it has already seen a newer epoch for that pair.
/// </summary>
public sealed record HistoryBatch(string Pair, string Node, long Epoch, IReadOnlyList<HistorySample> Samples);

/// <summary>A sample the database refused (a constraint), with its one-line reason: quarantined, never retried blindly.</summary>
public sealed record RejectedSample(HistorySample Sample, string Reason);

/// <summary>
/// What a write did: <paramref name="Written"/> new rows, <paramref name="Duplicates"/> rows whose natural key was
/// already there (the same sample written before, by either node), the samples refused one by one (a bad row is
/// isolated, the rest of its batch is written), or <paramref name="FencedBy"/>: the newest epoch the store has seen
/// for the pair when it refused the whole batch (nothing written).
/// </summary>
public sealed record HistoryWriteResult(int Written, int Duplicates, IReadOnlyList<RejectedSample> Rejected, long? FencedBy)
{
    public bool Fenced => FencedBy is not null;
}

/// <summary>The database cannot be reached or written now (down, locked, read-only, full): the batch stays cached and is retried.</summary>
public sealed class HistoryStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A history database. Writes are idempotent by the natural key (a batch written twice adds nothing), so the cache
/// may always retry after <see cref="HistoryStoreUnavailableException"/>. Implementations are used by one actor at a time.
/// </summary>
public interface IHistoryStore : IAsyncDisposable
{
    /// <summary>Where it writes, for logs and status, without secrets (no password).</summary>
    string Description { get; }

    /// <summary>Creates the schema if missing and checks the database answers; throws <see cref="HistoryStoreUnavailableException"/>.</summary>
    Task OpenAsync(CancellationToken cancellationToken);

    Task<HistoryWriteResult> WriteAsync(HistoryBatch batch, CancellationToken cancellationToken);

    /// <summary>The samples of a tag in [from, to] in time order; reduced to at most <paramref name="maxPoints"/> by
    /// min/max buckets when given (the first and last sample of each bucket's extremes, for charts).</summary>
    Task<IReadOnlyList<HistorySample>> QueryAsync(string tag, DateTimeOffset from, DateTimeOffset to, int? maxPoints,
        CancellationToken cancellationToken);
}
