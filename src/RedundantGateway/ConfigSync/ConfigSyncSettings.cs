using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.ConfigSync;

/// <summary>How the backup pulls the master's configuration and how transfers are cut up (<c>redundant-gateway.config-sync</c>).</summary>
public sealed record ConfigSyncSettings(
    TimeSpan LongPollTimeout,
    TimeSpan PullRetryInterval,
    int MaxUpdatesPerPull,
    long MaxPullBytes,
    long MaxResourceSize,
    int ChunkSize,
    int ChunksInFlight,
    int ChunkRetries,
    TimeSpan ChunkTimeout,
    TimeSpan ModuleScanInterval,
    int ChangesKept,
    TimeSpan SyncTimeout,
    int MaxQueuedUpdates,
    long MaxQueuedBytes)
{
    // Timings of the replication actors, kept out of the positional list so keys can be added without
    // touching every constructor call.

    /// <summary>How long the backup's store may take to persist one pulled batch before the backup pulls again.</summary>
    public required TimeSpan ApplyTimeout { get; init; }

    /// <summary>A pull not answered within long-poll-timeout plus this is taken as lost (the master holds it that long).</summary>
    public required TimeSpan PullTimeoutMargin { get; init; }

    /// <summary>A peer whose last pull (or answer) is older than long-poll-timeout plus this is taken as gone in the status.</summary>
    public required TimeSpan PeerSilenceMargin { get; init; }

    /// <summary>Back-off bounds of the config store, restarted after a failed write.</summary>
    public required TimeSpan StoreRestartMinBackoff { get; init; }

    public required TimeSpan StoreRestartMaxBackoff { get; init; }

    /// <summary>When the master answers an edit: once it has persisted it, or once the backup has too.</summary>
    public AcknowledgeMode Acknowledge { get; init; } = AcknowledgeMode.Backup;

    /// <summary>With <see cref="AcknowledgeMode.Backup"/>, how long an edit waits for the backup before the master acknowledges alone.</summary>
    public TimeSpan AcknowledgeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The part of these settings the generic transfer mechanism needs.</summary>
    public Transfer.TransferSettings Transfer => new(ChunkSize, ChunksInFlight, ChunkRetries, ChunkTimeout);

    /// <summary>What a remote message may carry besides its payload within one frame of the node link.</summary>
    private const long FrameEnvelope = 16 * 1024;

    /// <summary>Keys that sat under <c>redundancy</c> before; still read there (with a warning), so still known keys there.</summary>
    public static IReadOnlyList<string> KeysMovedFromRedundancy { get; } = ["sync-timeout", "max-queued-updates", "max-queued-bytes"];

    /// <summary>Reads the config-sync keys of a node's configuration (merged over the embedded defaults).</summary>
    public static ConfigSyncSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration"), []);

    /// <summary>
    /// Reads the keys from the <c>config-sync</c> section of <paramref name="gateway"/>; the keys that used to
    /// sit under <c>redundancy</c> are still read there, each with a line in <paramref name="warnings"/>.
    /// </summary>
    public static ConfigSyncSettings Create(SettingsReader gateway, ICollection<string> warnings)
    {
        var sync = gateway.Section("config-sync");
        var old = gateway.Section("redundancy");
        var settings = new ConfigSyncSettings(
            LongPollTimeout: sync.Duration("long-poll-timeout"),
            PullRetryInterval: sync.Duration("pull-retry-interval"),
            MaxUpdatesPerPull: sync.PositiveInt("max-updates-per-pull"),
            MaxPullBytes: sync.PositiveBytes("max-pull-bytes"),
            MaxResourceSize: sync.PositiveBytes("max-resource-size"),
            ChunkSize: (int)Math.Min(int.MaxValue, sync.PositiveBytes("chunk-size")),
            ChunksInFlight: sync.PositiveInt("chunks-in-flight"),
            ChunkRetries: sync.PositiveInt("chunk-retries"),
            ChunkTimeout: sync.Duration("chunk-timeout"),
            ModuleScanInterval: sync.Duration("module-scan-interval"),
            ChangesKept: sync.PositiveInt("changes-kept"),
            SyncTimeout: old.Moved("sync-timeout", sync, "sync-timeout", (r, k) => r.Duration(k), warnings),
            MaxQueuedUpdates: old.Moved("max-queued-updates", sync, "max-queued-updates", (r, k) => r.PositiveInt(k), warnings),
            MaxQueuedBytes: old.Moved("max-queued-bytes", sync, "max-queued-bytes", (r, k) => r.PositiveBytes(k), warnings))
        {
            ApplyTimeout = sync.Duration("apply-timeout"),
            PullTimeoutMargin = sync.Duration("pull-timeout-margin", allowZero: true),
            PeerSilenceMargin = sync.Duration("peer-silence-margin", allowZero: true),
            StoreRestartMinBackoff = sync.Duration("store-restart-min-backoff"),
            StoreRestartMaxBackoff = sync.Duration("store-restart-max-backoff"),
            Acknowledge = sync.Enum<AcknowledgeMode>("acknowledge"),
            AcknowledgeTimeout = sync.Duration("acknowledge-timeout"),
        };
        if (settings.StoreRestartMaxBackoff < settings.StoreRestartMinBackoff)
            throw sync.Error("store-restart-max-backoff", "must not be shorter than config-sync.store-restart-min-backoff");

        // Every remote message must fit in one frame of the node link, or Akka drops it.
        var frame = gateway.FrameSize();
        if (settings.ChunkSize > frame - FrameEnvelope)
            throw sync.Error("chunk-size", $"{settings.ChunkSize} bytes does not fit in a node link frame (akka.remote.dot-netty.tcp.maximum-frame-size {frame} less 16 KiB)");
        if (settings.MaxPullBytes > frame - FrameEnvelope)
            throw sync.Error("max-pull-bytes", $"{settings.MaxPullBytes} bytes does not fit in a node link frame (akka.remote.dot-netty.tcp.maximum-frame-size {frame} less 16 KiB)");
        if (settings.MaxQueuedBytes < settings.MaxPullBytes)
        {
            var where = old.IsGiven("max-queued-bytes") && !sync.IsGiven("max-queued-bytes") ? old : sync;
            throw where.Error("max-queued-bytes", $"must be at least config-sync.max-pull-bytes ({settings.MaxPullBytes}): one large edit would empty the queue");
        }
        var largestUpdate = ConfigUpdate.WireBytes(new string('x', ConfigPath.MaxLength), new string('x', (int)Math.Min(int.MaxValue / 4, settings.MaxResourceSize)));
        if (largestUpdate > settings.MaxPullBytes)
            throw sync.Error("max-resource-size", $"an update of {settings.MaxResourceSize} bytes can take {largestUpdate} on the wire, more than config-sync.max-pull-bytes ({settings.MaxPullBytes}); keep it under half of that");
        return settings;
    }
}
