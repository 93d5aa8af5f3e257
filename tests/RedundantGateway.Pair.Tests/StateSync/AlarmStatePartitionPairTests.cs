using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 11 on a real pair: acknowledgements made on both sides of a partition (both nodes active) are all kept once
/// the link heals, and both nodes show the same state (the reference keeps one side's and loses the other's).
/// </summary>
public sealed class AlarmStatePartitionPairTests(ITestOutputHelper output) : SteadyAlarmsPairTest(output)
{
    /// <param name="backupFirst">whether the backup acknowledges the alarm acknowledged on both before the master
    /// does: the two acknowledgements are concurrent either way, and both nodes must show the same one.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Acks_made_on_both_sides_of_a_partition_are_all_kept_and_both_nodes_converge(bool backupFirst) => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs(viaProxies: true);
        var (master, backup) = await StartPairWithSteadyAlarmsAsync(masterSpec, backupSpec, "a", "b", "c");

        var (mastersAck, backupsAck, converged) = await AckOnBothSidesOfAPartitionAsync(master, backup, onMaster: "a", onBackup: "b", onBoth: "c", backupFirst);

        Assert.Equal("a seen on the master", converged["a"].AckNote);
        Assert.Equal("b seen on the backup", converged["b"].AckNote);
        // Two acknowledgements of one activation, neither knowing the other: both nodes show the same one of them.
        var shown = converged["c"];
        var expected = shown.AckedBy == mastersAck.AckedBy ? mastersAck : backupsAck;
        Assert.Equal((expected.AckedBy, expected.AckedAt, expected.AckNote), (shown.AckedBy, shown.AckedAt, shown.AckNote));

        var (m, b) = await UntilPairSettledAsync(master, backup, "master", "still exactly one node (the master) active");
        Log($"settled: {m}; {b}");
        Assert.Equal(1, ProcessCount("master"));
        Assert.Equal(1, ProcessCount("backup"));
    });
}
