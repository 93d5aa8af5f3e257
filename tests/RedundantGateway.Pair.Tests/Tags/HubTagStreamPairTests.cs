using System.Text;
using System.Text.Json;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The SignalR hub (/hubs/tags) on a real pair with the demo: through <see cref="TagStreamClient"/> the active master
/// streams a snapshot then changes, the cold backup its snapshot at level cold and then completes; Ack over the hub
/// is refused on the backup with the REST API's line and accepted on the master; a failover ends the master's
/// stream with its new level.
/// </summary>
public sealed class HubTagStreamPairTests(ITestOutputHelper output) : PairTest(output)
{
    private const string Prefix = "projects/demo/tags/";
    private const string FastTag = "projects/demo/tags/line1/level"; // a 250 ms ramp
    private const string AlarmPrefix = "projects/demo/alarms/";

    [Fact]
    public Task The_hub_streams_the_masters_demo_tags_ends_on_the_cold_backup_and_on_failover_and_acks_on_the_active_node() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "  demo.enabled = on" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        await UntilAsync(async () => await master.Api!.GetTagsAsync(Prefix) is { Tags.Count: >= 200 }, "the master runs the demo tags");

        await using var masterHub = new TagStreamClient(master.Api!.Client.BaseAddress);
        await using var backupHub = new TagStreamClient(backup.Api!.Client.BaseAddress);
        using (var connecting = new CancellationTokenSource(Deadline))
        {
            await masterHub.ConnectAsync(connecting.Token);
            await backupHub.ConnectAsync(connecting.Token);
        }

        // The master: a snapshot at level active, then changes of tags under the prefix.
        var items = await ReadAsync(ct => masterHub.StreamAsync(Prefix, cancellationToken: ct), until: seen => seen.Count(i => i.Kind == TagStreamItem.ChangeKind) >= 3);
        Log($"hub stream of the master: {string.Join(", ", items.Select(i => i.Kind))}");
        var snapshot = items[0];
        Assert.Equal(TagStreamItem.SnapshotKind, snapshot.Kind);
        Assert.Equal("active", snapshot.ActivityLevel);
        Assert.True(snapshot.Tags is { Count: >= 200 }, $"the snapshot holds {snapshot.Tags?.Count} tags");
        Assert.All(snapshot.Tags!, t => Assert.StartsWith(Prefix, t.Path, StringComparison.Ordinal));
        var changes = items.Skip(1).Where(i => i.Kind == TagStreamItem.ChangeKind).ToList();
        Assert.All(changes, c => Assert.StartsWith(Prefix, c.Tag!.Path, StringComparison.Ordinal));
        Assert.All(changes, c => Assert.Equal("good", c.Tag!.Quality));

        // By paths: exactly the tag asked for, and its value changes.
        var one = await ReadAsync(ct => masterHub.StreamAsync(paths: [FastTag], cancellationToken: ct), until: seen => seen.Any(i => i.Kind == TagStreamItem.ChangeKind));
        Assert.Equal(FastTag, Assert.Single(one[0].Tags!).Path);
        Assert.All(one.Where(i => i.Kind == TagStreamItem.ChangeKind), c => Assert.Equal(FastTag, c.Tag!.Path));

        // A quiet selection (a square wave of minutes) still hears from its node: heartbeats saying the level.
        var quiet = await ReadAsync(ct => masterHub.StreamAsync(paths: [Prefix + "line1/pump-running"], cancellationToken: ct),
            until: seen => seen.Count(i => i.Kind == TagStreamItem.HeartbeatKind) >= 3);
        Assert.All(quiet.Where(i => i.Kind == TagStreamItem.HeartbeatKind), h => Assert.Equal("active", h.ActivityLevel));

        // The cold backup: the snapshot says cold and holds nothing, then the stream completes.
        var cold = await ReadAsync(ct => backupHub.StreamAsync(Prefix, cancellationToken: ct), until: _ => false);
        Log($"hub stream of the backup: {string.Join(", ", cold.Select(i => $"{i.Kind} {i.ActivityLevel}"))}");
        var coldSnapshot = Assert.Single(cold);
        Assert.Equal(TagStreamItem.SnapshotKind, coldSnapshot.Kind);
        Assert.Equal("cold", coldSnapshot.ActivityLevel);
        Assert.Empty(coldSnapshot.Tags!);

