namespace RedundantGateway.History;

/// <summary>Makes the history database's store for a node (called once for writes and once for queries).</summary>
public delegate IHistoryStore HistoryStoreFactory(HistorySettings settings);

/// <summary>Which store a node writes history to when its host supplies none.</summary>
public static class HistoryStores
{
    /// <summary>
    /// The store the settings ask for: PostgreSQL when <c>history.postgres.connection-string</c> is set, otherwise the
    /// SQLite file at <c>history.sqlite-path</c>.
    /// </summary>
    public static IHistoryStore FromSettings(HistorySettings settings) => settings.Store.CreateStore();
}
