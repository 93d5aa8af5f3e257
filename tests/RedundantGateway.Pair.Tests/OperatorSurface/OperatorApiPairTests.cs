using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The operator's REST surface on a real pair with an API token: actions and edits need it (401 with one line
/// otherwise, also on the hub), reads and /system/gwinfo stay open, every error is one line of JSON (404, 405, 400,
/// 409), the status says what operators of the reference read first, the events page back by id and are searched,
/// and the token appears nowhere in the nodes' output or data dirs.
/// </summary>
public sealed class OperatorApiPairTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Actions_and_edits_need_the_token_reads_stay_open_and_errors_are_one_line_json() => Scenario(async () =>
    {
        var token = $"tok-{Guid.NewGuid():N}";
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = $"  api.token = \"{token}\"" };
        // The backup reads its token from a file (first line), as an operator keeps it out of the HOCON file.
        var tokenFile = Path.Combine(TestDir, "backup-token");
        await File.WriteAllTextAsync(tokenFile, token + "\nignored second line\n");
        // It protects its reads too: the harness's client sends the token to it.
        backupSpec = backupSpec with { Extra = $"  api {{ token-file = \"{tokenFile.Replace("\\", "/")}\", protect-reads = on }}", ApiToken = token };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var masterUrl = $"http://127.0.0.1:{masterSpec.WebPort}";
        var backupUrl = $"http://127.0.0.1:{backupSpec.WebPort}";

        // Actions without the token, or with a wrong one: 401, one line, nothing done.
        await AssertError(http, HttpMethod.Post, $"{masterUrl}/api/redundancy/failover", null, 401, "token is required");
        await AssertError(http, HttpMethod.Post, $"{masterUrl}/api/redundancy/failover", "Bearer wrong-" + token, 401, "token is wrong");
        await AssertError(http, HttpMethod.Post, $"{masterUrl}/api/redundancy/resync", null, 401, "token");
        await AssertError(http, HttpMethod.Put, $"{masterUrl}/api/config/ops/a", null, 401, "token", "{\"a\":1}");
        await AssertError(http, HttpMethod.Delete, $"{masterUrl}/api/config/ops/a", null, 401, "token");
        await AssertError(http, HttpMethod.Post, $"{masterUrl}/api/alarms/x/ack", null, 401, "token", "{\"by\":\"op\"}");
        await AssertError(http, HttpMethod.Post, $"{backupUrl}/api/tags/providers/simulator/disconnect", "Bearer nope", 401, "token is wrong");
        var masterStatus = await master.Api!.GetStatusAsync();
        Assert.Equal("master", masterStatus!.ActiveNode);
        await AssertNoConfigAt(http, masterUrl, "ops/a");

        // With the token: the edit is stored on the master; the backup refuses it with 409 and its one line.
        using (var put = Send(HttpMethod.Put, $"{masterUrl}/api/config/ops/a", "Bearer " + token, "{\"a\":1}"))
        {
            var answer = await http.SendAsync(put);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        using (var header = Send(HttpMethod.Put, $"{masterUrl}/api/config/ops/b", null, "{\"b\":2}"))
        {
            header.Headers.Add("X-RG-Token", token);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(header)).StatusCode);
        }
        await AssertError(http, HttpMethod.Put, $"{backupUrl}/api/config/ops/a", "Bearer " + token, 409, "this node is the backup", "{\"a\":2}");

        // The typed client sends its token; without one it gets the node's 401 as a GatewayException.
        using (var withToken = new GatewayClient(new Uri(masterUrl), apiToken: token))
            Assert.True((await withToken.PutResourceAsync("ops/c", "3")).Revision > 0);
        using (var withoutToken = new GatewayClient(new Uri(masterUrl)))
            Assert.Equal(401, (await Assert.ThrowsAsync<GatewayException>(() => withoutToken.DeleteResourceAsync("ops/c"))).StatusCode);

        // The hub's writes need the token too; with it, the alarm engine answers (no such alarm).
        await using (var hub = new TagStreamClient(new Uri(masterUrl)))
        {
            await hub.ConnectAsync();
            var refused = await hub.AckAsync("projects/none/alarms/x", "op");
            Assert.Equal(401, refused.Status);
        }
        await using (var hub = new TagStreamClient(new Uri(masterUrl), token))
        {
            await hub.ConnectAsync();
            var answered = await hub.AckAsync("projects/none/alarms/x", "op");
            Assert.NotEqual(401, answered.Status);
        }

        // Reads stay open, and so does /system/gwinfo; on the backup (protect-reads) reads need the token, gwinfo does not.
        foreach (var read in new[] { "/api/redundancy", "/api/config", "/api/redundancy/events", "/system/gwinfo", "/metrics" })
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(masterUrl + read)).StatusCode);
        await AssertError(http, HttpMethod.Get, $"{backupUrl}/api/redundancy", null, 401, "token is required");
        await AssertError(http, HttpMethod.Get, $"{backupUrl}/metrics", "Bearer wrong", 401, "token is wrong");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{backupUrl}/system/gwinfo")).StatusCode);
        using (var read = Send(HttpMethod.Get, $"{backupUrl}/metrics", "Bearer " + token, null))
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(read)).StatusCode);

        // Errors the framework would answer with an empty body are one line of JSON too.
        await AssertError(http, HttpMethod.Get, $"{masterUrl}/api/no-such-thing", null, 404, "no such endpoint");
        await AssertError(http, HttpMethod.Delete, $"{masterUrl}/api/redundancy", "Bearer " + token, 405, "not allowed");
        await AssertError(http, HttpMethod.Get, $"{masterUrl}/api/redundancy/events?before=abc", null, 400, "before");
        await AssertError(http, HttpMethod.Get, $"{masterUrl}/api/redundancy/events?limit=-1", null, 400, "limit");
        await AssertError(http, HttpMethod.Get, $"{masterUrl}/api/redundancy/config-changes?after=x", null, 400, "bad request");

        // The status: this node and what it knows of its peer, config access, pending flags, uptimes, last sync.
        var backupStatus = await UntilStatusAsync(backup, s => s.LastSyncAt is not null, "the backup has pulled");
        masterStatus = await master.Api!.GetStatusAsync();
        Log($"master: {masterStatus}; backup: {backupStatus}");
        Assert.True(masterStatus!.HasConfigAccess);
        Assert.False(backupStatus.HasConfigAccess);
        Assert.False(masterStatus.FailoverPending);
        Assert.Equal("backup", masterStatus.Peer!.Role);
        Assert.Equal("cold", masterStatus.Peer.ActivityLevel);
        Assert.Equal("master", backupStatus.Peer!.Role);
        Assert.Equal("active", backupStatus.Peer.ActivityLevel);
        Assert.Equal(masterStatus.Epoch, backupStatus.Peer.Epoch);
        Assert.True(masterStatus.UptimeMs > 0 && masterStatus.StartedAt < DateTimeOffset.UtcNow);
        Assert.True(masterStatus.LevelUptimeMs >= 0 && masterStatus.LevelUptimeMs <= masterStatus.UptimeMs);
        Assert.NotNull(masterStatus.History); // the history cache answers (issue 12): its figures are checked by the history tests
        using (var raw = JsonDocument.Parse(await http.GetStringAsync($"{masterUrl}/api/redundancy")))
            foreach (var name in new[] { "hasConfigAccess", "syncPending", "failoverPending", "uptimeMs", "levelUptimeMs", "lastSyncAt", "history" })
                Assert.True(raw.RootElement.TryGetProperty(name, out _), $"/api/redundancy has no '{name}'");

        // The token is in neither node's output nor anywhere in their data dirs.
        foreach (var node in new[] { master, backup })
            Assert.DoesNotContain(node.Lines, line => line.Text.Contains(token, StringComparison.Ordinal));
        foreach (var file in new[] { masterSpec.DataDir, backupSpec.DataDir }.SelectMany(dir => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)))
            Assert.False(FileContains(file, token), $"the token is in {file}");
    });

    [Fact]
    public Task Events_page_back_by_id_and_are_searched_ignoring_case() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        var client = master.Api!.Client;

        var all = await client.GetEventsAsync(1000);
        Log($"{all.Count} events on the master: {string.Join(", ", all.Select(e => $"{e.Id} {e.Kind}"))}");
        Assert.True(all.Count >= 6, $"only {all.Count} events");
        Assert.Equal(all.Select(e => e.Id).OrderByDescending(id => id), all.Select(e => e.Id));
        Assert.Equal(all.Count, all.Select(e => e.Id).Distinct().Count());

        // Paging: each page continues below the oldest id of the one before; the pages make up the log.
        var first = await client.GetEventsAsync(3, null, null);
        var second = await client.GetEventsAsync(3, first[^1].Id, null);
        Assert.Equal(3, first.Count);
        Assert.True(second.Count > 0);
        Assert.All(second, e => Assert.True(e.Id < first[^1].Id));
        var newer = all.Where(e => e.Id <= first[0].Id).Take(first.Count + second.Count).Select(e => e.Id);
        Assert.Equal(newer, first.Concat(second).Select(e => e.Id));

        // Search: in the kind or the reason, ignoring case; the same events as filtering the whole log.
        var found = await client.GetEventsAsync(1000, null, "PEER");
        var expected = all.Where(e => e.Kind.Contains("peer", StringComparison.OrdinalIgnoreCase)
                                      || (e.Reason ?? "").Contains("peer", StringComparison.OrdinalIgnoreCase)).Select(e => e.Id);
        Assert.NotEmpty(found);
        Assert.Equal(expected, found.Select(e => e.Id));
        Assert.Empty(await client.GetEventsAsync(1000, null, "no-event-says-this"));
    });

    private static HttpRequestMessage Send(HttpMethod method, string url, string? authorization, string? json)
    {
        var request = new HttpRequestMessage(method, url);
        if (authorization is not null) request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    /// <summary>The answer has <paramref name="status"/> and a body of one line: a JSON object whose message says <paramref name="says"/>.</summary>
    private async Task AssertError(HttpClient http, HttpMethod method, string url, string? authorization, int status, string says, string? json = null)
    {
        using var request = Send(method, url, authorization, json);
        using var answer = await http.SendAsync(request);
        var body = await answer.Content.ReadAsStringAsync();
        Log($"{method} {url} -> {(int)answer.StatusCode} {body}");
        Assert.Equal(status, (int)answer.StatusCode);
        Assert.DoesNotContain('\n', body.Trim());
        var message = new GatewayResponse((int)answer.StatusCode, body).Message;
        Assert.NotNull(message);
        Assert.Contains(says, message, StringComparison.OrdinalIgnoreCase);
        if (status == 401) Assert.Equal("Bearer", answer.Headers.WwwAuthenticate.ToString());
    }

    private static async Task AssertNoConfigAt(HttpClient http, string url, string path) =>
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{url}/api/config/{path}")).StatusCode);

    private static bool FileContains(string file, string text)
    {
        try { return File.ReadAllText(file, Encoding.Latin1).Contains(text, StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }
}
