namespace RedundantGateway;

// The pair's domain vocabulary: used by the actors, the wire protocol and the settings alike.

/// <summary>A node's place in the pair, fixed by configuration.</summary>
public enum NodeRole { Independent, Master, Backup }

/// <summary>How much of the runtime a node runs: active (everything), warm (no side effects), cold (nothing).</summary>
public enum ActivityLevel { Undecided, Cold, Warm, Active }

/// <summary>Whether an active backup gives the active role back to a returning master by itself.</summary>
public enum RecoveryMode { Automatic, Manual }

/// <summary>What an active backup does with history: write it all, or cache it and forward the master's gap.</summary>
public enum HistoryLevel { Full, Partial }

/// <summary>A host and port of a node link, as written in HOCON ("host:port").</summary>
public sealed record NodeEndpoint(string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>Who this node is: its name in logs and status, and its role in the pair.</summary>
public sealed record NodeIdentity(string NodeName, NodeRole Role);
