using RedundantGateway;

namespace RedundantGateway.Node.Metrics;

/// <summary>
/// One concern's part of /metrics: it creates its collectors once (from the node's own metric factory, given to its
/// constructor) and brings them up to date at each scrape by asking its actors for their status with a short
/// timeout, so nothing is pushed from the hot paths. A source whose actor does not answer leaves its values as they
/// were and says so through <c>rgw_metrics_source_up</c>.
/// </summary>
internal interface INodeMetricsSource
{
    /// <summary>Names the source in <c>rgw_metrics_source_up{source}</c>.</summary>
    string Name { get; }

    /// <summary>Asks the actors of the current incarnation and updates the collectors; throws when they do not answer.</summary>
    Task UpdateAsync(NodeActorSystem runtime, RedundancyHandles handles, TimeSpan timeout);
}
