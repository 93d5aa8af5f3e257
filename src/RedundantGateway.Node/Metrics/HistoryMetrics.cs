using Akka.Actor;
using Prometheus;
using RedundantGateway.History;

namespace RedundantGateway.Node.Metrics;

/// <summary>
/// The historian's store-and-forward: what the cache holds (rows, bytes, oldest age), what the store answered (rows
/// written, duplicates, rejected), samples taken, rows forwarded per second, quarantined rows and whether the store is
/// unreachable now.
/// </summary>
internal sealed class HistoryMetrics : INodeMetricsSource
{
    private readonly Gauge _cachedRows;
    private readonly Gauge _cachedBytes;
    private readonly Gauge _oldestAge;
    private readonly Gauge _forwardRate;
    private readonly Gauge _quarantined;
    private readonly Gauge _storeUnavailable;
    private readonly RunningTotal _sampled;
    private readonly RunningTotal _written;
    private readonly RunningTotal _duplicates;
    private readonly RunningTotal _rejected;

    public HistoryMetrics(IMetricFactory metrics)
    {
        _cachedRows = metrics.CreateGauge("rgw_history_cached_rows", "Samples in the store-and-forward cache not yet stored in the history database.");
        _cachedBytes = metrics.CreateGauge("rgw_history_cached_bytes", "Size of the cache's segment files on disk.");
        _oldestAge = metrics.CreateGauge("rgw_history_oldest_age_seconds", "Age of the oldest cached sample (0: the cache is empty).");
        _forwardRate = metrics.CreateGauge("rgw_history_forward_rate", "Rows stored in the history database per second (last 10 s).");
        _quarantined = metrics.CreateGauge("rgw_history_quarantined_rows", "Samples the database refused, kept apart with their reason (retry: POST /api/history/quarantine/retry).");
        _storeUnavailable = metrics.CreateGauge("rgw_history_store_unavailable", "1 while the history database does not answer (the cache keeps everything and retries).");
        _sampled = new RunningTotal(metrics.CreateCounter("rgw_history_sampled_total", "Samples this node took and appended to its cache."));
        _written = new RunningTotal(metrics.CreateCounter("rgw_history_written_total", "Rows the history database stored from this node."));
        _duplicates = new RunningTotal(metrics.CreateCounter("rgw_history_duplicates_total", "Rows this node offered that the database already had (same tag and timestamp)."));
        _rejected = new RunningTotal(metrics.CreateCounter("rgw_history_rejected_total", "Rows the database refused (quarantined)."));
    }

    public string Name => "history";

    public async Task UpdateAsync(NodeActorSystem runtime, RedundancyHandles handles, TimeSpan timeout)
    {
        if (handles.History is not { } history) return;
        var status = await history.Ask<HistoryCacheStatus>(GetHistoryCacheStatus.Instance, timeout);
        _cachedRows.Set(status.Rows);
        _cachedBytes.Set(status.Bytes);
        _oldestAge.Set((status.OldestAgeMs ?? 0) / 1000.0);
        _forwardRate.Set(status.ForwardRatePerSecond);
        _quarantined.Set(status.Quarantined);
        _storeUnavailable.Set(status.State == "unavailable" ? 1 : 0);
        _sampled.Observe(status.Sampled);
        _written.Observe(status.Written);
        _duplicates.Observe(status.Duplicates);
        _rejected.Observe(status.Rejected);
    }
}
