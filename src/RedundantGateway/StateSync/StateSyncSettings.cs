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
    /// <summary>Batching and retention of the deltas shipped to the peer (the defaults of reference.conf).</summary>
    public ShippingLimits Shipping { get; init; } = new(1000, TimeSpan.FromMilliseconds(10), 10_000, 64L * 1024 * 1024,
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    /// <summary>How often the receiver tells the peer what it holds (first contact, lost batches, lost state).</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a node about to become active waits for the peer's full state (then goes on without it).</summary>
    public TimeSpan PeerStateWait { get; init; } = TimeSpan.FromSeconds(5);

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
            SnapshotBatchEntries: sync.PositiveInt("snapshot-batch-entries"))
        {
            Shipping = new ShippingLimits(
                MaxBatchEntries: sync.PositiveInt("max-batch-entries"),
                BatchInterval: sync.Duration("batch-interval"),
                MaxRetainedBatches: sync.PositiveInt("max-retained-batches"),
                MaxRetainedBytes: sync.PositiveBytes("max-retained-bytes"),
                ResendAfter: sync.Duration("resend-after"),
                FullTransferTimeout: sync.Duration("full-transfer-timeout")),
            ProbeInterval = sync.Duration("probe-interval"),
            PeerStateWait = sync.Duration("peer-state-wait", allowZero: true),
        };
    }
}
