using System.Net;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// /hmi/{project}/{page} on a real pair, without a browser: the active node serves the page, the standby redirects
/// the same path and query to it, an unknown page is a one-line 404, and after a kill -9 of the master the backup
/// serves the page itself.
/// </summary>
public sealed class HmiPairTests(ITestOutputHelper output) : PairTest(output)
{
    private const string Page = "/hmi/demo/overview?x=1";

    [Fact]
    public Task The_standby_redirects_the_page_to_the_active_node_with_the_same_path_and_query() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "  demo.enabled = on" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (masterUrl, backupUrl) = ($"http://127.0.0.1:{masterSpec.WebPort}", $"http://127.0.0.1:{backupSpec.WebPort}");
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        await UntilStatusAsync(backup, s => s.Peer?.WebAddress == masterUrl, "the master's web address in the backup's status");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
        await UntilAsync(async () => (await http.GetAsync($"{backupUrl}/api/config/projects/demo/pages/overview")).IsSuccessStatusCode,
            "the demo page replicated to the backup");

        var live = await http.GetAsync(masterUrl + Page);
        var html = await live.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains("<html", html);
        Assert.Contains("Demo overview", html);
        Assert.Contains("projects/demo/tags/line1/temperature", html);

        var redirected = await http.GetAsync(backupUrl + Page);
        Assert.True(redirected.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.TemporaryRedirect, $"{(int)redirected.StatusCode} from the backup");
        Assert.Equal(masterUrl + Page, redirected.Headers.Location?.ToString());
        Log($"the backup answered {(int)redirected.StatusCode} to {redirected.Headers.Location}");

        var unknown = await http.GetAsync($"{masterUrl}/hmi/demo/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var line = await unknown.Content.ReadAsStringAsync();
        Assert.Contains("projects/demo/pages/nowhere", line);
        Assert.Single(line.Trim().Split('\n'));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{masterUrl}/hmi/nothing/overview")).StatusCode);

        // The master killed: once the backup is active it serves the page itself, with the same query.
        master.KillHard();
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after the kill of the master");
        await UntilAsync(async () => (await http.GetAsync(backupUrl + Page)).StatusCode == HttpStatusCode.OK, "the page served by the backup");
        Assert.Contains("<html", await (await http.GetAsync(backupUrl + Page)).Content.ReadAsStringAsync());
    });

    [Fact]
    public Task A_standby_that_knows_no_active_node_serves_the_page_saying_so_until_it_is_active_itself() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "  demo.enabled = on" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var backupUrl = $"http://127.0.0.1:{backupSpec.WebPort}";
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
        await UntilAsync(async () => (await http.GetAsync($"{backupUrl}/api/config/projects/demo/pages/overview")).IsSuccessStatusCode,
            "the demo page replicated to the backup");

        // The backup stopped while cold, the master gone: restarted alone, it waits join-wait-time for its master.
        backup.Terminate();
        await backup.WaitForExitAsync(TimeSpan.FromSeconds(30));
        master.KillHard();
        var alone = StartNode(backupSpec with { JoinWaitTime = TimeSpan.FromSeconds(15) });
        string? waitingPage = null;
        await UntilAsync(async () =>
        {
            try
            {
                var answer = await http.GetAsync(backupUrl + Page);
                if (answer.StatusCode != HttpStatusCode.OK) return false;
                waitingPage = await answer.Content.ReadAsStringAsync();
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
        }, "the page served by the backup alone");
        Assert.Contains("\"waiting\":true", waitingPage);
        Assert.False((await alone.Api!.GetStatusAsync())?.IsActive ?? false, "the backup was already active: no waiting page to test");

        // Active after the join wait: the same request gets the live page.
        await UntilStatusAsync(alone, s => s.IsActive, "the backup active alone after its join wait", TimeSpan.FromSeconds(45));
        Assert.Contains("\"waiting\":false", await (await http.GetAsync(backupUrl + Page)).Content.ReadAsStringAsync());
    });
}
