using Akka.Configuration;

namespace RedundantGateway.Configuration;

public enum NodeRole { Independent, Master, Backup }

public enum ActivityLevel { Undecided, Cold, Warm, Active }

public enum RecoveryMode { Automatic, Manual }

public enum HistoryLevel { Full, Partial }

public enum ConfigStoreProvider { Sqlite, Postgresql }

/// <summary>A host and port of a node link, as written in HOCON ("host:port").</summary>
public sealed record NodeEndpoint(string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port}";
}

public sealed record WebSettings(string Hostname, int Port);

public sealed record ClusterSettings(string Hostname, int Port, string PublicHostname, int PublicPort);

public sealed record RedundancySettings(
    NodeEndpoint? MasterAddress,
    NodeEndpoint? BackupAddress,
    ActivityLevel StandbyActivityLevel,
    TimeSpan JoinWaitTime,
    RecoveryMode RecoveryMode,
    HistoryLevel BackupHistoryLevel,
    TimeSpan FailoverTimeout,
    TimeSpan HeartbeatInterval,
    double PhiThreshold,
    TimeSpan PhiMinStdDeviation,
    TimeSpan SyncTimeout,
    int MaxQueuedUpdates,
    long MaxQueuedBytes,
    int EventsKept);

/// <summary>Where the event-sourced configuration store keeps its journal and snapshots.</summary>
/// <param name="ConnectionString">empty with SQLite: a file under the data dir.</param>
public sealed record ConfigStoreSettings(ConfigStoreProvider Provider, string ConnectionString, int SnapshotEvery);

/// <summary>How the backup pulls the master's configuration and how transfers are cut up.</summary>
/// <param name="SyncTimeout">for now read from <c>redundancy.sync-timeout</c> (moving to <c>config-sync</c>).</param>
/// <param name="MaxQueuedUpdates">for now read from <c>redundancy.max-queued-updates</c>.</param>
/// <param name="MaxQueuedBytes">for now read from <c>redundancy.max-queued-bytes</c>.</param>
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
    // touching every constructor call; GatewaySettings.Create fills them from reference.conf.

    /// <summary>How long the backup's store may take to persist one pulled batch before the backup pulls again.</summary>
    public required TimeSpan ApplyTimeout { get; init; }

    /// <summary>A pull not answered within long-poll-timeout plus this is taken as lost (the master holds it that long).</summary>
    public required TimeSpan PullTimeoutMargin { get; init; }

    /// <summary>A peer whose last pull (or answer) is older than long-poll-timeout plus this is taken as gone in the status.</summary>
    public required TimeSpan PeerSilenceMargin { get; init; }

    /// <summary>Back-off bounds of the config store, restarted after a failed write.</summary>
    public required TimeSpan StoreRestartMinBackoff { get; init; }

    public required TimeSpan StoreRestartMaxBackoff { get; init; }

    /// <summary>How long edits must have paused before the store deletes events already in a snapshot.</summary>
    public required TimeSpan CompactionQuietTime { get; init; }

    /// <summary>The part of these settings the generic transfer mechanism needs.</summary>
    public RedundantGateway.Transfer.TransferSettings Transfer => new(ChunkSize, ChunksInFlight, ChunkRetries, ChunkTimeout);
}

