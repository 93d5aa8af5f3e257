using Akka.Configuration;
using Microsoft.Data.Sqlite;
using RedundantGateway.Configuration;

namespace RedundantGateway.ConfigSync;

/// <summary>The Akka.Persistence.Sql settings of the config store, built from <see cref="ConfigStoreSettings"/>.</summary>
public static class ConfigStorePersistence
{
    /// <summary>The SQLite file used when no connection string is configured.</summary>
    public static string DefaultSqliteFile(GatewaySettings settings) =>
        Path.Combine(Path.GetFullPath(settings.DataDir), "config-store", "config.db");

    public static string ConnectionString(GatewaySettings settings) =>
        settings.ConfigStore.ConnectionString.Length > 0
            ? settings.ConfigStore.ConnectionString
            : new SqliteConnectionStringBuilder { DataSource = DefaultSqliteFile(settings), Pooling = true }.ToString();

    /// <summary>
    /// SQLite: snapshots live in a file of their own next to the journal's. SQLite has one writer per file,
    /// and Microsoft.Data.Sqlite answers a busy file by sleeping 150 ms: a snapshot written into the
    /// journal's file stalled the edits being journalled meanwhile (measured: lag p99 over 400 ms at 1000
    /// edits/s, under 50 ms with the snapshots elsewhere). PostgreSQL: the same database.
    /// </summary>
    public static string SnapshotConnectionString(GatewaySettings settings)
    {
        var journal = ConnectionString(settings);
        if (settings.ConfigStore.Provider != ConfigStoreProvider.Sqlite) return journal;
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
    public static void Prepare(GatewaySettings settings)
    {
        if (settings.ConfigStore.Provider != ConfigStoreProvider.Sqlite) return;
        PrepareSqlite(ConnectionString(settings));
        PrepareSqlite(SnapshotConnectionString(settings));
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
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
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

    /// <summary>The journal and snapshot store settings, to merge over the actor system's config.</summary>
    public static Config Hocon(GatewaySettings settings)
    {
        var (provider, parallelism) = settings.ConfigStore.Provider switch
        {
            // The plugin's advice for SQLite: one writer.
            ConfigStoreProvider.Sqlite => ("SQLite.MS", 1),
            _ => ("PostgreSQL.15", 3),
        };
        var connection = Quote(ConnectionString(settings));
        var snapshotConnection = Quote(SnapshotConnectionString(settings));
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
