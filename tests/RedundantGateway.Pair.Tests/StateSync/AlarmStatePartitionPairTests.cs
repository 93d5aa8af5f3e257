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
    /// <remarks>
    /// The backup acknowledges the alarm acknowledged on both first: the active master then usually holds its own ack
    /// as the later one, and must still show the merged first (it showed its own before: the nodes differed).
    /// </remarks>
    [Fact]
    public Task Acks_made_on_both_sides_of_a_partition_are_all_kept_and_both_nodes_converge() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs(viaProxies: true);
        var (master, backup) = await StartPairWithSteadyAlarmsAsync(masterSpec, backupSpec, "a", "b", "c");

        var (mastersAck, backupsAck, converged) = await AckOnBothSidesOfAPartitionAsync(master, backup, onMaster: "a", onBackup: "b", onBoth: "c", backupFirst: true);

        Assert.Equal("a seen on the master", converged["a"].AckNote);
        Assert.Equal("b seen on the backup", converged["b"].AckNote);
        // Two acknowledgements of one activation, neither knowing the other: both kept, listed earliest first by their
        // hybrid stamps, and ackedBy shows the first of the list on both nodes. Which one is first is not the order the
        // operators acted in: the two are concurrent, each stamped when its node's replicator took it.
        var shown = converged["c"];
        Assert.Equal([("op-master-both", "c seen on the master"), ("op-backup-both", "c seen on the backup")],
            AckList(shown).OrderBy(a => a.By == "op-backup-both"));
        Assert.Equal((shown.AckedBy, shown.AckedAt, shown.AckNote), (shown.Acks![0].By, shown.Acks[0].At, shown.Acks[0].Note));
        var expected = shown.AckedBy == mastersAck.AckedBy ? mastersAck : backupsAck;
        Assert.Equal((expected.AckedBy, expected.AckedAt, expected.AckNote), (shown.AckedBy, shown.AckedAt, shown.AckNote));

        var (m, b) = await UntilPairSettledAsync(master, backup, "master", "still exactly one node (the master) active");
        Log($"settled: {m}; {b}");
        Assert.Equal(1, ProcessCount("master"));
        Assert.Equal(1, ProcessCount("backup"));
    });
}
