namespace RedundantGateway;

/// <summary>
/// What the actors may ask of whatever hosts their actor system. Vocabulary: the actor system is
/// <em>rebuilt</em> (a new incarnation in the same process: membership rules 4, 5 and 6, a failed coordinator);
/// the runtime subsystems are <em>restarted</em> (after a configuration transfer). The two never mean the same.
/// </summary>
public interface IActorSystemHost
{
    /// <summary>Rebuild this node's actor system (not the process), e.g. so that it can join the peer's cluster.</summary>
    void RequestRebuild(string reason);
}

/// <summary>For hosts and tests that cannot rebuild the actor system: the request is only logged by the caller.</summary>
public sealed class NoRebuildHost : IActorSystemHost
{
    public static readonly NoRebuildHost Instance = new();

    public void RequestRebuild(string reason) { }
}
