using RedundantGateway.Liveness;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>Membership rule 5 as the failure detector applies it (docs/architecture.md).</summary>
public sealed class OneWayLinkRuleSpec
{
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromMilliseconds(1500);

    // ---- Rule 5: a one-way link is reset -------------------------------------------------------------------

    [Fact]
    public void Rule5_one_way_when_the_peer_is_judged_down_but_still_heard()
    {
        Assert.True(OneWayLinkRule.IsOneWay(peerJudgedDown: true, lastHeardFromPeerMs: 10_000, nowMs: 11_499, FailoverTimeout));
    }

    [Theory]
    [InlineData(false, 10_000L, 10_100L)]   // the peer answers: not judged down
    [InlineData(true, null, 10_100L)]       // never heard from it
    [InlineData(true, 10_000L, 11_500L)]    // heard last a failover timeout ago: it is silent, not one-way
    [InlineData(true, 10_000L, 60_000L)]
    public void Rule5_not_one_way_otherwise(bool judgedDown, long? lastHeard, long now)
    {
        Assert.False(OneWayLinkRule.IsOneWay(judgedDown, lastHeard, now, FailoverTimeout));
    }

    [Theory]
    [InlineData(1500, 12_000)]    // 8 x 1.5 s is 12 s
    [InlineData(500, 12_000)]     // never under 12 s
    [InlineData(100, 12_000)]
    [InlineData(3000, 24_000)]    // 8 x the failover timeout above that
    public void Rule5_the_link_is_reset_after_eight_failover_timeouts_and_at_least_twelve_seconds(int failoverMs, int limitMs)
    {
        var failover = TimeSpan.FromMilliseconds(failoverMs);

        var settings = TestSupport.Settings("").Liveness with { FailoverTimeout = failover }; // one-way-link-reset-min 12 s

        Assert.Equal(TimeSpan.FromMilliseconds(limitMs), OneWayLinkRule.Limit(failover, settings.OneWayLinkResetMin));
        Assert.False(OneWayLinkRule.MustReset(TimeSpan.FromMilliseconds(limitMs - 1), settings));
        Assert.True(OneWayLinkRule.MustReset(TimeSpan.FromMilliseconds(limitMs), settings));
    }
}