/// <summary>The typed, validated <c>redundant-gateway</c> section.</summary>
public sealed record GatewaySettings(
    string NodeName,
    NodeRole Role,
    string DataDir,
    WebSettings Web,
    ClusterSettings Cluster,
    RedundancySettings Redundancy,
    ConfigStoreSettings ConfigStore,
    ConfigSyncSettings ConfigSync)
{
    /// <summary>The data dir's modules folder: plug-in files the master's set of which the backup mirrors.</summary>
    public string ModulesDir => Path.Combine(Path.GetFullPath(DataDir), "modules");

    /// <summary>The address the peer reaches this node at.</summary>
    public NodeEndpoint PublicEndpoint => new(Cluster.PublicHostname, Cluster.PublicPort);

    /// <summary>The other node's link address, if this node is part of a pair and knows it.</summary>
    public NodeEndpoint? PeerAddress => Role switch
    {
        NodeRole.Master => Redundancy.BackupAddress,
        NodeRole.Backup => Redundancy.MasterAddress,
        _ => null,
    };

    public static GatewaySettings Load(string path) => Create(GatewayConfig.LoadFile(path), path);

    /// <summary>Reads and validates the section; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="GatewayConfigException">one line naming the key and the file.</exception>
    public static GatewaySettings Create(Config config, string source)
    {
        var reader = new SettingsReader(config.WithFallback(GatewayConfig.Reference), source);
        var clusterHost = reader.NonEmptyString("cluster.hostname");
        var clusterPort = reader.Port("cluster.port");
        var publicHost = reader.String("cluster.public-hostname");
        var publicPort = reader.Int("cluster.public-port");
        if (publicPort != 0) reader.CheckPort("cluster.public-port", publicPort);

        var role = reader.Enum<NodeRole>("role");
        var redundancy = new RedundancySettings(
            MasterAddress: reader.Endpoint("redundancy.master-address"),
            BackupAddress: reader.Endpoint("redundancy.backup-address"),
            StandbyActivityLevel: reader.Enum<ActivityLevel>("redundancy.standby-activity-level", ActivityLevel.Cold, ActivityLevel.Warm),
            JoinWaitTime: reader.Duration("redundancy.join-wait-time", allowZero: true),
            RecoveryMode: reader.Enum<RecoveryMode>("redundancy.recovery-mode"),
            BackupHistoryLevel: reader.Enum<HistoryLevel>("redundancy.backup-history-level"),
            FailoverTimeout: reader.Duration("redundancy.failover-timeout"),
            HeartbeatInterval: reader.Duration("redundancy.heartbeat-interval"),
            PhiThreshold: reader.PositiveDouble("redundancy.phi-threshold"),
            PhiMinStdDeviation: reader.Duration("redundancy.phi-min-std-deviation"),
            SyncTimeout: reader.Duration("redundancy.sync-timeout"),
            MaxQueuedUpdates: reader.PositiveInt("redundancy.max-queued-updates"),
            MaxQueuedBytes: reader.PositiveBytes("redundancy.max-queued-bytes"),
            EventsKept: reader.PositiveInt("redundancy.events-kept"));

        if (role == NodeRole.Backup && redundancy.MasterAddress is null)
            throw reader.Error("redundancy.master-address", "a backup needs the master's address (host:port)");
        if (redundancy.HeartbeatInterval >= redundancy.FailoverTimeout)
            throw reader.Error("redundancy.heartbeat-interval", "must be shorter than redundancy.failover-timeout");

        var store = new ConfigStoreSettings(
            Provider: reader.Enum<ConfigStoreProvider>("config-store.provider"),
            ConnectionString: reader.String("config-store.connection-string").Trim(),
            SnapshotEvery: reader.PositiveInt("config-store.snapshot-every"));
        if (store.Provider == ConfigStoreProvider.Postgresql && store.ConnectionString.Length == 0)
            throw reader.Error("config-store.connection-string", "PostgreSQL needs a connection string (Host=...;Database=...;Username=...)");

        var sync = new ConfigSyncSettings(
            LongPollTimeout: reader.Duration("config-sync.long-poll-timeout"),
            PullRetryInterval: reader.Duration("config-sync.pull-retry-interval"),
            MaxUpdatesPerPull: reader.PositiveInt("config-sync.max-updates-per-pull"),
            MaxPullBytes: reader.PositiveBytes("config-sync.max-pull-bytes"),
            MaxResourceSize: reader.PositiveBytes("config-sync.max-resource-size"),
            ChunkSize: (int)Math.Min(int.MaxValue, reader.PositiveBytes("config-sync.chunk-size")),
            ChunksInFlight: reader.PositiveInt("config-sync.chunks-in-flight"),
            ChunkRetries: reader.PositiveInt("config-sync.chunk-retries"),
            ChunkTimeout: reader.Duration("config-sync.chunk-timeout"),
            ModuleScanInterval: reader.Duration("config-sync.module-scan-interval"),
            ChangesKept: reader.PositiveInt("config-sync.changes-kept"),
            SyncTimeout: redundancy.SyncTimeout,
            MaxQueuedUpdates: redundancy.MaxQueuedUpdates,
            MaxQueuedBytes: redundancy.MaxQueuedBytes)
        {
            ApplyTimeout = reader.Duration("config-sync.apply-timeout"),
            PullTimeoutMargin = reader.Duration("config-sync.pull-timeout-margin", allowZero: true),
            PeerSilenceMargin = reader.Duration("config-sync.peer-silence-margin", allowZero: true),
            StoreRestartMinBackoff = reader.Duration("config-sync.store-restart-min-backoff"),
            StoreRestartMaxBackoff = reader.Duration("config-sync.store-restart-max-backoff"),
            CompactionQuietTime = reader.Duration("config-sync.compaction-quiet-time", allowZero: true),
        };
        if (sync.StoreRestartMaxBackoff < sync.StoreRestartMinBackoff)
            throw reader.Error("config-sync.store-restart-max-backoff", "must not be shorter than config-sync.store-restart-min-backoff");
        // Every remote message must fit in one frame of the node link, or Akka drops it.
        var frame = reader.FrameSize();
        const long envelope = 16 * 1024;
        if (sync.ChunkSize > frame - envelope)
            throw reader.Error("config-sync.chunk-size", $"{sync.ChunkSize} bytes does not fit in a node link frame (akka.remote.dot-netty.tcp.maximum-frame-size {frame} less 16 KiB)");
        if (sync.MaxPullBytes > frame - envelope)
            throw reader.Error("config-sync.max-pull-bytes", $"{sync.MaxPullBytes} bytes does not fit in a node link frame (akka.remote.dot-netty.tcp.maximum-frame-size {frame} less 16 KiB)");
        if (redundancy.MaxQueuedBytes < sync.MaxPullBytes)
            throw reader.Error("redundancy.max-queued-bytes", $"must be at least config-sync.max-pull-bytes ({sync.MaxPullBytes}): one large edit would empty the queue");
        var largestUpdate = global::RedundantGateway.ConfigSync.ConfigUpdate.WireBytes(new string('x', global::RedundantGateway.ConfigSync.ConfigPath.MaxLength), new string('x', (int)Math.Min(int.MaxValue / 4, sync.MaxResourceSize)));
        if (largestUpdate > sync.MaxPullBytes)
            throw reader.Error("config-sync.max-resource-size", $"an update of {sync.MaxResourceSize} bytes can take {largestUpdate} on the wire, more than config-sync.max-pull-bytes ({sync.MaxPullBytes}); keep it under half of that");

        return new GatewaySettings(
            NodeName: reader.NonEmptyString("node-name"),
            Role: role,
            DataDir: reader.NonEmptyString("data-dir"),
            Web: new WebSettings(reader.NonEmptyString("web.hostname"), reader.Port("web.port")),
            Cluster: new ClusterSettings(clusterHost, clusterPort,
                string.IsNullOrWhiteSpace(publicHost) ? clusterHost : publicHost,
                publicPort == 0 ? clusterPort : publicPort),
            Redundancy: redundancy,
            ConfigStore: store,
            ConfigSync: sync);
    }

    /// <summary>Reads keys under <c>redundant-gateway</c>, turning every problem into one line.</summary>
    private sealed class SettingsReader(Config config, string source)
    {
        public GatewayConfigException Error(string key, string problem) =>
            new($"{source}: {GatewayConfig.Root}.{key}: {problem}");

        private T Read<T>(string key, Func<string, T> read)
        {
            var path = $"{GatewayConfig.Root}.{key}";
            if (!config.HasPath(path)) throw Error(key, "missing");
            try { return read(path); }
            catch (Exception e) when (e is not GatewayConfigException)
            {
                throw Error(key, $"cannot read '{Raw(path)}' ({e.GetType().Name})");
            }
        }

        private string Raw(string path)
        {
            try { return config.GetString(path) ?? ""; } catch { return "?"; }
        }

        public string String(string key) => Read(key, p => config.GetString(p) ?? "");

        public string NonEmptyString(string key)
        {
            var value = String(key);
            return string.IsNullOrWhiteSpace(value) ? throw Error(key, "must not be empty") : value;
        }

        public int Int(string key) => Read(key, p =>
            int.TryParse(config.GetString(p), out var v) ? v : throw Error(key, $"'{config.GetString(p)}' is not a whole number"));

        public int PositiveInt(string key)
        {
            var value = Int(key);
            return value > 0 ? value : throw Error(key, $"{value} must be greater than 0");
        }

        public double PositiveDouble(string key)
        {
            var value = Read(key, p => double.TryParse(config.GetString(p), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : throw Error(key, $"'{config.GetString(p)}' is not a number"));
            return value > 0 && double.IsFinite(value) ? value : throw Error(key, $"{value} must be a finite number greater than 0");
        }

        public long PositiveBytes(string key)
        {
            var value = Read(key, p => config.GetByteSize(p) ?? throw Error(key, "is not a size"));
            return value > 0 ? value : throw Error(key, $"{value} must be greater than 0");
        }

        public int Port(string key)
        {
            var value = Int(key);
            CheckPort(key, value);
            return value;
        }

        public void CheckPort(string key, int value)
        {
            if (value is < 1 or > 65535) throw Error(key, $"port {value} is out of range 1-65535");
        }

        public TimeSpan Duration(string key, bool allowZero = false)
        {
            var raw = String(key).Trim();
            if (raw.StartsWith('-')) throw Error(key, $"'{raw}' must not be negative");
            var value = Read(key, p => config.GetTimeSpan(p, null, allowInfinite: false));
            if (value < TimeSpan.Zero) throw Error(key, $"'{raw}' must not be negative");
            if (value == TimeSpan.Zero && !allowZero) throw Error(key, $"'{raw}' must be greater than 0");
            return value;
        }

        public T Enum<T>(string key, params T[] allowed) where T : struct, System.Enum
        {
            var raw = String(key).Trim();
            var choices = allowed.Length > 0 ? allowed : System.Enum.GetValues<T>();
            foreach (var choice in choices)
                if (string.Equals(choice.ToString(), raw, StringComparison.OrdinalIgnoreCase)) return choice;
            var names = string.Join(", ", choices.Select(c => c.ToString().ToLowerInvariant()));
            throw Error(key, $"unknown value '{raw}' (expected one of: {names})");
        }

        /// <summary>The node link's largest message (an Akka setting, read from the same merged config).</summary>
        public long FrameSize()
        {
            const string path = "akka.remote.dot-netty.tcp.maximum-frame-size";
            return config.HasPath(path) ? config.GetByteSize(path) ?? 128000 : 128000;
        }

        public NodeEndpoint? Endpoint(string key)
        {
            var raw = String(key).Trim();
            if (raw.Length == 0) return null;
            var colon = raw.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(raw[(colon + 1)..], out var port))
                throw Error(key, $"'{raw}' is not host:port");
            CheckPort(key, port);
            return new NodeEndpoint(raw[..colon], port);
        }
    }
}
