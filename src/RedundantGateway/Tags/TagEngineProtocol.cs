namespace RedundantGateway.Tags;

// The tag engine's messages besides the runtime protocol (TagProtocol.cs) and the coordinator's (Runtime/ActorSubsystem.cs).

/// <summary>Connects or disconnects a whole provider (an operator, a test, later health-scored failover); answered with <see cref="TagProviderConnection"/>.</summary>
public sealed record SetTagProviderConnected(string Provider, bool Connected);

public sealed record TagProviderConnection(bool Accepted, string Message);

public sealed record GetTagEngineStatus
{
    public static readonly GetTagEngineStatus Instance = new();
}

/// <summary>What the engine runs: its level, its tags, how often it started providers, the configuration it follows.</summary>
/// <param name="Invalid">definitions that do not resolve (shown as bad quality with the reason).</param>
public sealed record TagEngineStatus(ActivityLevel Level, int Tags, int Invalid, int ProviderStarts, long ConfigRevision,
    IReadOnlyList<string> Providers, IReadOnlyList<string> DisconnectedProviders);
