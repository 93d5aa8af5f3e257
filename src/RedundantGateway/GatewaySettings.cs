using Akka.Configuration;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.Alarms;
using RedundantGateway.History;
using RedundantGateway.StateSync;
using RedundantGateway.Hmi;
using RedundantGateway.Tags;

namespace RedundantGateway;

/// <summary>
/// The typed, validated <c>redundant-gateway</c> section: the node's identity and data dir, and each
/// concern's own settings, which each concern reads with its <c>Create</c>. Checks that span concerns
/// live here; every problem is one line naming the file and the key.
/// </summary>
/// <param name="Warnings">one line each: keys read from a place they have moved away from.</param>
public sealed record GatewaySettings(
    string NodeName,
    NodeRole Role,
    string DataDir,
    WebSettings Web,
    ClusterSettings Cluster,
    LivenessSettings Liveness,
    RedundancySettings Redundancy,
    ConfigStoreSettings ConfigStore,
    ConfigSyncSettings ConfigSync,
    TagsSettings Tags,
    AlarmsSettings Alarms,
    DemoSettings Demo,
    StateSyncSettings StateSync,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The web surface's token (<c>redundant-gateway.api</c>); open when not set.</summary>
    public ApiSettings Api { get; init; } = ApiSettings.Open;

    public NodeIdentity Identity => new(NodeName, Role);

    /// <summary>The live HMI pages (<c>redundant-gateway.hmi</c>).</summary>
    public HmiSettings Hmi { get; init; } = HmiSettings.Default;

    /// <summary>The historian's store-and-forward (<c>history.cache</c>, <c>history.forward</c>).</summary>
    public required HistorySettings History { get; init; }

    /// <summary>
    /// From the node's command line (<c>--start-over</c>), never from a file: as master, this run keeps its own
    /// configuration even when the backup holds a newer one of the same system, or this store is empty.
    /// </summary>
    public bool StartOver { get; init; }

    /// <summary>Test-only settings (<c>redundant-gateway.testing</c>); the defaults leave the node as in production.</summary>
    public TestingSettings Testing { get; init; } = TestingSettings.Default;

    /// <summary>The wall clock of this node's runtime (the system clock, shifted by <c>testing.clock-offset</c>).</summary>
    public TimeProvider Clock => NodeClock.For(Testing.ClockOffset);

    /// <summary>The data dir's modules folder: plug-in files the master's set of which the backup mirrors.</summary>
    public string ModulesDir => Path.Combine(Path.GetFullPath(DataDir), "modules");

    /// <summary>The address the peer reaches this node at.</summary>
    public NodeEndpoint PublicEndpoint => Cluster.PublicEndpoint;

    /// <summary>The other node's link address, if this node is part of a pair and knows it.</summary>
    public NodeEndpoint? PeerAddress => Role switch
    {
        NodeRole.Master => Redundancy.BackupAddress,
        NodeRole.Backup => Redundancy.MasterAddress,
        _ => null,
    };

    /// <summary>What the configuration replication actors know of this node.</summary>
    public ReplicationNode ReplicationNode
    {
        get
        {
            // A wildcard bind is named by the node link's host, the address the peer knows this node by.
            var host = Web.Hostname is "0.0.0.0" or "::" or "[::]" or "*" or "+" ? Cluster.PublicHostname : Web.Hostname;
            return new ReplicationNode(Role, NodeName, DataDir, ModulesDir, Redundancy.MasterAddress, $"http://{host}:{Web.AdvertisedPort}", StartOver);
        }
    }

    public static GatewaySettings Load(string path) => Create(GatewayConfig.LoadFile(path), path);

    /// <summary>Reads and validates the section; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="GatewayConfigException">one line naming the key and the file.</exception>
    public static GatewaySettings Create(Config config, string source)
    {
        // Also here, for a configuration an embedding host assembled itself: only our section, the rest is the host's.
        if (KeyValidator.FirstProblem(ConfigKeys.GivenUnderGateway(config), ConfigKeys.Gateway) is { } problem)
            throw new GatewayConfigException($"{source}: {problem.Describe()}");
        var gateway = SettingsReader.ForGateway(config, source);
        var warnings = new List<string>();
        var cluster = ClusterSettings.Create(gateway);
        var role = gateway.Enum<NodeRole>("role");
        var redundancySection = gateway.Section("redundancy");
        var redundancy = RedundancySettings.Create(redundancySection);
        var liveness = LivenessSettings.Create(redundancySection);
        if (role == NodeRole.Backup && redundancy.MasterAddress is null)
            throw redundancySection.Error("master-address", "a backup needs the master's address (host:port)");
        var store = ConfigStoreSettings.Create(gateway.Section("config-store"));
        var sync = ConfigSyncSettings.Create(gateway, warnings);
        var testing = TestingSettings.Create(gateway.Section("testing"));
        if (testing.ClockOffset != TimeSpan.Zero)
            warnings.Add($"{source}: redundant-gateway.testing.clock-offset shifts this node's clock by {testing.ClockOffset} (for tests only)");

        return new GatewaySettings(
            NodeName: gateway.NonEmptyString("node-name"),
            Role: role,
            DataDir: gateway.NonEmptyString("data-dir"),
            Web: WebSettings.Create(gateway),
            Cluster: cluster,
            Liveness: liveness,
            Redundancy: redundancy,
            ConfigStore: store,
            ConfigSync: sync,
            Tags: TagsSettings.Create(gateway.Section("tags")),
            Alarms: AlarmsSettings.Create(gateway.Section("alarms")),
            Demo: DemoSettings.Create(gateway.Section("demo")),
            StateSync: StateSyncSettings.Create(gateway),
            Warnings: warnings)
        {
            Testing = testing,
            Api = ApiSettings.Create(gateway.Section("api")),
            Hmi = HmiSettings.Create(gateway.Section("hmi")),
            History = HistorySettings.Create(gateway),
        };
    }
}
