using RedundantGateway.StateSync;
using RedundantGateway.Tests.Alarms;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

public sealed class HybridClockSpec
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    [Fact]
    public void Readings_increase_while_the_wall_clock_stands_still_or_goes_back()
    {
        var time = new ManualTimeProvider();
        var clock = new HybridClock(time, node: 1);
        var first = clock.Now();
        var second = clock.Now();
        time.Advance(TimeSpan.FromSeconds(-30));
        var third = clock.Now();

        Assert.True(first < second && second < third, $"{first} {second} {third}");
        Assert.Equal(first.WallMs, third.WallMs);
        time.Advance(TimeSpan.FromSeconds(31));
        var fourth = clock.Now();
        Assert.Equal(0u, fourth.Counter);
        Assert.True(fourth > third);
    }

    [Fact]
    public void After_seeing_a_reading_of_a_peer_5_minutes_ahead_the_next_local_event_sorts_after_it()
    {
        var behind = new HybridClock(new ManualTimeProvider(), node: 1);
        var ahead = new HybridClock(new ManualTimeProvider(ManualTimeProvider.Start + Skew), node: 2);

        var acknowledged = ahead.Now();
        behind.Observe(acknowledged);
        var cleared = behind.Now();

        Assert.True(cleared > acknowledged, $"{cleared} should follow {acknowledged}");
        Assert.Equal(acknowledged.WallMs, cleared.WallMs);
    }

    [Fact]
    public void A_chain_of_cause_and_effect_across_skewed_nodes_keeps_its_order_both_ways()
    {
        var aTime = new ManualTimeProvider();
        var bTime = new ManualTimeProvider(ManualTimeProvider.Start - Skew);
        var a = new HybridClock(aTime, node: 1);
        var b = new HybridClock(bTime, node: 2);

        var chain = new List<HybridTimestamp> { a.Now() };
        for (var hop = 0; hop < 6; hop++)
        {
            var to = hop % 2 == 0 ? b : a;
            to.Observe(chain[^1]);
            chain.Add(to.Now());
            aTime.Advance(TimeSpan.FromMilliseconds(3));
            bTime.Advance(TimeSpan.FromMilliseconds(1));
        }

        for (var i = 1; i < chain.Count; i++) Assert.True(chain[i] > chain[i - 1], string.Join(" < ", chain));
    }

    [Fact]
    public void The_order_is_total_wall_then_counter_then_node()
    {
        var readings = new[]
        {
            new HybridTimestamp(10, 0, 2), new HybridTimestamp(10, 0, 1), new HybridTimestamp(9, 7, 2),
            new HybridTimestamp(10, 1, 1), new HybridTimestamp(9, 7, 1),
        };
        Assert.Equal(
            [new HybridTimestamp(9, 7, 1), new HybridTimestamp(9, 7, 2), new HybridTimestamp(10, 0, 1), new HybridTimestamp(10, 0, 2), new HybridTimestamp(10, 1, 1)],
            readings.Order().ToArray());
        Assert.True(new HybridTimestamp(10, 0, 1) < new HybridTimestamp(10, 0, 2));
    }

    [Fact]
    public void Merge_takes_the_greatest_of_the_three_and_counts_on_from_it()
    {
        Assert.Equal(new HybridTimestamp(500, 0, 1), HybridClock.Merge(new(100, 3, 1), new(200, 9, 2), physicalMs: 500, node: 1));
        Assert.Equal(new HybridTimestamp(200, 10, 1), HybridClock.Merge(new(100, 3, 1), new(200, 9, 2), physicalMs: 150, node: 1));
        Assert.Equal(new HybridTimestamp(200, 10, 1), HybridClock.Merge(new(200, 4, 1), new(200, 9, 2), physicalMs: 150, node: 1));
        Assert.Equal(new HybridTimestamp(300, 5, 1), HybridClock.Merge(new(300, 4, 1), new(200, 9, 2), physicalMs: 150, node: 1));
    }

    [Fact]
    public void A_counter_at_its_limit_moves_to_the_next_millisecond_rather_than_wrap()
    {
        var next = HybridClock.Next(new HybridTimestamp(100, uint.MaxValue, 1), physicalMs: 100, node: 1);
        Assert.Equal(new HybridTimestamp(101, 0, 1), next);
    }

    [Fact]
    public void A_restarted_node_whose_clock_went_back_continues_after_its_stored_readings()
    {
        var stored = new HybridTimestamp(ManualTimeProvider.Start.ToUnixTimeMilliseconds() + 60_000, 2, 1);
        var clock = new HybridClock(new ManualTimeProvider(), node: 1, last: stored);
        Assert.True(clock.Now() > stored);
    }
}
