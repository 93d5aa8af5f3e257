namespace RedundantGateway.Client;

// The records of /api/history and of the `history` object of /api/redundancy (issue 12).

/// <summary>GET /api/history: a tag's samples in time order.</summary>
public sealed record HistoryAnswer(string Tag, IReadOnlyList<HistoryPoint> Samples);

/// <summary>One sample: <paramref name="T"/> its source time (UTC, ISO 8601 with Z), <paramref name="V"/> a number, bool, string or
/// null, <paramref name="Q"/> good, bad or uncertain, the node that wrote it and the designation epoch it wrote under.</summary>
public sealed record HistoryPoint(string T, object? V, string Q, string Node, long Epoch);

/// <summary>
/// The <c>history</c> object of /api/redundancy: this node's store-and-forward cache. <paramref name="Rows"/> cached and not
/// yet stored, <paramref name="Bytes"/> of cache files on disk, the age of the oldest cached sample, rows stored per second
/// (last 10 s), <paramref name="Quarantined"/> rows the database refused, and the store's answers since start.
/// </summary>
/// <param name="State">forwarding, idle, unavailable (the database does not answer; retrying), fenced (the database saw a newer
/// epoch), partial (an active backup with backup-history-level = partial: caching only).</param>
public sealed record HistoryCacheInfo(
    string State,
    string Store,
    int Tags,
    long Rows,
    long Bytes,
    double? OldestAgeMs,
    double ForwardRatePerSecond,
    int Quarantined,
    long Sampled,
    long Written,
    long Duplicates,
    long Rejected,
    DateTimeOffset? OutageSince,
    long? FencedBy);

/// <summary>GET /api/history/quarantine: the samples the database refused, each with its reason.</summary>
public sealed record HistoryQuarantineAnswer(IReadOnlyList<QuarantinedPoint> Samples);

public sealed record QuarantinedPoint(long Id, DateTimeOffset At, string Reason, string Tag, HistoryPoint Sample);
