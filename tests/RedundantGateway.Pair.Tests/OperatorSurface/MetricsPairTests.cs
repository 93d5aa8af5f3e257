using System.Globalization;
using System.Text.RegularExpressions;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// /metrics on a real pair: Prometheus' own checker accepts it, the named rgw_ series are there with the pair's
/// values, and after a kill -9 of the master the backup counts a failover caused by the peer's loss.
/// </summary>
public sealed class MetricsPairTests(ITestOutputHelper output) : PairTest(output)
{
    private static readonly string[] Named =
    [
        "rgw_activity_level", "rgw_epoch", "rgw_failovers_total", "rgw_peer_phi", "rgw_heartbeat_round_trip_seconds",
        "rgw_config_replication_lag_revisions", "rgw_config_replication_lag_seconds", "rgw_state_replication_lag_seconds",
        "rgw_state_retained_bytes", "rgw_redundancy_events_total", "rgw_node_info",
        "rgw_history_cached_rows", "rgw_history_cached_bytes", "rgw_history_oldest_age_seconds", "rgw_history_forward_rate",
        "rgw_history_quarantined_rows", "rgw_history_store_unavailable", "rgw_history_sampled_total", "rgw_history_written_total",
        "rgw_history_duplicates_total", "rgw_history_rejected_total",
    ];

    [PromtoolFact]
    public Task Metrics_pass_promtool_name_the_pairs_state_and_count_a_failover_by_cause() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        // One history file both share, in a folder that exists (the default data/history.db's folder does not here).
        var history = $"history.sqlite-path = \"{Path.Combine(TestDir, "history.db").Replace("\\", "/")}\"";
        (masterSpec, backupSpec) = (masterSpec with { Extra = history }, backupSpec with { Extra = history });
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (m, _) = await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        var masterMetrics = await ScrapeCheckedAsync(masterSpec.WebPort);
        foreach (var name in Named)
            Assert.True(Regex.IsMatch(masterMetrics, $"^{name}(\\{{| )", RegexOptions.Multiline), $"the master's /metrics has no {name}");
        Assert.Equal(1, Value(masterMetrics, "rgw_activity_level{level=\"active\"}"));
        Assert.Equal(0, Value(masterMetrics, "rgw_activity_level{level=\"cold\"}"));
        Assert.Equal(m.Epoch, Value(masterMetrics, "rgw_epoch"));
        Assert.True(Value(masterMetrics, "rgw_failovers_total{cause=\"designation\"}") >= 1);
        Assert.Equal(0, Value(masterMetrics, "rgw_failovers_total{cause=\"peer-down\"}"));
        Assert.True(Value(masterMetrics, "rgw_heartbeat_round_trip_seconds") is > 0 and < 5);
        Assert.Equal(1, Value(masterMetrics, "rgw_metrics_source_up{source=\"history\"}"));
        Assert.Equal(0, Value(masterMetrics, "rgw_history_store_unavailable"));

        var backupMetrics = await ScrapeCheckedAsync(backupSpec.WebPort);
        Assert.Equal(1, Value(backupMetrics, "rgw_activity_level{level=\"cold\"}"));
        Assert.Equal(0, Value(backupMetrics, "rgw_failovers_total{cause=\"peer-down\"}"));

        master.KillHard();
        await UntilStatusAsync(backup, s => s.IsActive, "the backup took over after the kill -9 of the master");
        await UntilAsync(async () =>
        {
            var text = await ScrapeCheckedAsync(backupSpec.WebPort);
            return Value(text, "rgw_failovers_total{cause=\"peer-down\"}") == 1 && Value(text, "rgw_activity_level{level=\"active\"}") == 1;
        }, "the backup's /metrics counts one failover caused by the peer's loss and shows it active");
        var after = await ScrapeCheckedAsync(backupSpec.WebPort);
        Assert.Equal(0, Value(after, "rgw_peer_connected"));
        // A second scrape does not count the same events again.
        Assert.Equal(1, Value(await ScrapeCheckedAsync(backupSpec.WebPort), "rgw_failovers_total{cause=\"peer-down\"}"));
    });

    /// <summary>Scrapes a node's /metrics and has promtool check it; returns the text.</summary>
    private async Task<string> ScrapeCheckedAsync(int webPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var answer = await http.GetAsync($"http://127.0.0.1:{webPort}/metrics");
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"/metrics answered {(int)answer.StatusCode}: {text}");
        Assert.StartsWith("text/plain", answer.Content.Headers.ContentType?.ToString());
        var (exit, said) = await Promtool.CheckMetricsAsync(text);
        Assert.True(exit == 0, $"promtool check metrics rejected /metrics of port {webPort} (exit {exit}): {said}\n{text}");
        return text;
    }

    /// <summary>The value of one sample (name with its labels as written), or NaN when it is missing.</summary>
    private static double Value(string exposition, string sample)
    {
        foreach (var line in exposition.Split('\n'))
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
                return double.Parse(line[(sample.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        return double.NaN;
    }
}
