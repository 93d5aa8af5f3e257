using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// A pair with alarms that stay active for the whole scenario (they watch a ramp that never falls below their setpoint,
/// so one activation lasts and an acknowledgement of it stays current), and the steps of the state-sync scenarios:
/// acknowledge, read an alarm, wait until both nodes show the same acknowledgements. The demo's alarms are not used:
/// they clear and fire again every few seconds, so an acknowledgement made before a partition or a kill would belong to
/// a past activation by the time it is checked, and the test would check the demo's timing rather than the sync.
/// </summary>
public abstract class SteadyAlarmsPairTest(ITestOutputHelper output) : PairTest(output)
{
    protected const string Tag = "projects/sync/tags/steady";

    protected static string AlarmId(string name) => $"projects/sync/alarms/{name}";

    /// <summary>Starts the pair (master active), defines the steady alarms on the master and waits until they are
    /// active there and their activation is replicated to the backup.</summary>
    protected async Task<(NodeProcess Master, NodeProcess Backup)> StartPairWithSteadyAlarmsAsync(NodeSpec masterSpec, NodeSpec backupSpec,
        params string[] names)
    {
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        await master.Api!.Client.PutResourceAsync(Tag, """
            {"provider":"simulator","function":"ramp","dataType":"float","scanRateMs":250,"amplitude":100,"periodMs":10000,"offset":0,"seed":1}
            """);
        foreach (var name in names)
            await master.Api!.Client.PutResourceAsync(AlarmId(name), $$"""
                {"tag":"{{Tag}}","condition":"above","setpoint":-1,"deadband":0,"onDelayMs":0,"offDelayMs":0,"priority":"high","displayPath":"Sync/{{name}}","notes":""}
                """);
        foreach (var name in names)
        {
            await UntilAsync(async () => (await AlarmAsync(master, AlarmId(name)))?.State == "active", $"{name} active on the master");
            // The cold backup shows the replicated activation (its own engine evaluates nothing at cold).
            await UntilAsync(async () => (await AlarmAsync(backup, AlarmId(name)))?.State == "active", $"{name} shown active on the backup");
        }
        return (master, backup);
    }

    protected async Task<AlarmInfo> AckAsync(NodeProcess node, string name, string by, string note)
    {
        var answer = await node.Api!.Client.AckAlarmAsync(AlarmId(name), by, note);
        Assert.True(answer.Accepted, $"ack of {name} on the {node.Label} refused: {answer}");
        Log($"{name} acknowledged on the {node.Label} by {by}: {answer.Alarm}");
        return answer.Alarm;
    }

    protected static async Task<AlarmInfo?> AlarmAsync(NodeProcess node, string id)
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

    /// <summary>What a scenario compares of an alarm: its state, the acknowledgement it shows and every acknowledgement listed.</summary>
    protected static string Shown(AlarmInfo? alarm) =>
        alarm is null ? "(none)" : $"{alarm.State}, acked {alarm.Acked} by {alarm.AckedBy} at {alarm.AckedAt:O} ({alarm.AckNote}); " +
            $"acks [{string.Join(", ", (alarm.Acks ?? []).Select(a => $"{a.By} at {a.At:O} ({a.Note})"))}]";

    /// <summary>Who acknowledged, with the note, in the listed order.</summary>
    protected static IEnumerable<(string By, string? Note)> AckList(AlarmInfo alarm) => (alarm.Acks ?? []).Select(a => (a.By, a.Note));

