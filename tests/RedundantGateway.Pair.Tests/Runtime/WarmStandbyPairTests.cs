using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Warm standby for real: the warm backup runs the providers and evaluates tags and alarms locally, with no side
/// effect (an acknowledgement is refused there), so an operator failover only has to turn the side effects on.
/// </summary>
public sealed class WarmStandbyPairTests(ITestOutputHelper output) : PairTest(output)
{
    private const string Warm = "  redundancy.standby-activity-level = warm";

    [Fact]
    public Task A_warm_backup_runs_tags_and_alarms_without_side_effects_and_takes_over_on_request() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = Warm + "\n  demo.enabled = on" };
        backupSpec = backupSpec with { Extra = Warm };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active and the backup warm",
            standbyLevel: "warm");

        TagList? warmTags = null;
        await UntilAsync(async () => (warmTags = await backup.Api!.GetTagsAsync("projects/demo/tags/")) is { Tags.Count: >= 200 },
            "the warm backup's demo tags running");
        Assert.Equal("warm", warmTags!.ActivityLevel);

        AlarmInfo? evaluated = null;
        await UntilAsync(async () =>
        {
            var alarms = await backup.Api!.Client.GetAlarmsAsync(state: "active", prefix: "projects/demo/alarms/");
            evaluated = alarms.Alarms.FirstOrDefault(a => a.Condition != "badQuality");
            return evaluated is not null;
        }, "an alarm active on the warm backup (evaluated locally)");
        var refused = await backup.Api!.Client.SendAsync(HttpMethod.Post, GatewayRoutes.AlarmAction(evaluated!.Id, "ack"),
            new StringContent("""{"by":"op"}""", System.Text.Encoding.UTF8, "application/json"));
        Log($"ack on the warm backup: {refused.StatusCode} {refused.Body}");
        Assert.Equal(409, refused.StatusCode);

        var (status, body) = await backup.Api!.PostFailoverAsync();
        Log($"failover requested on the backup: {status} {body}");
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after the operator failover");
        var acked = await backup.Api!.Client.AckAlarmAsync(evaluated.Id, "op", "after the failover");
        Assert.True(acked.Accepted, $"ack on the new active node: {acked.Message}");
    });
}
