namespace RedundantGateway.History;

// The HistoryCache actor's messages besides the runtime protocol (Runtime/ActorSubsystem.cs).

public sealed record GetHistoryCacheStatus
{
    public static readonly GetHistoryCacheStatus Instance = new();
}

/// <summary>
/// The cache and its forwarding: <paramref name="Rows"/> cached and not yet stored, <paramref name="Bytes"/> of segment
/// files on disk, the age of the oldest cached sample, rows stored per second (last 10 s), quarantined rows, and what the
/// store answered since start (rows written, duplicates: rows it already had).
/// </summary>
/// <param name="State">forwarding (active, writing), idle (not active, or nothing to write), unavailable (the store does not
/// answer: retrying), fenced (the store saw a newer epoch), partial (an active backup in partial mode: caching only).</param>
/// <param name="OutageSince">when the current outage of the store began; null when none.</param>
/// <param name="Syncs">fsyncs of the cache since start.</param>
public sealed record HistoryCacheStatus(
    long Rows,
    long Bytes,
    double? OldestAgeMs,
    double ForwardRatePerSecond,
    int Quarantined,
    long Written,
    long Duplicates,
    long Rejected,
    string State,
    string Store,
    DateTimeOffset? OutageSince,
    long? FencedBy,
    int Tags,
    long Sampled,
    long Syncs);

/// <summary>Asks for a tag's samples in [From, To], at most MaxPoints (min/max buckets); answered with <see cref="HistoryQueryResult"/>.</summary>
public sealed record QueryHistory(string Tag, DateTimeOffset From, DateTimeOffset To, int? MaxPoints);

/// <param name="Error">one line when the store could not answer; null otherwise.</param>
public sealed record HistoryQueryResult(string Tag, IReadOnlyList<HistorySample> Samples, string? Error);

public sealed record GetHistoryQuarantine
{
    public static readonly GetHistoryQuarantine Instance = new();
}

public sealed record HistoryQuarantine(IReadOnlyList<QuarantinedSample> Samples);

/// <summary>Puts every quarantined sample back in the cache to be written again; answered with <see cref="HistoryQuarantineRetried"/>.</summary>
public sealed record RetryHistoryQuarantine
{
    public static readonly RetryHistoryQuarantine Instance = new();
}

public sealed record HistoryQuarantineRetried(int Samples);

/// <summary>
/// The seam of partial-mode reconciliation: drops the cached samples inside any of <paramref name="MasterLogging"/> (the
/// intervals the master logged itself, both ends inclusive, as its ledger gives them) and lets the rest be forwarded (even
/// by a backup in partial mode). Only samples up to <paramref name="SettledUpTo"/> are settled (null: all of them); later
/// ones wait for the next reconciliation. Answered with <see cref="CachedHistoryReconciled"/>.
/// </summary>
public sealed record ReconcileCachedHistory(IReadOnlyList<LoggingInterval> MasterLogging, DateTimeOffset? SettledUpTo = null);

/// <param name="Kept">samples settled to be forwarded; <paramref name="Dropped"/>: settled as the master's;
/// <paramref name="Waiting"/>: after the settled instant, left for the next reconciliation.</param>
public sealed record CachedHistoryReconciled(long Kept, long Dropped, long Waiting = 0);
