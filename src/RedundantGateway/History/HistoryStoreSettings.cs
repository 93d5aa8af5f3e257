using Akka.Configuration;
using Npgsql;
using RedundantGateway.Configuration;

namespace RedundantGateway.History;

/// <summary>Which history database the node writes (keys under <c>redundant-gateway.history</c>, the store block).</summary>
/// <param name="SqlitePath">the SQLite file, relative to the working directory; both nodes of a local pair point at the same one.</param>
/// <param name="PostgresConnectionString">empty: SQLite; otherwise the PostgreSQL database both nodes share.</param>
/// <param name="SqliteBusyTimeout">how long a SQLite write waits for the other node's transaction on the shared file.</param>
/// <param name="PostgresCommandTimeout">longest a PostgreSQL command (COPY, insert, query) may take.</param>
public sealed record HistoryStoreSettings(
    string SqlitePath,
    string PostgresConnectionString,
    TimeSpan SqliteBusyTimeout,
    TimeSpan PostgresCommandTimeout)
{
    public bool UsesPostgres => PostgresConnectionString.Length > 0;

    /// <summary>Reads the store keys of a node's configuration (merged over the embedded defaults).</summary>
    public static HistoryStoreSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("history"));

    /// <summary>Reads the store keys from the <c>history</c> section.</summary>
    public static HistoryStoreSettings Create(SettingsReader history)
    {
        var connectionString = history.String("postgres.connection-string").Trim();
        if (connectionString.Length > 0)
        {
            // Checked here so a typo stops the node with one line (the string itself is not repeated: it may hold a password).
            try { _ = new NpgsqlConnectionStringBuilder(connectionString); }
            catch (ArgumentException e) { throw history.Error("postgres.connection-string", $"not a valid Npgsql connection string ({e.Message.Split('\n')[0]})"); }
        }
        return new HistoryStoreSettings(
            SqlitePath: history.NonEmptyString("sqlite-path"),
            PostgresConnectionString: connectionString,
            SqliteBusyTimeout: history.Duration("sqlite-busy-timeout"),
            PostgresCommandTimeout: history.Duration("postgres.command-timeout"));
    }

    /// <summary>The store these settings name (not opened yet).</summary>
    public IHistoryStore CreateStore() => UsesPostgres
        ? new PostgresHistoryStore(PostgresConnectionString, PostgresCommandTimeout)
        : new SqliteHistoryStore(SqlitePath, SqliteBusyTimeout);
}
