using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The demo's alarms on a real pair: they fire from the master's simulated tags, an acknowledgement is taken only
/// by the active node (the cold backup answers 409), and after kill -9 of the master the backup evaluates the same
/// alarms. (That their acknowledgements survive it: StateSync/AlarmStateSyncPairTests.)
/// </summary>
public sealed class DemoAlarmsPairTests(ITestOutputHelper output) : PairTest(output)
{
    private const string Prefix = "projects/demo/alarms/";

    [Fact]
    public Task The_masters_demo_alarms_fire_acks_go_to_the_active_node_and_the_backup_evaluates_after_kill_9() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "  demo.enabled = on" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        var active = await UntilActiveAlarmAsync(master, "an alarm active on the master from its simulated tags");
        Log($"active on the master: {active.Id} ({active.Tag} {active.Condition}, value {active.Value})");
        // The master's engine runs an alarm as soon as its own store has it; on a loaded machine the backup may
        // still be taking its first transfer then (it would answer 404, not the 409 of a cold node).
        await UntilAsync(async () => (await ConfigHttp.GetConfigAsync(backup))?.Resources.ContainsKey(active.Id) == true,
            $"the backup holding the definition of {active.Id}");

        var refused = await backup.Api!.Client.SendAsync(HttpMethod.Post, GatewayRoutes.AlarmAction(active.Id, "ack"),
            new StringContent("""{"by":"op","note":"from the backup"}""", System.Text.Encoding.UTF8, "application/json"));
        Log($"ack on the cold backup: {refused.StatusCode} {refused.Body}");
        Assert.Equal(409, refused.StatusCode);

        var acked = await master.Api!.Client.AckAlarmAsync(active.Id, "op", "seen");
        Assert.True(acked.Accepted, $"ack on the master refused: {acked}");
        Assert.True((await master.Api!.Client.GetAlarmsAsync(prefix: active.Id)).Alarms.Single(a => a.Id == active.Id) is { Acked: true, AckedBy: "op" });

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        var afterTakeover = await UntilActiveAlarmAsync(backup, "an alarm active on the backup after the takeover");
        Log($"active on the backup: {afterTakeover.Id}");
        var all = await backup.Api!.Client.GetAlarmsAsync(prefix: Prefix);
        Assert.True(all.Alarms.Count >= 10, $"the backup lists {all.Alarms.Count} demo alarms");
    });

    private async Task<AlarmInfo> UntilActiveAlarmAsync(NodeProcess node, string what)
    {
        AlarmInfo? found = null;
        await UntilAsync(async () =>
        {
            var list = await node.Api!.Client.GetAlarmsAsync(state: "active", prefix: Prefix);
            found = list.Alarms.FirstOrDefault(a => a.Condition != "badQuality" && !a.Acked);
            return found is not null;
        }, what);
        return found!;
    }
}
