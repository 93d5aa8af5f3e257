using Prometheus;

namespace RedundantGateway.Node.Metrics;

/// <summary>
/// /metrics: the node's series in the Prometheus text format, from a registry of this node's own (never
/// prometheus-net's static default registry: no process-wide mutable state, and two nodes in one process, as in the
/// tests, do not mix). At each scrape every <see cref="INodeMetricsSource"/> asks its actors, then the registry is
/// written; scrapes are taken one at a time (the sources keep what they saw last).
/// </summary>
internal sealed class NodeMetrics
{
    /// <summary>Each actor gets this long to answer a scrape: well under Prometheus' default scrape timeout (10 s).</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly IReadOnlyList<INodeMetricsSource> _sources;
    private readonly Gauge _sourceUp;
    private readonly Gauge _info;
    private readonly SemaphoreSlim _scrape = new(1, 1);
    private readonly NodeActorSystem _runtime;

    public NodeMetrics(NodeActorSystem runtime)
    {
        _runtime = runtime;
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        _sources = [new RedundancyMetrics(factory), new ReplicationMetrics(factory), new HistoryMetrics(factory)];
        _sourceUp = factory.CreateGauge("rgw_metrics_source_up", "1 when the source's actors answered this scrape in time; 0: its series show older values.", ["source"]);
        _info = factory.CreateGauge("rgw_node_info", "Always 1; the node's name, role and version as labels.", ["node", "role", "version"]);
        _info.WithLabels(runtime.Settings.NodeName, runtime.Settings.Role.ToString().ToLowerInvariant(), NodeWeb.Version).Set(1);
        factory.CreateGauge("rgw_start_time_seconds", "When this node's process started (Unix time).")
            .Set(new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
    }

    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(WebApplication app, NodeActorSystem runtime)
    {
        var metrics = new NodeMetrics(runtime);
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            http.Response.ContentType = ContentType;
            await metrics.WriteAsync(http.Response.Body, http.RequestAborted);
        });
    }

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        await _scrape.WaitAsync(cancellationToken);
        try
        {
            await Task.WhenAll(_sources.Select(UpdateAsync));
            await _registry.CollectAndExportAsTextAsync(output, cancellationToken);
        }
        finally { _scrape.Release(); }
    }

    private async Task UpdateAsync(INodeMetricsSource source)
    {
        var up = false;
        if (_runtime.Handles is { } handles)
        {
            try
            {
                await source.UpdateAsync(_runtime, handles, AskTimeout);
                up = true;
            }
            catch (Exception e) when (e is Akka.Actor.AskTimeoutException or TaskCanceledException) { }
        }
        _sourceUp.WithLabels(source.Name).Set(up ? 1 : 0);
    }
}