    /// <summary>
    /// Polls until both nodes show every alarm of <paramref name="expected"/> active, acknowledged by all of its users
    /// (the <c>acks</c> list) and each alarm alike on both nodes (the same acknowledgements, to the tick); returns the
    /// master's views.
    /// </summary>
    protected async Task<IReadOnlyDictionary<string, AlarmInfo>> UntilBothShowAsync(NodeProcess master, NodeProcess backup,
        IReadOnlyDictionary<string, string[]> expected, string what)
    {
        var seen = new Dictionary<string, AlarmInfo>();
        var last = "";
        try
        {
            await UntilAsync(async () =>
            {
                foreach (var (name, users) in expected)
                {
                    var onMaster = await AlarmAsync(master, AlarmId(name));
                    var onBackup = await AlarmAsync(backup, AlarmId(name));
                    last = $"{name}: master {Shown(onMaster)}; backup {Shown(onBackup)}";
                    if (onMaster is not { State: "active", Acked: true } || !users.Contains(onMaster.AckedBy)) return false;
                    if (!users.Order().SequenceEqual((onMaster.Acks ?? []).Select(a => a.By).Order())) return false;
                    if (Shown(onMaster) != Shown(onBackup)) return false;
                    seen[name] = onMaster;
                }
                return true;
            }, what);
        }
        catch (PollTimeoutException)
        {
            Log($"last seen: {last}");
            throw;
        }
        foreach (var (name, alarm) in seen) Log($"{name} on both nodes: {Shown(alarm)}");
        return seen;
    }

    /// <summary>
    /// Cuts the node link (the pair must run through proxies), waits until both nodes are active, acknowledges
    /// <paramref name="onMaster"/> on the master, <paramref name="onBackup"/> on the backup and <paramref name="onBoth"/>
    /// on both (other users and notes; the backup first when <paramref name="backupFirst"/>), heals, and waits until the master alone is active and both
    /// nodes show all three acknowledged alike. Returns the acknowledgement each node answered for
    /// <paramref name="onBoth"/> and the views both nodes converged to.
    /// </summary>
    protected async Task<(AlarmInfo MastersAck, AlarmInfo BackupsAck, IReadOnlyDictionary<string, AlarmInfo> Converged)> AckOnBothSidesOfAPartitionAsync(
        NodeProcess master, NodeProcess backup, string onMaster, string onBackup, string onBoth, bool backupFirst = false)
    {
        foreach (var proxy in Proxies) proxy.Cut();
        Log("link cut");
        await UntilAsync(async () => await master.Api!.GetStatusAsync() is { IsActive: true } && await backup.Api!.GetStatusAsync() is { IsActive: true },
            "both nodes active while the link is cut");

        await AckAsync(master, onMaster, "op-master", $"{onMaster} seen on the master");
        await AckAsync(backup, onBackup, "op-backup", $"{onBackup} seen on the backup");
        AlarmInfo? backupsAck = backupFirst ? await AckAsync(backup, onBoth, "op-backup-both", $"{onBoth} seen on the backup") : null;
        var mastersAck = await AckAsync(master, onBoth, "op-master-both", $"{onBoth} seen on the master");
        backupsAck ??= await AckAsync(backup, onBoth, "op-backup-both", $"{onBoth} seen on the backup");

        foreach (var proxy in Proxies) proxy.Heal();
        Log("link healed");
        await UntilPairSettledAsync(master, backup, "master", "exactly one node (the master) active after healing");
        // Both nodes show one of the two acks of the alarm acknowledged on both as ackedBy and list both.
        var converged = await UntilBothShowAsync(master, backup, new Dictionary<string, string[]>
        {
            [onMaster] = ["op-master"],
            [onBackup] = ["op-backup"],
            [onBoth] = ["op-master-both", "op-backup-both"],
        }, "both nodes showing every acknowledgement made during the partition, alike");
        return (mastersAck, backupsAck, converged);
    }

    /// <summary>Waits until the standby shows the acknowledgement (shipping is asynchronous: one answered a moment
    /// before a kill -9 may not have left yet, as in the reference).</summary>
    protected Task UntilShownAsync(NodeProcess node, string name, string by) =>
        UntilAsync(async () => await AlarmAsync(node, AlarmId(name)) is { Acked: true } alarm && alarm.AckedBy == by,
            $"the {node.Label} showing {name} acknowledged by {by}");
}
