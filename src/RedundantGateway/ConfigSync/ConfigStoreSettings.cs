using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.ConfigSync;

public enum ConfigStoreProvider { Sqlite, Postgresql }

/// <summary>Where the event-sourced configuration store keeps its journal and snapshots (<c>redundant-gateway.config-store</c>).</summary>
/// <param name="ConnectionString">empty with SQLite: a file under the data dir.</param>
public sealed record ConfigStoreSettings(ConfigStoreProvider Provider, string ConnectionString, int SnapshotEvery)
{
    /// <summary>Events a snapshot covers are deleted only once edits have paused this long (a delete competes with writes).</summary>
    public TimeSpan CompactionQuietTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Reads the config-store keys of a node's configuration (merged over the embedded defaults).</summary>
    public static ConfigStoreSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("config-store"));

    /// <summary>Reads the keys from the <c>config-store</c> section.</summary>
    public static ConfigStoreSettings Create(SettingsReader store)
    {
        var settings = new ConfigStoreSettings(
            Provider: store.Enum<ConfigStoreProvider>("provider"),
            ConnectionString: store.String("connection-string").Trim(),
            SnapshotEvery: store.PositiveInt("snapshot-every"))
        {
            CompactionQuietTime = store.Duration("compaction-quiet-time"),
        };
        if (settings.Provider == ConfigStoreProvider.Postgresql && settings.ConnectionString.Length == 0)
            throw store.Error("connection-string", "PostgreSQL needs a connection string (Host=...;Database=...;Username=...)");
        return settings;
    }
}
