namespace RedundantGateway;

// At the library's root, as IPairProtocolMessage and the state batches: the pair's serializer (Redundancy) writes them
// without depending on History, which depends on Tags and through it on ConfigSync and Redundancy (no folder cycle).

/// <summary>An interval in which the master was active and logging history, both ends inclusive.</summary>
public sealed record LoggingInterval(DateTimeOffset From, DateTimeOffset To);

/// <summary>A backup in partial mode asks the master for its logging ledger over the node link.</summary>
public sealed record HistoryLedgerRequest(long RequestId) : IPairProtocolMessage;

/// <summary>
/// The master's answer: its logging intervals in time order (the current one up to the moment of the answer) and
/// whether it is logging now (then the backup's samples after <paramref name="AnsweredAt"/> are settled by a later ask).
/// </summary>
public sealed record HistoryLedgerReply(long RequestId, IReadOnlyList<LoggingInterval> Intervals, bool Logging, DateTimeOffset AnsweredAt)
    : IPairProtocolMessage
{
    // By value, intervals included: two replies saying the same are the same (the list itself is never mutated).
    public bool Equals(HistoryLedgerReply? other) =>
        other is not null && RequestId == other.RequestId && Logging == other.Logging && AnsweredAt == other.AnsweredAt
        && Intervals.SequenceEqual(other.Intervals);

    public override int GetHashCode() => HashCode.Combine(RequestId, Logging, AnsweredAt, Intervals.Count);
}
