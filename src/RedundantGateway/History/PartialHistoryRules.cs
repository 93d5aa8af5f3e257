namespace RedundantGateway.History;

/// <summary>What becomes of one cached sample of a backup in partial mode once the master's ledger is known.</summary>
public enum PartialSampleFate
{
    /// <summary>The master was not logging then: the database needs the backup's sample.</summary>
    Forward,
    /// <summary>The master logged it itself: the backup's copy goes.</summary>
    Drop,
    /// <summary>Later than the master's answer: settled by the next ask.</summary>
    Wait,
}

/// <summary>
/// When a backup in partial mode asks the master for its logging ledger, which answer settles its cache, and what each
/// cached sample becomes. No actor, no clock: the history cache acts on these (HistoryCache.Reconciliation.cs).
/// </summary>
public static class PartialHistoryRules
{
    /// <summary>
    /// A backup in partial mode asks once it is no longer active and holds samples not settled yet: while it is active
    /// the master is down or cut off (its ledger could not say anything about now anyway).
    /// </summary>
    public static bool AsksMasterLedger(NodeRole role, HistoryLevel backupLevel, ActivityLevel level, long unsettledRows) =>
        role == NodeRole.Backup && backupLevel == HistoryLevel.Partial && level != ActivityLevel.Active && unsettledRows > 0;

    /// <summary>
    /// An answer settles the cache when it is the one last asked for (an older one may predate a gap in the master's
    /// logging) and the master logs now: a master not logging yet (starting, or not active) would leave the samples it
    /// is about to log looking like a gap the backup must fill.
    /// </summary>
    public static bool Settles(HistoryLedgerReply reply, long lastRequestId) => reply.RequestId == lastRequestId && reply.Logging;

    /// <summary>The fate of a sample taken at <paramref name="at"/>; <paramref name="normalisedLedger"/> from
    /// <see cref="PartialReconciliation.Normalise"/>, <paramref name="answeredAt"/> the master's clock at its answer.</summary>
    public static PartialSampleFate Fate(DateTimeOffset at, IReadOnlyList<LoggingInterval> normalisedLedger, DateTimeOffset? answeredAt) =>
        answeredAt is { } settled && at > settled ? PartialSampleFate.Wait
        : PartialReconciliation.MasterLogged(normalisedLedger, at) ? PartialSampleFate.Drop
        : PartialSampleFate.Forward;
}
