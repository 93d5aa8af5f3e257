using RedundantGateway.Configuration;
using RedundantGateway.History;
using Xunit;

namespace RedundantGateway.Tests.Historian;

/// <summary>The history cache's settings (redundant-gateway.history.cache / .forward) and the /api/history query check.</summary>
public sealed class HistorySettingsSpec
{
    private static HistorySettings Read(string hocon) =>
        HistorySettings.Create(GatewayConfig.Parse("redundant-gateway.data-dir = \"/var/rg\"\n" + hocon, "spec.hocon"));

    [Fact]
    public void The_defaults_come_from_reference_conf_and_a_node_file_overrides_them()
    {
        var defaults = Read("");
        Assert.Equal(Path.GetFullPath("/var/rg/history-cache"), defaults.CacheDirectory);
        Assert.Equal(TimeSpan.FromMilliseconds(100), defaults.SyncInterval);
        Assert.Equal(10_000, defaults.SyncRecords);
        Assert.Equal(16L * 1024 * 1024, defaults.SegmentBytes);
        Assert.Equal(("redundant-gateway", 50_000), (defaults.PairName, defaults.BatchSize));
        Assert.Equal((TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10)), (defaults.RetryMinBackoff, defaults.RetryMaxBackoff));
        Assert.Equal(Path.GetFullPath("/var/rg/history-ledger/ledger.txt"), defaults.LedgerPath);
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.LedgerExtendInterval);
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5)), (defaults.LedgerAskMinBackoff, defaults.LedgerAskMaxBackoff));
        Assert.Equal(TimeSpan.FromMilliseconds(250), Read("redundant-gateway.history.ledger.extend-interval = 250ms").LedgerExtendInterval);

        var given = Read("""
            redundant-gateway.history.cache { directory = "/tmp/h", sync-interval = 0ms, segment-bytes = 1MiB }
            redundant-gateway.history.forward { pair-name = line-a, batch-size = 100 }
            """);
        Assert.Equal((Path.GetFullPath("/tmp/h"), TimeSpan.Zero, 1L << 20), (given.CacheDirectory, given.SyncInterval, given.SegmentBytes));
        Assert.Equal(("line-a", 100), (given.PairName, given.BatchSize));
        // And through the node's whole settings.
        Assert.Equal("line-a", TestSupport.Settings("""
            node-name = a
            history.forward.pair-name = line-a
            """).History.PairName);
    }

    [Theory]
    [InlineData("redundant-gateway.history.forward.batch-size = 0", "redundant-gateway.history.forward.batch-size")]
    [InlineData("redundant-gateway.history.cache.sync-interval = soon", "redundant-gateway.history.cache.sync-interval")]
    [InlineData("redundant-gateway.history.cache.segment-bytes = 1KiB", "redundant-gateway.history.cache.segment-bytes")]
    [InlineData("redundant-gateway.history.forward.retry-max-backoff = 10ms", "redundant-gateway.history.forward.retry-max-backoff")]
    [InlineData("redundant-gateway.history.forward.pair-name = \"\"", "redundant-gateway.history.forward.pair-name")]
    [InlineData("redundant-gateway.history.ledger.extend-interval = 0s", "redundant-gateway.history.ledger.extend-interval")]
    [InlineData("redundant-gateway.history.ledger.ask-max-backoff = 10ms", "redundant-gateway.history.ledger.ask-max-backoff")]
    public void A_bad_value_is_one_line_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<GatewayConfigException>(() => Read(hocon));
        Assert.Contains(key, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(null, "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", null, "tag is required")]
    [InlineData("t", "yesterday", "2026-01-01T01:00:00Z", null, "from 'yesterday' is not an ISO 8601 time")]
    [InlineData("t", "2026-01-01T00:00:00Z", null, null, "to '' is not an ISO 8601 time")]
    [InlineData("t", "2026-01-01T02:00:00Z", "2026-01-01T01:00:00Z", null, "is before from")]
    [InlineData("t", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "1", "maxPoints '1' must be a whole number from 2")]
    [InlineData("t", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "many", "maxPoints 'many'")]
    public void A_bad_history_query_is_one_line(string? tag, string? from, string? to, string? maxPoints, string expected)
    {
        Assert.False(RedundantGateway.Node.HistoryApi.TryParseQuery(tag, from, to, maxPoints, out _, out var error));
        Assert.Contains(expected, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void A_good_history_query_is_read_in_UTC()
    {
        Assert.True(RedundantGateway.Node.HistoryApi.TryParseQuery("projects/p/tags/a", "2026-01-01T01:00:00+01:00", "2026-01-01T01:00:00Z", "500", out var query, out _));
        Assert.Equal(new QueryHistory("projects/p/tags/a", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero), 500), query);
        var point = RedundantGateway.Node.HistoryApi.ToPoint(new HistorySample("a", query.From.AddMilliseconds(5), 1.5, global::RedundantGateway.Tags.TagQuality.Good, "master", 7));
        Assert.Equal(new global::RedundantGateway.Client.HistoryPoint("2026-01-01T00:00:00.005Z", 1.5, "good", "master", 7), point);
    }
}

/// <summary>The shape of GET /api/history as issue 12 states it.</summary>
public sealed class HistoryContractSpec
{
    [Fact]
    public void A_history_answer_has_the_tag_and_samples_of_t_v_q_node_epoch()
    {
        var answer = new global::RedundantGateway.Client.HistoryAnswer("projects/demo/tags/a",
        [
            new("2026-12-02T05:00:00.250Z", 1.5, "good", "master", 7),
            new("2026-12-02T05:00:01.000Z", null, "bad", "backup", 8),
        ]);
        var json = System.Text.Json.JsonSerializer.Serialize(answer, global::RedundantGateway.Client.ContractJson.Options);
        Assert.Equal(
            """{"tag":"projects/demo/tags/a","samples":[{"t":"2026-12-02T05:00:00.250Z","v":1.5,"q":"good","node":"master","epoch":7},"""
            + """{"t":"2026-12-02T05:00:01.000Z","v":null,"q":"bad","node":"backup","epoch":8}]}""", json);
    }
}
