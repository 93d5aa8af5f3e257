using RedundantGateway.History;
using Xunit;

namespace RedundantGateway.Tests.Historian;

public sealed class PartialHistoryRulesSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(NodeRole.Backup, HistoryLevel.Partial, ActivityLevel.Cold, 5, true)]
    [InlineData(NodeRole.Backup, HistoryLevel.Partial, ActivityLevel.Warm, 5, true)]
    [InlineData(NodeRole.Backup, HistoryLevel.Partial, ActivityLevel.Undecided, 5, true)]
    [InlineData(NodeRole.Backup, HistoryLevel.Partial, ActivityLevel.Active, 5, false)]
    [InlineData(NodeRole.Backup, HistoryLevel.Partial, ActivityLevel.Cold, 0, false)]
    [InlineData(NodeRole.Backup, HistoryLevel.Full, ActivityLevel.Cold, 5, false)]
    [InlineData(NodeRole.Master, HistoryLevel.Partial, ActivityLevel.Cold, 5, false)]
    public void A_backup_in_partial_mode_asks_once_not_active_with_unsettled_samples(NodeRole role, HistoryLevel level, ActivityLevel activity, long unsettled, bool asks) =>
        Assert.Equal(asks, PartialHistoryRules.AsksMasterLedger(role, level, activity, unsettled));

    [Fact]
    public void Only_the_latest_answer_of_a_logging_master_settles()
    {
        Assert.True(PartialHistoryRules.Settles(new HistoryLedgerReply(3, [], true, T0), 3));
        Assert.False(PartialHistoryRules.Settles(new HistoryLedgerReply(3, [], false, T0), 3));
        Assert.False(PartialHistoryRules.Settles(new HistoryLedgerReply(2, [], true, T0), 3));
    }

    [Fact]
    public void A_sample_is_dropped_inside_the_master_intervals_forwarded_outside_and_waits_after_the_answer()
    {
        var ledger = PartialReconciliation.Normalise([new LoggingInterval(T0, T0.AddSeconds(10)), new LoggingInterval(T0.AddSeconds(30), T0.AddSeconds(40))]);
        var answeredAt = T0.AddSeconds(40);
        Assert.Equal(PartialSampleFate.Drop, PartialHistoryRules.Fate(T0, ledger, answeredAt));
        Assert.Equal(PartialSampleFate.Drop, PartialHistoryRules.Fate(T0.AddSeconds(10), ledger, answeredAt));
        Assert.Equal(PartialSampleFate.Forward, PartialHistoryRules.Fate(T0.AddSeconds(11), ledger, answeredAt));
        Assert.Equal(PartialSampleFate.Forward, PartialHistoryRules.Fate(T0.AddSeconds(-1), ledger, answeredAt));
        Assert.Equal(PartialSampleFate.Drop, PartialHistoryRules.Fate(T0.AddSeconds(35), ledger, answeredAt));
        Assert.Equal(PartialSampleFate.Wait, PartialHistoryRules.Fate(T0.AddSeconds(41), ledger, answeredAt));
        Assert.Equal(PartialSampleFate.Forward, PartialHistoryRules.Fate(T0.AddSeconds(41), ledger, null));
    }
}
