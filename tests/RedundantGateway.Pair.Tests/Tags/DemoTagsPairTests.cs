using System.Text;
using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The demo on a real pair: the fresh master loads it and its simulated tags change; the cold backup has the
/// definitions (replicated) but runs none; after kill -9 of the master the backup's tags change.
/// </summary>
public sealed class DemoTagsPairTests(ITestOutputHelper output) : PairTest(output)
{
    private const string Prefix = "projects/demo/tags/";
    private const string FastTag = "projects/demo/tags/line1/level"; // a 250 ms ramp

    [Fact]
    public Task The_masters_demo_tags_change_the_cold_backup_runs_none_and_takes_over_after_kill_9() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "  demo.enabled = on" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        await UntilTagsChangeAsync(master, "the master's demo tags");

        // The backup has every definition (replicated), and being cold, runs none of them.
        // The demo loads once the master has compared its (empty) store with its backup's: tags may run before all are in.
        var masterCount = 0;
        await UntilAsync(async () => (masterCount = (await master.Api!.Client.GetConfigAsync()).Count) >= 212, "the whole demo loaded on the master");
        await UntilAsync(async () => (await backup.Api!.Client.GetConfigAsync()).Count == masterCount, "the demo replicated to the backup");
        var cold = await backup.Api!.GetTagsAsync(Prefix);
        Assert.NotNull(cold);
        Assert.Equal("cold", cold.ActivityLevel);
        Assert.Empty(cold.Tags);
        Assert.Equal("backup", cold.Node);

        // The stream: a snapshot then changes on the active master; on the cold backup the snapshot, then the end.
        var events = await ReadStreamAsync(master, 3);
        Assert.Equal("snapshot", events[0].Name);
        Assert.Contains("\"activityLevel\":\"active\"", events[0].Data);
        Assert.Contains(events.Skip(1), e => e.Name == "change" && e.Data.StartsWith("{\"path\":\"projects/demo/tags/", StringComparison.Ordinal));
        var coldEvents = await ReadStreamAsync(backup, int.MaxValue);
        Assert.Equal("snapshot", Assert.Single(coldEvents).Name);
        Assert.Contains("\"activityLevel\":\"cold\",\"tags\":[]", coldEvents[0].Data);

        // A tag the engine could not run is refused before it reaches the store.
        var refused = await master.Api!.Client.SendAsync(HttpMethod.Put, GatewayRoutes.Resource(Prefix + "bad"),
            new StringContent("""{"provider":"simulator","function":"triangle"}""", Encoding.UTF8, "application/json"));
        Log($"bad tag: {refused.StatusCode} {refused.Body}");
        Assert.Equal(400, refused.StatusCode);
        Assert.Contains("unknown function", refused.Body); // the quotes around the name are JSON-escaped

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        await UntilTagsChangeAsync(backup, "the backup's demo tags after the takeover");
    });

    private async Task UntilTagsChangeAsync(NodeProcess node, string what)
    {
        TagList? first = null;
        await UntilAsync(async () => (first = await node.Api!.GetTagsAsync(Prefix)) is { Tags.Count: >= 200 }, $"{what}: at least 200");
        Log($"{what}: {first!.Tags.Count} tags at level {first.ActivityLevel}");
        Assert.All(first.Tags, t => Assert.Equal("good", t.Quality));
        var before = first.Tags.Single(t => t.Path == FastTag);
        await UntilAsync(async () => (await node.Api!.GetTagsAsync(FastTag))?.Tags.SingleOrDefault(t => t.Path == FastTag) is { } now
            && now.T > before.T && now.Value.ToString() != before.Value.ToString(), $"{what}: {FastTag} changes");
    }

    /// <summary>Reads Server-Sent Events until <paramref name="count"/> came or the node ends the stream.</summary>
    private async Task<List<(string Name, string Data)>> ReadStreamAsync(NodeProcess node, int count)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var response = await http.GetAsync(new Uri(node.Api!.Client.BaseAddress, GatewayRoutes.TagStream(Prefix)),
            HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<(string, string)>();
        string? name = null;
        while (events.Count < count && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((name ?? "", line[6..]));
        }
        Log($"stream of {node.Label}: {string.Join(", ", events.Select(e => e.Item1))}");
        return events;
    }
}
