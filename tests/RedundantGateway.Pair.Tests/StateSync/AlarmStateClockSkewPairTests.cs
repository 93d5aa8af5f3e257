using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 11 with the two nodes' clocks 5 minutes apart (<c>testing.clock-offset</c> on the backup): the alarm state is
/// ordered by hybrid clocks, so the skew decides nothing. One pair runs the three scenarios in turn: acknowledgements
/// on both sides of a partition converge; an ack on the master survives kill -9 of the master; an ack on the active
/// backup is on the restarted master when it is active again.
/// </summary>
public sealed class AlarmStateClockSkewPairTests(ITestOutputHelper output) : SteadyAlarmsPairTest(output)
{
    [Theory]
    [InlineData(-5)]
    [InlineData(5)]
    public Task With_the_backup_minutes_off_the_acks_converge_survive_kill_9_and_reach_the_restarted_master(int backupOffsetMinutes) => Scenario(async () =>
    {
        var offset = TimeSpan.FromMinutes(backupOffsetMinutes);
        var (masterSpec, backupSpec) = PairSpecs(viaProxies: true);
        backupSpec = backupSpec with { Extra = $"testing.clock-offset = {backupOffsetMinutes}m" };
        var (master, backup) = await StartPairWithSteadyAlarmsAsync(masterSpec, backupSpec, "a", "b", "c", "d", "e");

        // 1. A partition: acks on each side and on both.
        var (mastersAck, backupsAck, converged) = await AckOnBothSidesOfAPartitionAsync(master, backup, onMaster: "a", onBackup: "b", onBoth: "c");
        // The backup really runs off: its own acknowledgement is dated by its shifted clock.
        AssertDatedBy(backupsAck.AckedAt, offset, "the backup's ack of c");
        AssertDatedBy(mastersAck.AckedAt, TimeSpan.Zero, "the master's ack of c");
        Assert.Equal("b seen on the backup", converged["b"].AckNote);
        // The same result as without skew: both acknowledgements kept on both nodes. Which one ackedBy shows (the
        // earliest by hybrid stamp) is not decided by the order they were made in: the two are concurrent (neither
        // node knew of the other's), and a clock behind stamps its events just past what it last heard of the peer.
        var both = converged["c"];
        Assert.Equal([("op-master-both", "c seen on the master"), ("op-backup-both", "c seen on the backup")],
            AckList(both).OrderBy(a => a.By == "op-backup-both"));
        Assert.Equal((both.AckedBy, both.AckedAt, both.AckNote), (both.Acks![0].By, both.Acks[0].At, both.Acks[0].Note));
        var expected = both.AckedBy == mastersAck.AckedBy ? mastersAck : backupsAck;
        Assert.Equal((expected.AckedBy, expected.AckedAt, expected.AckNote), (both.AckedBy, both.AckedAt, both.AckNote));

        // 2. An ack on the master, kill -9 of the master: the backup shows it once active.
        await AckAsync(master, "d", "op-master", "d before the kill");
        await UntilShownAsync(backup, "d", "op-master");
        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        var onBackup = await AlarmAsync(backup, AlarmId("d"));
        Assert.True(onBackup is { State: "active", Acked: true, AckedBy: "op-master", AckNote: "d before the kill" }, $"the backup shows {Shown(onBackup)}");

        // 3. An ack on the active backup, the master restarted: it shows it once active again (read once, no polling:
        // the master goes active only after the backup's state is merged).
        var backupAckOfE = await AckAsync(backup, "e", "op-backup", "e while the master was down");
        AssertDatedBy(backupAckOfE.AckedAt, offset, "the backup's ack of e");
        var restarted = StartNode(masterSpec);
        await UntilPairSettledAsync(restarted, backup, "master", "the restarted master active again");
        foreach (var (name, by) in new[] { ("a", "op-master"), ("b", "op-backup"), ("d", "op-master"), ("e", "op-backup") })
        {
            var alarm = await AlarmAsync(restarted, AlarmId(name));
            Log($"{name} on the restarted master: {Shown(alarm)}");
            Assert.True(alarm is { State: "active", Acked: true } && alarm.AckedBy == by, $"{name} on the restarted master: {Shown(alarm)}");
        }
        Assert.Equal(Shown(both), Shown(await AlarmAsync(restarted, AlarmId("c"))));
        Assert.Equal(backupAckOfE.AckedAt, (await AlarmAsync(restarted, AlarmId("e")))!.AckedAt);
    });

    [Fact]
    public Task A_malformed_clock_offset_stops_the_node_with_one_line_naming_the_key() => Scenario(async () =>
    {
        var (masterSpec, _) = PairSpecs();
        var node = StartNode(masterSpec with { Extra = "testing.clock-offset = \"5 parsecs\"" });

        var exit = await node.WaitForExitAsync(Deadline);
        var stderr = node.StderrLines;
        Log($"exit code {exit}; stderr: {string.Join(" | ", stderr)}");
        Assert.True(exit is not null and not 0, $"the node exited with {exit}");
        Assert.True(stderr.Count == 1, $"expected exactly one stderr line, got {stderr.Count}:\n{string.Join("\n", stderr)}");
        Assert.Contains("redundant-gateway.testing.clock-offset", stderr[0]);
        Assert.Contains("5 parsecs", stderr[0]);
    });

    /// <summary>A time a node stamped just now by a clock <paramref name="offset"/> off the test's (within a minute: a slow machine).</summary>
    private void AssertDatedBy(DateTimeOffset? at, TimeSpan offset, string what)
    {
        Assert.NotNull(at);
        var off = at!.Value - DateTimeOffset.UtcNow;
        Log($"{what} dated {at:O}: {off.TotalSeconds:0.0} s from the test's clock");
        Assert.InRange(off, offset - TimeSpan.FromMinutes(1), offset + TimeSpan.FromSeconds(5));
    }
}
