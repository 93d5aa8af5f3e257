using RedundantGateway.History;
using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.Historian;

/// <summary>Sampling (onChange with the history deadband, periodic by slot) and the forwarding rules: pure logic.</summary>
public sealed class HistorySamplerSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
    private const string A = "projects/p/tags/a";
    private const string B = "projects/p/tags/b";

    private static TagValue Value(string tag, double value, int ms, TagQuality quality = TagQuality.Good) =>
        new(tag, value, quality, T0.AddMilliseconds(ms));

    [Fact]
    public void OnChange_logs_the_first_value_then_only_moves_past_the_history_deadband_or_a_quality_change()
    {
        var sampler = new HistorySampler();
        sampler.Configure(new Dictionary<string, TagHistory> { [A] = new(TagHistoryMode.OnChange, 0.5, 1000) });
        var logged = new List<HistorySample>();
        foreach (var (value, ms) in new[] { (10.0, 0), (10.4, 100), (10.6, 200), (10.9, 300), (11.2, 400) })
            logged.AddRange(sampler.OnValues([Value(A, value, ms)], "master", 7));
        logged.AddRange(sampler.OnValues([Value(A, 11.2, 500, TagQuality.Bad), Value(B, 1, 500)], "master", 7));

        Assert.Equal([10.0, 10.6, 11.2, 11.2], logged.Select(s => (double)s.Value!));
        Assert.Equal(TagQuality.Bad, logged[^1].Quality);
        Assert.All(logged, s => Assert.Equal((A, "master", 7L), (s.Tag, s.Node, s.Epoch)));
        Assert.Equal(T0.AddMilliseconds(200), logged[1].Timestamp);
    }

    [Fact]
    public void Periodic_logs_the_current_value_once_per_period_stamped_with_the_period_start()
    {
        var sampler = new HistorySampler();
        sampler.Configure(new Dictionary<string, TagHistory>
        {
            [A] = new(TagHistoryMode.Periodic, 0, 1000),
            [B] = new(TagHistoryMode.Periodic, 0, 500),
        });
        Assert.Equal(new HashSet<int> { 500, 1000 }, sampler.PeriodicRates);
        Assert.Empty(sampler.OnTick(1000, T0, "backup", 2)); // no value yet
        Assert.Empty(sampler.OnValues([Value(A, 3, 0), Value(B, 4, 0)], "backup", 2)); // periodic tags log on ticks only

        var first = Assert.Single(sampler.OnTick(1000, T0.AddMilliseconds(1003), "backup", 2));
        Assert.Equal(new HistorySample(A, T0.AddSeconds(1), 3.0, TagQuality.Good, "backup", 2), first);
        Assert.Empty(sampler.OnTick(1000, T0.AddMilliseconds(1990), "backup", 2)); // same period
        Assert.Equal(T0.AddSeconds(2), Assert.Single(sampler.OnTick(1000, T0.AddMilliseconds(2001), "backup", 2)).Timestamp);
        Assert.Equal(B, Assert.Single(sampler.OnTick(500, T0.AddMilliseconds(2001), "backup", 2)).Tag);
    }

    [Fact]
    public void Only_an_active_node_samples_and_a_partial_mode_backup_never_forwards()
    {
        Assert.True(ForwardingRules.Samples(ActivityLevel.Active));
        Assert.False(ForwardingRules.Samples(ActivityLevel.Warm));

        Assert.True(ForwardingRules.Forwards(NodeRole.Master, HistoryLevel.Partial, ActivityLevel.Active, 4, null));
        Assert.True(ForwardingRules.Forwards(NodeRole.Backup, HistoryLevel.Full, ActivityLevel.Active, 4, null));
        Assert.False(ForwardingRules.Forwards(NodeRole.Backup, HistoryLevel.Partial, ActivityLevel.Active, 4, null));
        Assert.False(ForwardingRules.Forwards(NodeRole.Master, HistoryLevel.Full, ActivityLevel.Warm, 4, null));
        // Active but not yet announced under an epoch: nothing to stamp a batch with.
        Assert.False(ForwardingRules.Forwards(NodeRole.Master, HistoryLevel.Full, ActivityLevel.Active, null, null));
        // Fenced by the store: only a newer epoch writes again.
        Assert.False(ForwardingRules.Forwards(NodeRole.Master, HistoryLevel.Full, ActivityLevel.Active, 4, 5));
        Assert.True(ForwardingRules.Forwards(NodeRole.Master, HistoryLevel.Full, ActivityLevel.Active, 6, 5));
    }

    [Fact]
    public void The_backoff_doubles_up_to_its_bound_and_fsync_follows_the_policy()
    {
        var min = TimeSpan.FromMilliseconds(200);
        var max = TimeSpan.FromSeconds(1);
        var waits = new List<TimeSpan>();
        TimeSpan? last = null;
        for (var i = 0; i < 5; i++) waits.Add((last = ForwardingRules.NextBackoff(last, min, max)).Value);
        Assert.Equal([200, 400, 800, 1000, 1000], waits.Select(w => w.TotalMilliseconds));

        Assert.False(ForwardingRules.SyncNow(0, TimeSpan.FromHours(1), TimeSpan.Zero, 10));
        Assert.True(ForwardingRules.SyncNow(1, TimeSpan.Zero, TimeSpan.Zero, 10));
        Assert.False(ForwardingRules.SyncNow(9, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), 10));
        Assert.True(ForwardingRules.SyncNow(10, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), 10));
        Assert.True(ForwardingRules.SyncNow(1, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), 10));
    }
}
