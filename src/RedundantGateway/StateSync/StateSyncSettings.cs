using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.StateSync;

/// <summary>The runtime state store's settings (keys under <c>redundant-gateway.state-sync</c>).</summary>
/// <param name="Directory">where the log and the snapshot live (full path).</param>
/// <param name="SyncInterval">zero: every batch is flushed to disk (fsync) before it counts as stored; otherwise the
/// owner syncs on a timer this often (a batch is always handed to the operating system at once, so a kill -9 of the
/// node loses nothing either way; only a power cut can lose the last interval).</param>
/// <param name="MaxLogBytes">past this, the log is compacted into the snapshot.</param>
/// <param name="SnapshotBatchEntries">alarms per record of the snapshot (each record is checked on its own).</param>
public sealed record StateSyncSettings(string Directory, TimeSpan SyncInterval, long MaxLogBytes, int SnapshotBatchEntries)
{
    /// <summary>Reads the state-sync keys of a node's configuration (merged over the embedded defaults).</summary>
    public static StateSyncSettings Create(Config config) => Create(SettingsReader.ForGateway(config, "configuration"));

    /// <summary>Reads the keys from the <c>state-sync</c> section of <paramref name="gateway"/>.</summary>
    public static StateSyncSettings Create(SettingsReader gateway)
    {
        var sync = gateway.Section("state-sync");
        var directory = sync.String("directory").Trim();
        if (directory.Length == 0) directory = Path.Combine(gateway.NonEmptyString("data-dir"), "state-sync");
        return new StateSyncSettings(
            Directory: Path.GetFullPath(directory),
            SyncInterval: sync.Duration("sync-interval", allowZero: true),
            MaxLogBytes: sync.PositiveBytes("max-log-bytes"),
            SnapshotBatchEntries: sync.PositiveInt("snapshot-batch-entries"));
    }
}
