namespace RedundantGateway.History;

/// <summary>Makes the history database's store for a node (called once for writes and once for queries).</summary>
public delegate IHistoryStore HistoryStoreFactory(HistorySettings settings);

/// <summary>Which store a node writes history to when its host supplies none.</summary>
public static class HistoryStores
{
    /// <summary>
    /// The store the settings ask for. The SQLite and PostgreSQL stores plug in here (by <c>history.sqlite-path</c> /
    /// <c>history.postgres.connection-string</c>); until then history is cached and forwarded to a store that discards it.
    /// </summary>
    public static IHistoryStore FromSettings(HistorySettings settings) => new DiscardingHistoryStore();
}
