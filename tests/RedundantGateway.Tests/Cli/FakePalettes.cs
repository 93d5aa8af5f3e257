using System.Net;
using System.Text;
using System.Text.Json;
using RedundantGateway.Client;

namespace RedundantGateway.Tests.Cli;

/// <summary>A fixed palette source (not the node's built-in list: the CLI must work from any description).</summary>
internal static class FakePalettes
{
    public static readonly IReadOnlyList<CliPalette> All =
    [
        new("redundancy", "the pair",
        [
            new("status", "status", "GET", "api/redundancy", []),
            new("failover", "failover", "POST", "api/redundancy/failover", []),
        ]),
        new("config", "configuration",
        [
            new("get", "one resource", "GET", "api/config/{path?}", [new("path", "p", "the path", CliPlaces.Route, Positional: true)]),
            new("set", "write", "PUT", "api/config/{path}",
            [
                new("path", "p", "the path", CliPlaces.Route, Required: true, Positional: true),
                new("value", "v", "the value", CliPlaces.Json, Required: true, Positional: true),
            ]),
        ]),
        new("events", "events",
        [
            new("list", "list", "GET", "api/redundancy/events",
            [
                new("limit", "n", "how many", CliPlaces.Query),
                new("text", "q", "search", CliPlaces.Query, Field: "q"),
            ], new CliOutput(Items: "", Columns: ["time", "kind"])),
        ]),
        new("alarms", "alarms",
        [
            new("shelve", "shelve", "POST", "api/alarms/{id}/shelve",
            [
                new("id", null, "the id", CliPlaces.Route, Required: true, Positional: true),
                new("minutes", "m", "minutes", CliPlaces.Body, Default: "60", Type: CliValueTypes.Number),
                new("by", "b", "who", CliPlaces.Body, Default: "rgw"),
            ]),
        ]),
    ];

    public static CliPaletteList List => new("fake", "9.9.9", All);
}

/// <summary>A node's web surface in memory: answers by "METHOD route" and records what it was sent.</summary>
internal sealed class FakeNode : HttpMessageHandler
{
    private readonly Dictionary<string, (HttpStatusCode Status, string Body)> _answers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<string>> _sequences = new(StringComparer.Ordinal);

    public List<(HttpRequestMessage Request, string? Body)> Received { get; } = new();

    public FakeNode(string? palettesJson = null) =>
        Answer("GET", "/api/cli/palettes", HttpStatusCode.OK, palettesJson ?? JsonSerializer.Serialize(FakePalettes.List, ContractJson.Options));

    public FakeNode Answer(string method, string pathAndQuery, HttpStatusCode status, string body)
    {
        _answers[$"{method} {pathAndQuery}"] = (status, body);
        return this;
    }

    /// <summary>Answers 200 with each body in turn, the last one from then on.</summary>
    public FakeNode AnswerInTurn(string method, string pathAndQuery, params string[] bodies)
    {
        _sequences[$"{method} {pathAndQuery}"] = new Queue<string>(bodies);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Received) Received.Add((request, body));
        var key = $"{request.Method} {request.RequestUri!.PathAndQuery}";
        lock (_sequences)
            if (_sequences.TryGetValue(key, out var turns))
                return new HttpResponseMessage(HttpStatusCode.OK)
                    { Content = new StringContent(turns.Count > 1 ? turns.Dequeue() : turns.Peek(), Encoding.UTF8, "application/json") };
        var (status, text) = _answers.TryGetValue(key, out var answer) ? answer : (HttpStatusCode.NotFound, "{\"message\":\"no route " + key + "\"}");
        return new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
    }
}
