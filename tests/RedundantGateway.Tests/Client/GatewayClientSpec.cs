using System.Collections.Immutable;
using System.Net;
using System.Text;
using RedundantGateway.Client;
using Xunit;
using static RedundantGateway.Tests.Client.ContractJsonSpec;

namespace RedundantGateway.Tests.Client;

/// <summary>
/// Round trip: what the node writes (records with <see cref="ContractJson.Options"/>) the client reads back into
/// equal records, from the routes the node serves; failures become <see cref="GatewayException"/>s.
/// </summary>
public sealed class GatewayClientSpec
{
    private static readonly DateTimeOffset At = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    /// <summary>A node in a box: answers each route with a fixed status and body, and records what was asked.</summary>
    private sealed class FakeNode : HttpMessageHandler
    {
        public readonly Dictionary<string, (HttpStatusCode Status, string Body, string ContentType)> Answers = new();
        public readonly List<string> Asked = [];
        public readonly List<string?> Authorizations = [];

        public void Json<T>(HttpMethod method, string pathAndQuery, T body, HttpStatusCode status = HttpStatusCode.OK) =>
            Answers[$"{method} {pathAndQuery}"] = (status, Serialize(body), "application/json");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var key = $"{request.Method} {request.RequestUri!.PathAndQuery}";
            Asked.Add(key + (request.Content is null ? "" : " " + await request.Content.ReadAsStringAsync(cancellationToken)));
            Authorizations.Add(request.Headers.Authorization?.ToString());
            return Answers.TryGetValue(key, out var a)
                ? new HttpResponseMessage(a.Status) { Content = new StringContent(a.Body, Encoding.UTF8, a.ContentType) }
                : new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("") };
        }
    }

    private static (FakeNode Node, GatewayClient Client) Connect()
    {
        var node = new FakeNode();
        return (node, new GatewayClient(new HttpClient(node), new Uri("http://127.0.0.1:8088")));
    }

    [Fact]
    public async Task A_client_with_an_api_token_sends_it_on_every_request_and_one_without_sends_none()
    {
        var node = new FakeNode();
        node.Json(HttpMethod.Post, "/api/redundancy/failover", new ActionAnswer(true, "moving"));
        node.Json(HttpMethod.Get, "/api/redundancy/events?limit=2&before=9&q=peer%20down", Array.Empty<RedundancyEventInfo>());
        using var withToken = new GatewayClient(new HttpClient(node), new Uri("http://127.0.0.1:8088"), apiToken: "tok-1");
        await withToken.FailoverAsync();
        await withToken.GetEventsAsync(2, 9, "peer down");
        await withToken.SendAsync(HttpMethod.Post, GatewayRoutes.Failover);
        Assert.Equal(["Bearer tok-1", "Bearer tok-1", "Bearer tok-1"], node.Authorizations);

        node.Authorizations.Clear();
        using var withoutToken = new GatewayClient(new HttpClient(node), new Uri("http://127.0.0.1:8088"));
        await withoutToken.FailoverAsync();
        Assert.Equal([(string?)null], node.Authorizations);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public async Task Status_round_trips(bool withConfig, bool withTransfer)
    {
        var (node, client) = Connect();
        var sent = SampleStatus(withConfig, withTransfer);
        node.Json(HttpMethod.Get, "/api/redundancy", sent);
        var read = await client.GetStatusAsync();
        Assert.Equal(Serialize(sent), Serialize(read));
        Assert.Equal(sent.Config, read.Config);
        Assert.Equal(sent.Peer, read.Peer);
        Assert.Equal(sent.Subsystems!, read.Subsystems!);
        Assert.True(read.IsActive);
    }

    [Fact]
    public async Task Events_changes_config_and_resource_round_trip()
    {
        var (node, client) = Connect();
        IReadOnlyList<RedundancyEventInfo> events = [new(At, "activity-changed", "peer down", 8, "active", 12.3, 45.6), new(At, "x", null, 8, null, null, null)];
        IReadOnlyList<ConfigChangeInfo> changes = [new(5, "a/b", "put", At, At.AddMilliseconds(1.5), 1.5)];
        var resources = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            new Dictionary<string, string> { ["a/b"] = """{"max":10,"unit":"bar"}""", ["c"] = "[1,\"\\u00fc\"]" });
        var snapshot = new ConfigSnapshot("id", 6, "dg", 2, resources);
        node.Json(HttpMethod.Get, "/api/redundancy/events?limit=50", events);
        node.Json(HttpMethod.Get, "/api/redundancy/config-changes?after=4&limit=10", changes);
        node.Json(HttpMethod.Get, "/api/config", snapshot);
        node.Json(HttpMethod.Get, "/api/config/a/b", new ConfigResource("a/b", 6, resources["a/b"]));

        Assert.Equal(events, await client.GetEventsAsync(50));
        Assert.Equal(changes, await client.GetConfigChangesAsync(after: 4, limit: 10));
        var config = await client.GetConfigAsync();
        Assert.Equal(Serialize(snapshot), Serialize(config));
        Assert.Equal(resources.OrderBy(r => r.Key), config.Resources.OrderBy(r => r.Key));
        Assert.Equal(new ConfigResource("a/b", 6, """{"max":10,"unit":"bar"}"""), await client.GetResourceAsync("a/b"));
    }

    [Fact]
    public async Task Edits_and_actions_send_the_right_requests_and_read_the_answers()
    {
        var (node, client) = Connect();
        node.Json(HttpMethod.Put, "/api/config/a/b", new ConfigEditAnswer("a/b", 7, "stored"));
        node.Json(HttpMethod.Delete, "/api/config/a/b", new ConfigEditAnswer("a/b", 8, "deleted"));
        node.Json(HttpMethod.Post, "/api/redundancy/failover", new ActionAnswer(true, "moving"));
        node.Json(HttpMethod.Post, "/api/redundancy/resync", new ActionAnswer(true, "asked"), HttpStatusCode.Accepted);
        node.Answers["GET /system/gwinfo"] = (HttpStatusCode.OK, new GwInfo("Master", "Active", true, 3, "gw-a", "0.1.0").Format(), "text/plain");

        Assert.Equal(new ConfigEditAnswer("a/b", 7, "stored"), await client.PutResourceAsync("a/b", """{"v":1}"""));
        Assert.Equal(new ConfigEditAnswer("a/b", 8, "deleted"), await client.DeleteResourceAsync("a/b"));
        Assert.Equal(new ActionAnswer(true, "moving"), await client.FailoverAsync());
        Assert.Equal(new ActionAnswer(true, "asked"), await client.ResyncAsync());
        Assert.Equal(new GwInfo("Master", "Active", true, 3, "gw-a", "0.1.0"), await client.GetGwInfoAsync());
        Assert.Contains("PUT /api/config/a/b {\"v\":1}", node.Asked);
    }

    [Fact]
    public async Task Failures_carry_the_status_code_and_the_nodes_message()
    {
        var (node, client) = Connect();
        node.Json(HttpMethod.Put, "/api/config/a/b", new ErrorBody("this node is the backup: edit on the master at http://m:8088"), HttpStatusCode.Conflict);
        node.Json(HttpMethod.Post, "/api/redundancy/failover", new ActionAnswer(false, "the peer is not connected"), HttpStatusCode.Conflict);
        node.Json(HttpMethod.Get, "/api/redundancy", new ErrorBody("the node's runtime is restarting; try again shortly"), HttpStatusCode.ServiceUnavailable);
        node.Answers["GET /api/config"] = (HttpStatusCode.BadGateway, "upstream broke\nsecond line", "text/plain");

        var refused = await Assert.ThrowsAsync<GatewayException>(() => client.PutResourceAsync("a/b", "1"));
        Assert.Equal(409, refused.StatusCode);
        Assert.Equal("this node is the backup: edit on the master at http://m:8088", refused.ServerMessage);
        var failover = await Assert.ThrowsAsync<GatewayException>(() => client.FailoverAsync());
        Assert.Equal((409, "the peer is not connected"), (failover.StatusCode, failover.ServerMessage));
        Assert.Contains("\"accepted\":false", failover.Body);
        Assert.Equal(503, (await Assert.ThrowsAsync<GatewayException>(() => client.GetStatusAsync())).StatusCode);
        Assert.Equal("upstream broke", (await Assert.ThrowsAsync<GatewayException>(() => client.GetConfigAsync())).ServerMessage);
        var missing = await Assert.ThrowsAsync<GatewayException>(() => client.GetResourceAsync("nope"));
        Assert.Equal(404, missing.StatusCode);

        var raw = await client.SendAsync(HttpMethod.Post, GatewayRoutes.Failover);
        Assert.Equal((409, "the peer is not connected"), (raw.StatusCode, raw.Message));
    }

    [Fact]
    public void A_base_address_with_a_path_keeps_it()
    {
        using var client = new GatewayClient(new Uri("http://gw.example:8080/node-a"));
        Assert.Equal("http://gw.example:8080/node-a/", client.BaseAddress.AbsoluteUri);
        Assert.Equal("http://gw.example:8080/node-a/api/redundancy", new Uri(client.BaseAddress, GatewayRoutes.Status).AbsoluteUri);
    }
}
