namespace RedundantGateway.Runtime;

/// <summary>What the actors may ask of the process that hosts them.</summary>
public interface IRuntimeControl
{
    /// <summary>Rebuild this node's actor system (not the process) so that it can join the peer's cluster.</summary>
    void RequestSoftRestart(string reason);
}

/// <summary>For hosts and tests that cannot rebuild the actor system: the request is only logged by the caller.</summary>
public sealed class NoRuntimeControl : IRuntimeControl
{
    public static readonly NoRuntimeControl Instance = new();

    public void RequestSoftRestart(string reason) { }
}