        // Ack over the hub: the backup refuses with what REST answers, the master accepts.
        AlarmInfo? alarm = null;
        await UntilAsync(async () => (alarm = (await master.Api!.Client.GetAlarmsAsync(state: "active", prefix: AlarmPrefix))
            .Alarms.FirstOrDefault(a => a.Condition != "badQuality" && !a.Acked)) is not null, "an alarm active on the master");
        var refused = await backupHub.AckAsync(alarm!.Id, "op", "from the backup");
        var rest = await backup.Api!.Client.SendAsync(HttpMethod.Post, GatewayRoutes.AlarmAction(alarm.Id, "ack"),
            new StringContent("""{"by":"op","note":"from the backup"}""", Encoding.UTF8, "application/json"));
        Log($"hub ack on the cold backup: {refused}; REST: {rest.StatusCode} {rest.Body}");
        Assert.False(refused.Accepted);
        Assert.Equal(409, refused.Status);
        Assert.Equal(JsonSerializer.Deserialize<ErrorBody>(rest.Body, ContractJson.Options)!.Message, refused.Message);
        Assert.Null(refused.Alarm);

        var acked = await masterHub.AckAsync(alarm.Id, "op", "seen");
        Assert.True(acked.Accepted, $"hub ack on the master refused: {acked}");
        Assert.True(acked.Alarm is { Acked: true, AckedBy: "op", AckNote: "seen" }, $"the acked alarm: {acked.Alarm}");

        // Shelve and unshelve over the hub: refused on the backup, done on the master.
        var shelveRefused = await backupHub.ShelveAsync(alarm.Id, "op", TimeSpan.FromMinutes(5));
        Assert.Equal(409, shelveRefused.Status);
        var badShelve = await masterHub.ShelveAsync(alarm.Id, "op", TimeSpan.FromMinutes(-1));
        Assert.Equal(400, badShelve.Status);
        var shelved = await masterHub.ShelveAsync(alarm.Id, "op", TimeSpan.FromMinutes(5));
        Assert.True(shelved.Alarm is { Shelved: true, ShelvedBy: "op" }, $"hub shelve on the master: {shelved}");
        Assert.True(shelved.Alarm!.ShelvedUntil > DateTimeOffset.UtcNow.AddMinutes(4), $"shelved until {shelved.Alarm.ShelvedUntil}");
        var unshelved = await masterHub.UnshelveAsync(alarm.Id, "op");
        Assert.True(unshelved.Alarm is { Shelved: false }, $"hub unshelve on the master: {unshelved}");

        // The master leaves active (failover): its open stream gets the level and completes.
        var snapshotSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var untilEnd = ReadAsync(ct => masterHub.StreamAsync(paths: [FastTag], cancellationToken: ct), until: _ =>
        {
            snapshotSeen.TrySetResult();
            return false;
        });
        await snapshotSeen.Task.WaitAsync(Deadline);
        var moved = await master.Api!.Client.FailoverAsync();
        Log($"failover: {moved.Message}");
        var ended = await untilEnd;
        Log($"hub stream of the master over the failover: {string.Join(", ", ended.Select(i => $"{i.Kind} {i.ActivityLevel}"))}");
        Assert.Equal("active", ended[0].ActivityLevel);
        Assert.Equal(TagStreamItem.LevelKind, ended[^1].Kind);
        Assert.NotEqual("active", ended[^1].ActivityLevel);
        Assert.NotEqual("warm", ended[^1].ActivityLevel);
    });

    /// <summary>Reads the stream until <paramref name="until"/> holds (then unsubscribes) or the node completes it, within the deadline.</summary>
    private static async Task<List<TagStreamItem>> ReadAsync(Func<CancellationToken, IAsyncEnumerable<TagStreamItem>> stream, Func<List<TagStreamItem>, bool> until)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var items = new List<TagStreamItem>();
        try
        {
            await foreach (var item in stream(timeout.Token))
            {
                items.Add(item);
                if (until(items)) break; // leaving the loop disposes the enumerator: the hub's stream is cancelled
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"the hub stream neither met its condition nor completed within {Deadline}; got {string.Join(", ", items.Select(i => i.Kind))}");
        }
        return items;
    }
}
