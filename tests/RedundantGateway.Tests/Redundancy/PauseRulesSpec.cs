using RedundantGateway.Configuration;
using RedundantGateway.Redundancy;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class PauseRulesSpec
{
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Check = TimeSpan.FromMilliseconds(100);
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void The_limit_is_the_shortest_silence_after_which_the_peer_may_take_over()
    {
        // The peer counts the failover timeout from this node's last answer, up to one heartbeat before the pause.
        Assert.Equal(Ms(1300), PauseRules.Limit(FailoverTimeout, Heartbeat));
        // A heartbeat interval at or above the failover timeout is refused by the settings; the rule stays sane anyway.
        Assert.Equal(Ms(100), PauseRules.Limit(Ms(100), Ms(200)));
    }

    [Theory]
    [InlineData(100, false)]    // on time
    [InlineData(900, false)]    // a stall the peer waits out
    [InlineData(1299, false)]
    [InlineData(1300, true)]    // the peer may have judged this node down
    [InlineData(10_000, true)]  // SIGSTOP for 10 s
    public void A_node_that_did_not_run_for_the_limit_may_have_lost_its_role(double sinceLastRunMs, bool lost)
    {
        var limit = PauseRules.Limit(FailoverTimeout, Heartbeat);
        Assert.Equal(lost, PauseRules.MayHaveLostRole(Ms(sinceLastRunMs), Check, limit));
    }

    [Fact]
    public void A_check_interval_longer_than_the_limit_is_not_a_pause_by_itself()
    {
        Assert.False(PauseRules.MayHaveLostRole(Ms(2000), Ms(2000), Ms(1300)));
        Assert.True(PauseRules.MayHaveLostRole(Ms(2500), Ms(2000), Ms(1300)));
    }

    [Theory]
    [InlineData(ActivityLevel.Active, 5, ActivityLevel.Active)]
    [InlineData(ActivityLevel.Active, 1300, ActivityLevel.Undecided)]
    [InlineData(ActivityLevel.Active, 8000, ActivityLevel.Undecided)]
    [InlineData(ActivityLevel.Cold, 8000, ActivityLevel.Cold)]
    [InlineData(ActivityLevel.Warm, 8000, ActivityLevel.Warm)]
    public void A_status_answer_older_than_the_limit_never_shows_active(ActivityLevel level, double answeredMsAgo, ActivityLevel shown)
    {
        Assert.Equal(shown, PauseRules.LevelToShow(level, Ms(answeredMsAgo), Ms(1300)));
    }
}
