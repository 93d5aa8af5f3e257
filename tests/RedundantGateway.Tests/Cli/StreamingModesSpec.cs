using System.Net;
using RedundantGateway.Cli;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Cli;

/// <summary>events tail (poll mode) and tags watch (stream mode) against an in-memory node.</summary>
public sealed class StreamingModesSpec
{
    private static readonly IReadOnlyList<CliPalette> Palettes =
    [
        new("events", "events",
        [
            new("tail", "tail", "GET", "api/redundancy/events", [new("limit", "n", "start rows", CliPlaces.Query, Default: "1")],
                new CliOutput(Items: "", Columns: ["time", "kind"], Key: "time,kind"), CliModes.Poll),
        ]),
        new("tags", "tags",
        [
            new("watch", "watch", "GET", "api/tags/stream", [], new CliOutput(Columns: ["path", "value"]), CliModes.Stream),
        ]),
    ];

    private static string Event(string time, string kind) => $$"""{"time":"{{time}}","kind":"{{kind}}","unknownToThisCli":1}""";

    [Fact]
    public async Task Tail_shows_the_newest_rows_then_only_new_ones_oldest_first_until_cancelled()
    {
        var node = new FakeNode().AnswerInTurn("GET", "/api/redundancy/events?limit=100",
            $"[{Event("t2", "b")},{Event("t1", "a")}]",
            $"[{Event("t4", "d")},{Event("t3", "c")},{Event("t2", "b")},{Event("t1", "a")}]");
        var written = new StringWriter();
        // The synchronised writer locks on itself: reading under that lock sees whole writes.
        var output = TextWriter.Synchronized(written);
        string Written() { lock (output) return written.ToString(); }
        using var connection = new HttpClient(node);
        var runner = new CommandRunner(new NodeConnection(connection, new NodeAddress("n:1", new Uri("http://n:1/")), null), output, terminal: false);
        var invocation = new CommandTree(Palettes).Resolve(["events", "tail"]).Invocation!;
        using var stop = new CancellationTokenSource();

        var run = runner.RunAsync(invocation, stop.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!Written().Contains("t4") && DateTime.UtcNow < deadline && !run.IsCompleted) await Task.Delay(20);
        await stop.CancelAsync();

        Assert.Equal(ExitCodes.Ok, await run);
        Assert.Equal("time  kind\nt2    b\nt3  c\nt4  d\n", Written().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Watch_prints_the_snapshot_as_a_table_then_one_line_per_change_and_ends_with_the_stream()
    {
        const string sse = "event: snapshot\ndata: {\"activityLevel\":\"active\",\"tags\":[{\"path\":\"a\",\"value\":1},{\"path\":\"bb\",\"value\":2}]}\n\n" +
                           "event: change\ndata: {\"path\":\"a\",\"value\":3,\"quality\":\"good\"}\n\n" +
                           "event: end\ndata: {\"message\":\"the engine stopped\"}\n\n";
        var node = new FakeNode().Answer("GET", "/api/tags/stream", HttpStatusCode.OK, sse);
        var output = new StringWriter();
        using var connection = new HttpClient(node);
        var runner = new CommandRunner(new NodeConnection(connection, new NodeAddress("n:1", new Uri("http://n:1/")), null), output, terminal: false);

        var code = await runner.RunAsync(new CommandTree(Palettes).Resolve(["tags", "watch"]).Invocation!, CancellationToken.None);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("snapshot: activityLevel=active\npath  value\na     1\nbb    2\na  3\nend: message=the engine stopped\n", output.ToString().ReplaceLineEndings("\n"));
    }
}
