using RedundantGateway.ConfigSync;
using RedundantGateway.Node;
using RedundantGateway.Node.Metrics;
using RedundantGateway.Redundancy;
using RedundantGateway.StateSync;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>
/// The operator surface's pure parts: which requests need the token, the events query values, the status flags, and
/// which events count as failovers for /metrics.
/// </summary>
public sealed class OperatorSurfaceRulesSpec
{
    [Theory]
    [InlineData("POST", "/api/redundancy/failover", false, true)]
    [InlineData("PUT", "/api/config/a/b", false, true)]
    [InlineData("DELETE", "/api/config/a/b", false, true)]
    [InlineData("POST", "/API/Redundancy/Resync", false, true)]
    [InlineData("GET", "/api/redundancy", false, false)]
    [InlineData("GET", "/api/redundancy", true, true)]
    [InlineData("GET", "/metrics", false, false)]
    [InlineData("GET", "/metrics", true, true)]
    [InlineData("POST", "/hubs/tags/negotiate", false, false)]
    [InlineData("POST", "/hubs/tags/negotiate", true, true)]
    [InlineData("GET", "/system/gwinfo", true, false)]
    [InlineData("GET", "/status/redundancy", true, false)]
    [InlineData("GET", "/apis", false, false)]
    public void Writes_under_api_always_need_the_token_reads_only_when_protected_gwinfo_never(string method, string path, bool protectReads, bool needs) =>
        Assert.Equal(needs, ApiTokenGate.NeedsToken(method, path, protectReads));

    [Fact]
    public void The_401_line_never_repeats_what_was_sent()
    {
        Assert.Contains("required", ApiTokenGate.Refusal(null));
        Assert.DoesNotContain("guess-123", ApiTokenGate.Refusal("guess-123"));
        Assert.DoesNotContain('\n', ApiTokenGate.Refusal("x"));
    }

    [Theory]
    [InlineData(null, null, null, 100, null, null)]
    [InlineData("5", "42", "Peer", 5, 42L, "Peer")]
    [InlineData("0", "", "  ", 0, null, null)]
    [InlineData("10000", null, null, 10_000, null, null)]
    public void Events_query_values_are_read(string? limit, string? before, string? q, int expectedLimit, long? expectedBefore, string? expectedText)
    {
        Assert.True(EventsApi.TryParse(limit, before, q, out var query, out _));
        Assert.Equal(new GetRedundancyEvents(expectedLimit, expectedBefore, expectedText), query);
    }

    [Theory]
    [InlineData("x", null, "limit")]
    [InlineData("-1", null, "limit")]
    [InlineData("10001", null, "limit")]
    [InlineData(null, "abc", "before")]
    [InlineData(null, "0", "before")]
    [InlineData(null, "-3", "before")]
    public void Bad_events_query_values_are_one_line_naming_the_value(string? limit, string? before, string names)
    {
        Assert.False(EventsApi.TryParse(limit, before, null, out _, out var error));
        Assert.StartsWith(names, error);
        Assert.DoesNotContain('\n', error);
    }

    private static ConfigSyncStatus Config(string state, string? editsRefused = null) =>
        new("id", 5, "d", 5, state, null, null, 0, 0, 0, null, "m", 0, null, 0, "", editsRefused);

    private static StateSyncStatus State(long sent, long acked) => new(sent, acked, 0, 0, 0, 0, 0, 0, null);

    [Fact]
    public void Config_access_is_the_masters_or_an_independent_nodes_while_it_takes_edits()
    {
        Assert.True(OperatorStatusRules.HasConfigAccess(NodeRole.Master, Config("backup-in-sync")));
        Assert.True(OperatorStatusRules.HasConfigAccess(NodeRole.Independent, Config("no-backup")));
        Assert.False(OperatorStatusRules.HasConfigAccess(NodeRole.Backup, Config("in-sync")));
        Assert.False(OperatorStatusRules.HasConfigAccess(NodeRole.Master, Config("edits-refused", "older than the backup's")));
        Assert.False(OperatorStatusRules.HasConfigAccess(NodeRole.Master, null));
    }

    [Theory]
    [InlineData("backup-in-sync", 3, 3, false)]
    [InlineData("backup-behind", 3, 3, true)]
    [InlineData("backup-in-sync", 4, 3, true)]
    [InlineData("backup-disconnected", 3, 3, false)]
    [InlineData("no-backup", 3, 3, false)]
    [InlineData("full-transfer", 0, 0, true)]
    [InlineData("never-synced", 0, 0, true)]
    [InlineData("in-sync", 0, 0, false)]
    public void Sync_is_pending_while_configuration_or_alarm_state_is_not_on_both_nodes(string configState, long sent, long acked, bool pending) =>
        Assert.Equal(pending, OperatorStatusRules.SyncPending(NodeRole.Master, Config(configState), State(sent, acked)));

    [Fact]
    public void An_independent_node_never_has_sync_pending() =>
        Assert.False(OperatorStatusRules.SyncPending(NodeRole.Independent, Config("behind"), State(5, 1)));

    private static RedundancyEvent Event(string kind, string level) => new(DateTimeOffset.UtcNow, kind, "r", 1, level);

    [Theory]
    [InlineData("failover", "active", "peer-down")]
    [InlineData("designation", "active", "designation")]
    [InlineData("handover", "active", "handover")]
    [InlineData("activity-changed", "active", "alone")]
    [InlineData("designation", "cold", null)]
    [InlineData("peer-down", "active", null)]
    [InlineData("failover-requested", "active", null)]
    public void A_failover_is_an_event_in_which_this_node_became_active(string kind, string level, string? cause) =>
        Assert.Equal(cause, MetricRules.FailoverCause(Event(kind, level)));

    [Fact]
    public void A_running_total_that_starts_over_counts_all_of_it_as_new()
    {
        Assert.Equal(5, MetricRules.Growth(0, 5));
        Assert.Equal(2, MetricRules.Growth(5, 7));
        Assert.Equal(0, MetricRules.Growth(7, 7));
        Assert.Equal(3, MetricRules.Growth(7, 3));
    }
}
