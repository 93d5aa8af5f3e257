namespace RedundantGateway;

/// <summary>
/// A message that crosses nodes between the pair's liveness, coordinator and designator actors; all go through
/// <c>Redundancy.PairProtocolSerializer</c> (bound in reference.conf). At the library's root so that Liveness
/// can mark its messages without depending on Redundancy.
/// </summary>
public interface IPairProtocolMessage;
