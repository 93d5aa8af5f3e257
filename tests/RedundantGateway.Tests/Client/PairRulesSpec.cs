using System.Text.Json;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Client;

/// <summary>The pair client's decisions (<see cref="PairRules"/>) and its options, without nodes.</summary>
public sealed class PairRulesSpec
{
    private static NodeProbe Probe(int node, string level, long epoch = 1) =>
        new(node, new GwInfo(node == 0 ? "Master" : "Backup", level, true, epoch, node == 0 ? "master" : "backup", "1.0"), null);

    private static NodeProbe Down(int node) => new(node, null, "connection refused");

    [Fact]
    public void No_node_is_picked_until_one_says_active()
    {
        Assert.Null(PairRules.PickActive([null, null], preferred: 0));
        Assert.Null(PairRules.PickActive([Down(0), Probe(1, "Cold")], preferred: 0));
        Assert.Null(PairRules.PickActive([Probe(0, "Warm"), Probe(1, "Undecided")], preferred: null));
    }

    [Fact]
    public void The_node_that_says_active_is_picked_whether_it_is_the_one_the_client_was_on_or_the_other()
    {
        Assert.Equal(1, PairRules.PickActive([Down(0), Probe(1, "Active")], preferred: 0));
        Assert.Equal(0, PairRules.PickActive([Probe(0, "Active"), null], preferred: 0)); // its own came back first: it stays
        Assert.Equal(1, PairRules.PickActive([null, Probe(1, "Active")], preferred: 0));
    }

    [Fact]
    public void When_both_say_active_the_newer_epoch_wins_and_a_tie_keeps_the_node_the_client_was_on()
    {
        Assert.Equal(1, PairRules.PickActive([Probe(0, "Active", epoch: 3), Probe(1, "Active", epoch: 4)], preferred: 0));
        Assert.Equal(0, PairRules.PickActive([Probe(0, "Active", epoch: 5), Probe(1, "Active", epoch: 4)], preferred: 1));
        Assert.Equal(1, PairRules.PickActive([Probe(0, "Active", epoch: 4), Probe(1, "Active", epoch: 4)], preferred: 1));
        Assert.Equal(0, PairRules.PickActive([Probe(0, "Active", epoch: 4), Probe(1, "Active", epoch: 4)], preferred: null));
    }

    [Theory]
    [InlineData(TagStreamItem.LevelKind, "cold", "the node left active (level cold)")]
    [InlineData(TagStreamItem.LevelKind, "warm", "the node left active (level warm)")]
    [InlineData(TagStreamItem.LevelKind, "undecided", "the node left active (level undecided)")]
    [InlineData(TagStreamItem.SnapshotKind, "cold", "the node left active (level cold)")]
    [InlineData(TagStreamItem.HeartbeatKind, "warm", "the node left active (level warm)")]
    public void An_item_at_another_level_than_active_loses_the_node_at_once(string kind, string level, string reason) =>
        Assert.Equal(reason, PairRules.LossIn(new TagStreamItem(kind, level)));

    [Fact]
    public void An_end_loses_the_node_with_its_reason_and_active_items_do_not()
    {
        Assert.Equal("the node ended the stream (the reader fell behind)", PairRules.LossIn(new TagStreamItem(TagStreamItem.EndKind, Reason: "the reader fell behind")));
        Assert.Null(PairRules.LossIn(new TagStreamItem(TagStreamItem.HeartbeatKind, "active")));
        Assert.Null(PairRules.LossIn(new TagStreamItem(TagStreamItem.HeartbeatKind))); // before any level was sent
        Assert.Null(PairRules.LossIn(new TagStreamItem(TagStreamItem.LevelKind, "active")));
        Assert.Null(PairRules.LossIn(new TagStreamItem(TagStreamItem.SnapshotKind, "active", Tags: [])));
        Assert.Null(PairRules.LossIn(new TagStreamItem(TagStreamItem.ChangeKind, Tag: Value("a", 1, 0))));
    }

    [Fact]
    public void Silence_and_closing_say_so()
    {
        Assert.Equal("stream silent for 612 ms", PairRules.SilenceReason(TimeSpan.FromMilliseconds(612.3)));
        Assert.Equal("stream closed by the node", PairRules.ClosedReason(null));
        Assert.Equal("stream closed (Connection reset)", PairRules.ClosedReason(new IOException("Connection reset\nat ...")));
    }

