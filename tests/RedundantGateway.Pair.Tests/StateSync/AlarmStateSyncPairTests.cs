using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 11 on a real pair (what ../shared/checks/state-sync checks, on free ports): an acknowledgement survives
/// kill -9 of the node it was made on, in both directions, and a restarted node catches up with deltas only (a full
/// state only when its state folder is gone). The alarms watch a ramp that never falls below their
/// setpoint, so they stay active (one activation) for the whole scenario and an acknowledgement stays current.
/// </summary>
public sealed class AlarmStateSyncPairTests(ITestOutputHelper output) : PairTest(output)
{
    private const string Tag = "projects/sync/tags/steady";
    private const string First = "projects/sync/alarms/first";
    private const string Second = "projects/sync/alarms/second";

    [Fact]
    public Task An_ack_on_the_master_is_shown_by_the_backup_after_kill_9_of_the_master() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var (master, backup) = await StartPairWithSteadyAlarmsAsync(masterSpec, backupSpec);

        await AckAsync(master, First, "op-master", "seen on the master");
        await UntilReplicatedAsync(master, backup, First, "op-master");
        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");

        var onBackup = await AlarmAsync(backup, First);
        Log($"on the backup after the takeover: {onBackup}");
        Assert.True(onBackup is { State: "active", Acked: true, AckedBy: "op-master", AckNote: "seen on the master" },
            $"the backup shows {onBackup}");
    });

    [Fact]
    public Task An_ack_on_the_active_backup_is_on_the_master_when_it_is_active_again_and_the_first_ack_is_kept() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var (master, backup) = await StartPairWithSteadyAlarmsAsync(masterSpec, backupSpec);
        await AckAsync(master, First, "op-master", "first");
        var firstAck = (await AlarmAsync(master, First))!.AckedAt;
        await UntilReplicatedAsync(master, backup, First, "op-master");

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        await AckAsync(backup, Second, "op-backup", "second");
        var backupFulls = (await backup.Api!.GetStatusAsync())!.StateSync!.FullTransfers;

        var restarted = StartNode(masterSpec);
        await UntilPairSettledAsync(restarted, backup, "master", "the restarted master active again");

        // Read once, no polling: the master goes active only after the backup's state is merged.
        var second = await AlarmAsync(restarted, Second);
        var first = await AlarmAsync(restarted, First);
        Log($"on the master once active again: {second}; {first}");
        Assert.True(second is { Acked: true, AckedBy: "op-backup", AckNote: "second" }, $"the master shows {second}");
        Assert.True(first is { Acked: true, AckedBy: "op-master", AckNote: "first" }, $"the master shows {first}");
        Assert.Equal(firstAck, first!.AckedAt);
        // Both streams resumed: the backup sent the master only what it missed, the master no full state either.
        Assert.Equal(backupFulls, (await backup.Api!.GetStatusAsync())!.StateSync!.FullTransfers);
        Assert.Equal(0, (await restarted.Api!.GetStatusAsync())!.StateSync!.FullTransfers);
        var events = await restarted.Api!.GetEventsAsync() ?? [];
        Assert.DoesNotContain(events, e => e.Kind == "state-full-transfer");
    });

    [Fact]
    public Task A_backup_restarted_with_kill_9_gets_deltas_only_and_with_its_state_deleted_one_full_state() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var (master, backup) = await StartPairWithSteadyAlarmsAsync(masterSpec, backupSpec);
        await AckAsync(master, First, "op-master", "before the restarts");
        await UntilReplicatedAsync(master, backup, First, "op-master");
        var fulls = (await master.Api!.GetStatusAsync())!.StateSync!.FullTransfers;

        // kill -9 of the backup; the master acknowledges meanwhile; the backup starts again from its folder.
        backup.KillHard();
        await backup.WaitForExitAsync(Deadline);
        await AckAsync(master, Second, "op-master", "while the backup was down");
        backup = StartNode(backupSpec);
        await UntilReplicatedAsync(master, backup, Second, "op-master");
        var afterRestart = (await master.Api!.GetStatusAsync())!.StateSync!;
        Log($"master stateSync after the backup's restart: {afterRestart}");
        Assert.Equal(fulls, afterRestart.FullTransfers);

        // Its state folder deleted: exactly one full state brings everything back.
        backup.KillHard();
        await backup.WaitForExitAsync(Deadline);
        Directory.Delete(Path.Combine(backupSpec.DataDir, "state-sync"), recursive: true);
        backup = StartNode(backupSpec);
        await UntilReplicatedAsync(master, backup, First, "op-master");
        await UntilReplicatedAsync(master, backup, Second, "op-master");
        var afterDelete = (await master.Api!.GetStatusAsync())!.StateSync!;
        Log($"master stateSync after the backup's state was deleted: {afterDelete}");
        Assert.Equal(fulls + 1, afterDelete.FullTransfers);
        Assert.Contains("lost its state", afterDelete.LastFullTransfer!.Reason);
    });

    private async Task<(NodeProcess Master, NodeProcess Backup)> StartPairWithSteadyAlarmsAsync(NodeSpec masterSpec, NodeSpec backupSpec)
    {
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        await master.Api!.Client.PutResourceAsync(Tag, """
            {"provider":"simulator","function":"ramp","dataType":"float","scanRateMs":250,"amplitude":100,"periodMs":10000,"offset":0,"seed":1}
            """);
        foreach (var alarm in new[] { First, Second })
            await master.Api!.Client.PutResourceAsync(alarm, $$"""
                {"tag":"{{Tag}}","condition":"above","setpoint":-1,"deadband":0,"onDelayMs":0,"offDelayMs":0,"priority":"high","displayPath":"Sync/{{alarm}}","notes":""}
                """);
        await UntilAsync(async () => (await AlarmAsync(master, First))?.State == "active" && (await AlarmAsync(master, Second))?.State == "active",
            "both alarms active on the master");
        await UntilAsync(async () => await AlarmAsync(backup, First) is not null && await AlarmAsync(backup, Second) is not null,
            "the backup holding both definitions");
        return (master, backup);
    }

    /// <summary>
    /// Shipping is asynchronous (batches every 10 ms): an acknowledgement answered a moment before a kill -9 may not
    /// have left yet, as in the reference. So the test waits until the standby shows it (the replicated state) first.
    /// </summary>
    private async Task UntilReplicatedAsync(NodeProcess master, NodeProcess backup, string id, string by)
    {
        await UntilAsync(async () => await AlarmAsync(backup, id) is { Acked: true } alarm && alarm.AckedBy == by,
            $"the standby backup showing {id} acknowledged by {by}");
        var sync = (await master.Api!.GetStatusAsync())?.StateSync;
        Log($"master stateSync: {sync}");
        Assert.True(sync is { DeltaBatches: > 0, FullTransfers: > 0 }, $"the master's stateSync: {sync}");
    }

    private async Task AckAsync(NodeProcess node, string id, string by, string note)
    {
        var answer = await node.Api!.Client.AckAlarmAsync(id, by, note);
        Assert.True(answer.Accepted, $"ack of {id} on the {node.Label} refused: {answer}");
    }

    private static async Task<AlarmInfo?> AlarmAsync(NodeProcess node, string id)
    {
        try
        {
            return (await node.Api!.Client.GetAlarmsAsync(prefix: id)).Alarms.FirstOrDefault(a => a.Id == id);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or GatewayException)
        {
            return null;
        }
    }
}
