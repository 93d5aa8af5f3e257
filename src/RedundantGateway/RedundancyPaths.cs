
namespace RedundantGateway;

/// <summary>
/// Actor names both nodes share, and the paths built from them: the peer addresses its messages by these
/// paths, so they are built in this one place.
/// </summary>
public static class RedundancyPaths
{
    /// <summary>/user/redundancy: the node guardian; liveness, coordinator and membership are its children.</summary>
    public const string Guardian = "redundancy";

    /// <summary>/user/designator: the singleton manager of the active-node designator.</summary>
    public const string DesignatorManager = "designator";

    public const string DesignatorProxy = "designator-proxy";

    /// <summary>The Akka system name: both nodes of a pair must use the same one.</summary>
    public const string SystemName = "redundant-gateway";

    // The guardian's children.
    public const string Liveness = "liveness";
    public const string Coordinator = "coordinator";
    public const string Membership = "membership";
    public const string ConfigReplicator = "config-replicator";
    public const string StateReplicator = "state-replicator";
    public const string HistoryLedger = "history-ledger";

    /// <summary>The local path of the designator's singleton manager (what the proxy looks for).</summary>
    public const string DesignatorManagerPath = "/user/" + DesignatorManager;

    /// <summary>A node's address as Akka writes it: <c>akka.tcp://{system}@{host}:{port}</c>.</summary>
    public static string NodeAddress(string systemName, NodeEndpoint endpoint) =>
        $"akka.tcp://{systemName}@{endpoint.Host}:{endpoint.Port}";

    /// <summary>
    /// The path of one of the guardian's children on the node at <paramref name="nodeAddress"/>
    /// (akka.tcp://...); an empty address gives the local path.
    /// </summary>
    public static string ChildPath(string nodeAddress, string child) => $"{nodeAddress}/user/{Guardian}/{child}";

    public static string LivenessPath(string nodeAddress) => ChildPath(nodeAddress, Liveness);

    public static string CoordinatorPath(string nodeAddress) => ChildPath(nodeAddress, Coordinator);

    public static string ConfigReplicatorPath(string nodeAddress) => ChildPath(nodeAddress, ConfigReplicator);

    /// <summary>The alarm state replicator of the node at <paramref name="nodeAddress"/> (each node ships to the other's).</summary>
    public static string StateReplicatorPath(string nodeAddress) => ChildPath(nodeAddress, StateReplicator);

    /// <summary>The master's history logging ledger keeper (a backup in partial mode asks it).</summary>
    public static string HistoryLedgerPath(string nodeAddress) => ChildPath(nodeAddress, HistoryLedger);

    /// <summary>The config replicator of the node at <paramref name="endpoint"/> (the backup pulls from the master's).</summary>
    public static string ConfigReplicatorPath(string systemName, NodeEndpoint endpoint) =>
        ConfigReplicatorPath(NodeAddress(systemName, endpoint));
}