    [Fact]
    public void The_other_node_is_followed_only_when_it_is_active_at_a_newer_epoch()
    {
        Assert.Null(PairRules.OtherTookOver(4, null));
        Assert.Null(PairRules.OtherTookOver(4, Down(1)));
        Assert.Null(PairRules.OtherTookOver(4, Probe(1, "Cold", epoch: 9)));
        Assert.Null(PairRules.OtherTookOver(4, Probe(1, "Active", epoch: 4)));
        Assert.Equal("the other node is active at a newer epoch (5 > 4)", PairRules.OtherTookOver(4, Probe(1, "Active", epoch: 5)));
    }

    [Fact]
    public void A_value_is_new_only_after_the_last_one_delivered_for_its_tag()
    {
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.True(PairRules.IsNew(null, t));
        Assert.True(PairRules.IsNew(t, t.AddTicks(1)));
        Assert.False(PairRules.IsNew(t, t));
        Assert.False(PairRules.IsNew(t, t.AddMilliseconds(-250)));
    }

    [Fact]
    public void An_alarm_changed_when_its_state_ack_shelve_or_quality_did_not_when_only_its_value_did()
    {
        var alarm = Alarm();
        Assert.True(PairRules.AlarmChanged(null, alarm));
        Assert.False(PairRules.AlarmChanged(alarm, alarm with { Value = 99, EvaluatedAt = DateTimeOffset.UnixEpoch.AddSeconds(5), Acks = [] }));
        Assert.True(PairRules.AlarmChanged(alarm, alarm with { State = "clear" }));
        Assert.True(PairRules.AlarmChanged(alarm, alarm with { Acked = true, AckedAt = DateTimeOffset.UnixEpoch }));
        Assert.True(PairRules.AlarmChanged(alarm, alarm with { Shelved = true }));
        Assert.True(PairRules.AlarmChanged(alarm, alarm with { Quality = "bad" }));
    }

    [Fact]
    public void Only_a_409_in_the_alarm_engines_words_is_a_not_active_refusal()
    {
        const string notActive = "this node is cold: acknowledgements and shelves are taken only by the active node; nothing was changed here; the active node is at http://127.0.0.1:8088";
        Assert.True(PairRules.IsNotActiveRefusal(409, notActive));
        Assert.False(PairRules.IsNotActiveRefusal(409, "alarm 'a01' has nothing to acknowledge"));
        Assert.False(PairRules.IsNotActiveRefusal(503, notActive));
    }

    [Fact]
    public void The_options_default_to_three_heartbeats_of_silence_and_bounded_waits_and_refuse_nonsense()
    {
        var options = new GatewayPairClientOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(600), options.Silence);
        Assert.Equal(TimeSpan.FromSeconds(5), options.WriteWait);
        Assert.True(options.RequestTimeout <= TimeSpan.FromSeconds(1));
        Assert.Same(options, options.Validate());
        var error = Assert.Throws<ArgumentException>(() => (options with { Silence = TimeSpan.Zero }).Validate());
        Assert.StartsWith("Silence must be positive", error.Message);
        Assert.Throws<ArgumentException>(() => (options with { RequestTimeout = TimeSpan.FromSeconds(-1) }).Validate());
        Assert.Throws<ArgumentException>(() => (options with { HistoryReplayMaxTags = -1 }).Validate());
        Assert.Throws<ArgumentException>(() => new GatewayPairClient(new Uri("http://a:1"), new Uri("http://b:2"), options with { WatchInterval = TimeSpan.Zero }));
    }

    [Fact]
    public async Task ForPair_makes_a_pair_client_of_both_addresses_and_a_write_with_no_active_node_fails_clearly_within_its_wait()
    {
        // Two ports nobody listens on: no node is ever active, so the ack waits its bound and says why, sent to no node.
        await using var pair = GatewayClient.ForPair(new Uri("http://127.0.0.1:1"), new Uri("http://127.0.0.1:2"),
            new GatewayPairClientOptions { WriteWait = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(["127.0.0.1:1", "127.0.0.1:2"], pair.Nodes.Select(n => n.Address));
        Assert.Null(pair.ActiveNode);
        var error = await Assert.ThrowsAsync<PairUnavailableException>(() => pair.AckAlarmAsync("projects/demo/alarms/a01", "op"));
        Assert.Contains("the ack of alarm 'projects/demo/alarms/a01' was not done: no active node known within 0.3 s", error.Message);
        Assert.Contains("sent to no standby", error.Message);
    }

    private static TagInfo Value(string path, double value, int seconds) =>
        new(path, JsonSerializer.SerializeToElement(value), "good", DateTime.UnixEpoch.AddSeconds(seconds));

    private static AlarmInfo Alarm() => new("projects/demo/alarms/a01", "projects/demo/tags/line1/temperature", "high", "active", false, false,
        DateTimeOffset.UnixEpoch, null, null, null, null, null, "above", "Demo/T", null, null, 60, "good", null, DateTimeOffset.UnixEpoch);
}
