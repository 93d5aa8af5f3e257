namespace RedundantGateway;

/// <summary>Actor names both nodes share: the peer addresses its messages by these paths.</summary>
public static class RedundancyPaths
{
    /// <summary>/user/redundancy: the node guardian; liveness, coordinator and membership are its children.</summary>
    public const string Guardian = "redundancy";

    /// <summary>/user/designator: the singleton manager of the active-node designator.</summary>
    public const string DesignatorManager = "designator";

    public const string DesignatorProxy = "designator-proxy";

    /// <summary>The Akka system name: both nodes of a pair must use the same one.</summary>
    public const string SystemName = "redundant-gateway";
}
