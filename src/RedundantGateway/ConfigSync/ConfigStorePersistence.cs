using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace RedundantGateway.ConfigSync;

/// <summary>The Akka.Persistence.Sql settings of the config store, built from <see cref="ConfigStoreSettings"/>.</summary>
public static class ConfigStorePersistence
{
    /// <summary>The SQLite file used when no connection string is configured.</summary>
    public static string DefaultSqliteFile(string dataDir) =>
        Path.Combine(Path.GetFullPath(dataDir), "config-store", "config.db");

    public static string ConnectionString(ConfigStoreSettings store, string dataDir) =>
        store.ConnectionString.Length > 0
            ? store.ConnectionString
            : new SqliteConnectionStringBuilder { DataSource = DefaultSqliteFile(dataDir), Pooling = true }.ToString();

    /// <summary>Where the store keeps its data, for operators: the SQLite file, or the PostgreSQL database and host.</summary>
    public static string Location(ConfigStoreSettings store, string dataDir)
    {
        if (store.Provider == ConfigStoreProvider.Sqlite)
            return Path.GetFullPath(new SqliteConnectionStringBuilder(ConnectionString(store, dataDir)).DataSource);
        var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = store.ConnectionString };
        string Part(string key) => builder.TryGetValue(key, out var value) ? value?.ToString() ?? "?" : "?";
        return $"PostgreSQL database {Part("Database")} on {Part("Host")}";
    }

    /// <summary>
    /// SQLite: snapshots live in a file of their own next to the journal's. SQLite has one writer per file,
    /// and Microsoft.Data.Sqlite answers a busy file by sleeping 150 ms: a snapshot written into the
    /// journal's file stalled the edits being journalled meanwhile (measured: lag p99 over 400 ms at 1000
    /// edits/s, under 50 ms with the snapshots elsewhere). PostgreSQL: the same database.
    /// </summary>
    public static string SnapshotConnectionString(ConfigStoreSettings store, string dataDir)
    {
        var journal = ConnectionString(store, dataDir);
        if (store.Provider != ConfigStoreProvider.Sqlite) return journal;
        var builder = new SqliteConnectionStringBuilder(journal);
        var file = Path.GetFullPath(builder.DataSource);
        builder.DataSource = Path.Combine(Path.GetDirectoryName(file)!, Path.GetFileNameWithoutExtension(file) + "-snapshots" + Path.GetExtension(file));
        return builder.ToString();
    }

    /// <summary>
    /// Gets the database ready before Akka opens it: for SQLite, the folder and write-ahead logging (which
    /// cannot be set in a connection string and stays set in the file; about twice the write rate).
    /// </summary>
    /// <exception cref="InvalidOperationException">one line naming the database and the problem.</exception>
    public static void Prepare(ConfigStoreSettings store, string dataDir)
    {
        if (store.Provider != ConfigStoreProvider.Sqlite) return;
        PrepareSqlite(ConnectionString(store, dataDir));
        PrepareSqlite(SnapshotConnectionString(store, dataDir));
    }

    private static void PrepareSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (folder is not null) Directory.CreateDirectory(folder);
            using var connection = new SqliteConnection(builder.ToString());
            connection.Open();
            // Before anything is written: a damaged page would otherwise be found (or not) by a later read, and
            // the node would start on whatever part of the configuration it could still read.
            if (IntegrityProblem(connection) is { } problem) throw new ConfigStoreDamagedException(builder.DataSource, problem);
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            throw new ConfigStoreDamagedException(builder.DataSource, e.Message.Split('\n')[0]);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"the config store {builder.DataSource} cannot be opened: {e.Message.Split('\n')[0]}", e);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>SQLite's own check of every page and index; null when it finds nothing (its first finding otherwise).</summary>
    private static string? IntegrityProblem(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check(1);";
        var result = command.ExecuteScalar() as string;
        return result == "ok" ? null : result ?? "no answer from PRAGMA integrity_check";
    }

    /// <summary>The journal and snapshot store settings, to merge over the actor system's config.</summary>
    public static Config Hocon(ConfigStoreSettings store, string dataDir)
    {
        var (provider, parallelism) = store.Provider switch
        {
            // The plugin's advice for SQLite: one writer.
            ConfigStoreProvider.Sqlite => ("SQLite.MS", 1),
            _ => ("PostgreSQL.15", 3),
        };
        var connection = Quote(ConnectionString(store, dataDir));
        var snapshotConnection = Quote(SnapshotConnectionString(store, dataDir));
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = {{connection}}
                  provider-name = "{{provider}}"
                  auto-initialize = true
                  parallelism = {{parallelism}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{snapshotConnection}}
                  provider-name = "{{provider}}"
                  auto-initialize = true
                }
              }
            }
            """).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>The config store's file fails SQLite's integrity check: the node does not start on it (exit 2).</summary>
public sealed class ConfigStoreDamagedException(string file, string reason)
    : InvalidOperationException($"the config store {file} is damaged: {reason.ReplaceLineEndings(" ")} (see docs/operations.md, recovery from a damaged store)")
{
    /// <summary>The damaged-store report in an exception's chain (hosts wrap what their start-up throws).</summary>
    public static ConfigStoreDamagedException? Find(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is ConfigStoreDamagedException damaged) return damaged;
            if (inner is AggregateException aggregate && aggregate.InnerExceptions.Select(Find).FirstOrDefault(d => d is not null) is { } found) return found;
        }
        return null;
    }
}
