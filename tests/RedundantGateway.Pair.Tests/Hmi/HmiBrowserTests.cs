using System.Diagnostics;
using Microsoft.Playwright;
using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The live HMI page (/hmi/demo/overview?x=1) in a real browser (Debian's Chromium through Playwright) on a real pair:
/// opened on the master, scrolled and typed into, it ends up on the backup's same page and query after a kill -9 or a
/// SIGSTOP or a cut of the network of the master, with the "transferred to backup at HH:MM:SS" banner, its values updating there, and the
/// scroll position and the unsaved note restored; the same for a requested failover and back; a page whose node comes
/// back active first stays; a page served while no node is active goes live once one is; the acknowledge button.
/// Screenshots: TestResults/screenshots under the test output.
/// </summary>
public sealed class HmiBrowserTests(ITestOutputHelper output) : PairTest(output)
{
    private const string Page = "/hmi/demo/overview?x=1";
    private const string Note = "valve 3 checked, half-typed";
    // Small enough that the page scrolls.
    private static readonly ViewportSize Small = new() { Width = 900, Height = 420 };

    [Fact]
    public Task The_page_moves_to_the_backup_with_its_scroll_and_input_after_a_kill_of_the_master() =>
        Scenario(() => FailoverAsync("kill", master => master.KillHard()));

    [Fact]
    public Task The_page_moves_to_the_backup_with_its_scroll_and_input_when_the_master_hangs() =>
        Scenario(() => FailoverAsync("sigstop", master => master.Pause()));

    [Fact]
    public Task The_page_moves_to_the_backup_when_the_master_is_cut_off_without_a_reset() => Scenario(async () =>
    {
        // The browser and the backup reach the master only through proxies that stop forwarding on a cut (no RST).
        var (masterSpec, backupSpec) = PairSpecs(viaProxies: true);
        var webProxy = AddProxy(masterSpec.WebPort);
        masterSpec = masterSpec with { Extra = $"  demo.enabled = on\n  web.public-port = {webProxy.Port}" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (masterUrl, backupUrl) = ($"http://127.0.0.1:{webProxy.Port}", $"http://127.0.0.1:{backupSpec.WebPort}");
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        await UntilStatusAsync(backup, s => s.Peer?.WebAddress == masterUrl, "the master's proxied web address in the backup's status");
        await UntilStatusAsync(master, s => s.Peer?.WebAddress == backupUrl, "the backup's web address in the master's status");

        await using var browser = await StatusPageBrowser.LaunchAsync();
        var page = await browser.OpenAsync(masterUrl + Page, [], Small);
        await UntilUpdatesAsync(page, "values updating on the master's page");
        await page.FillAsync("#ack-note", Note);

        var clock = Stopwatch.StartNew();
        foreach (var proxy in Proxies) proxy.Cut();
        await page.WaitForURLAsync(url => url.StartsWith(backupUrl + Page, StringComparison.Ordinal), new() { Timeout = 20_000 });
        await UntilUpdatesAsync(page, "values updating on the backup's page");
        Log($"cut of the master: the page live on the backup after {clock.Elapsed.TotalMilliseconds:0} ms");
        await Expect(page.Locator("#transfer-text")).ToContainTextAsync("transferred to backup at");
        Assert.Equal(Note, await page.InputValueAsync("#ack-note"));
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(page, "hmi-cut-backup-after")}");
    });

    [Fact]
    public Task A_requested_failover_moves_the_page_to_the_new_active_node_too() => Scenario(async () =>
    {
        var (master, backup, masterUrl, backupUrl) = await StartPairAsync();
        await using var browser = await StatusPageBrowser.LaunchAsync();
        var page = await browser.OpenAsync(masterUrl + Page, [], Small);
        await UntilUpdatesAsync(page, "values updating on the master's page");
        await page.FillAsync("#ack-note", Note);

        // Planned: the master's stream says it left active (no silence to wait for), the backup is active at once.
        var (status, body) = await master.Api!.PostFailoverAsync();
        Assert.True(status == 200, $"failover refused: {status} {body}");
        await page.WaitForURLAsync(url => url.StartsWith(backupUrl + Page, StringComparison.Ordinal), new() { Timeout = 15_000 });
        await Expect(page.Locator("#transfer-text")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^transferred to backup at \d\d:\d\d:\d\d"));
        await UntilUpdatesAsync(page, "values updating on the backup's page");
        Assert.Equal(Note, await page.InputValueAsync("#ack-note"));

        // And back: the banner names the master's role.
        (status, body) = await backup.Api!.PostFailoverAsync();
        Assert.True(status == 200, $"fail-back refused: {status} {body}");
        await page.WaitForURLAsync(url => url.StartsWith(masterUrl + Page, StringComparison.Ordinal), new() { Timeout = 15_000 });
        await Expect(page.Locator("#transfer-text")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^transferred to master at "));
        await UntilUpdatesAsync(page, "values updating on the master's page again");
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(page, "hmi-failed-back")}");
    });

    [Fact]
    public Task A_page_served_while_no_node_is_active_goes_live_once_its_node_is() => Scenario(async () =>
    {
        var (master, backup, _, backupUrl) = await StartPairAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await UntilAsync(async () => (await http.GetAsync($"{backupUrl}/api/config/projects/demo/pages/overview")).IsSuccessStatusCode,
            "the demo page replicated to the backup");
        // The backup stopped while cold, the master gone: restarted alone, it waits join-wait-time for its master.
        backup.Terminate();
        await backup.WaitForExitAsync(TimeSpan.FromSeconds(30));
        master.KillHard();
        var alone = StartNode(backup.Spec! with { JoinWaitTime = TimeSpan.FromSeconds(15) });
        await UntilAsync(async () =>
        {
            try { return (await http.GetAsync(backupUrl + Page)).IsSuccessStatusCode; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
        }, "the page served by the backup alone");

        await using var browser = await StatusPageBrowser.LaunchAsync();
        var page = await browser.OpenAsync(backupUrl + Page, [], Small);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-mode", "waiting");
        await Expect(page.Locator("#lost-banner")).ToContainTextAsync("no active node is known");
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(page, "hmi-waiting")}");
        await UntilStatusAsync(alone, s => s.IsActive, "the backup active alone after its join wait", TimeSpan.FromSeconds(45));
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-mode", "live", new() { Timeout = 10_000 });
        await UntilUpdatesAsync(page, "values updating once the backup is active");
        await Expect(page.Locator("#lost-banner")).ToBeHiddenAsync();
        Assert.Equal(backupUrl + Page, page.Url);
    });

    [Fact]
    public Task A_page_whose_node_comes_back_active_first_stays_and_resubscribes() => Scenario(async () =>
    {
        var (master, _, masterUrl, _) = await StartPairAsync();
        try
        {
            await using var browser = await StatusPageBrowser.LaunchAsync();
            var page = await browser.OpenAsync(masterUrl + Page, [], Small);
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-mode", "live", new() { Timeout = 15_000 });
            // Stopped for less than the failover timeout (1.5 s): the page's stream goes silent past hmi.lost-after (600 ms),
            // but the master is still the active node when it wakes up.
            master.Pause();
            await page.WaitForFunctionAsync("() => document.body.dataset.mode === 'lost'", null, new() { Timeout = 5_000 });
            master.Resume();
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-mode", "live", new() { Timeout = 10_000 });
            await UntilUpdatesAsync(page, "values updating again on the master's page");
            Assert.Equal(masterUrl + Page, page.Url);
            await Expect(page.Locator("#lost-banner")).ToBeHiddenAsync();
            await Expect(page.Locator("#transfer-banner")).ToBeHiddenAsync();
        }
        finally
        {
            master.Resume();
        }
    });

    [Fact]
    public Task The_acknowledge_button_sends_the_note_with_the_token_the_node_asks_for() => Scenario(async () =>
    {
        var token = $"tok-{Guid.NewGuid():N}";
        var (master, _, masterUrl, _) = await StartPairAsync($"  api.token = \"{token}\"", token);
        await using var browser = await StatusPageBrowser.LaunchAsync();
        var page = await browser.OpenAsync(masterUrl + Page, [], Small);
        await Expect(page.Locator("#token-label")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        // The demo keeps several alarms active at any time, each activation for at least 30 s.
        var button = page.Locator("#alarms tr.active button.ack:not([disabled])").First;
        await Expect(button).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var id = await button.EvaluateAsync<string>("b => b.closest('tr').dataset.id");

        await page.FillAsync("#ack-note", "checked on site");
        await button.ClickAsync();
        await Expect(page.Locator("#ack-result")).ToContainTextAsync("refused (401)", new() { Timeout = 10_000 });
        Assert.Equal("checked on site", await page.InputValueAsync("#ack-note")); // nothing lost

        await page.FillAsync("#api-token", token);
        await page.Locator($"#alarms tr[data-id='{id}'] button.ack").ClickAsync();
        await Expect(page.Locator("#ack-result")).ToContainTextAsync($"acknowledged {id}", new() { Timeout = 10_000 });
        AlarmInfo? alarm = null;
        await UntilAsync(async () =>
        {
            alarm = (await master.Api!.Client.GetAlarmsAsync()).Alarms.FirstOrDefault(a => a.Id == id);
            return alarm is { Acked: true };
        }, $"{id} acknowledged");
        Assert.Equal("checked on site", alarm!.AckNote);
        Assert.Equal("", await page.InputValueAsync("#ack-note")); // sent: no longer unsaved
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(page, "hmi-acknowledged")}");
    });

    private async Task<(NodeProcess Master, NodeProcess Backup, string MasterUrl, string BackupUrl)> StartPairAsync(string extra = "", string? token = null)
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "  demo.enabled = on\n" + extra, ApiToken = token };
        backupSpec = backupSpec with { Extra = extra, ApiToken = token };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (masterUrl, backupUrl) = ($"http://127.0.0.1:{masterSpec.WebPort}", $"http://127.0.0.1:{backupSpec.WebPort}");
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        await UntilStatusAsync(master, s => s.Peer?.WebAddress == backupUrl, "the backup's web address in the master's status");
        await UntilStatusAsync(backup, s => s.Peer?.WebAddress == masterUrl, "the master's web address in the backup's status");
        return (master, backup, masterUrl, backupUrl);
    }

    private async Task FailoverAsync(string fault, Action<NodeProcess> inject)
    {
        var (master, _, masterUrl, backupUrl) = await StartPairAsync();
        try
        {

            await using var browser = await StatusPageBrowser.LaunchAsync();
            var errors = new List<string>();
            var page = await browser.OpenAsync(masterUrl + Page, errors, Small);
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-mode", "live", new() { Timeout = 15_000 });
            await UntilUpdatesAsync(page, "values updating on the master's page");
            await page.FillAsync("#ack-note", Note);
            var scrollY = await page.EvaluateAsync<int>("() => { window.scrollTo(0, 240); return Math.round(window.scrollY); }");
            Assert.True(scrollY > 0, "the page does not scroll at this size");
            Log($"saved {await StatusPageBrowser.ScreenshotAsync(page, $"hmi-{fault}-master-before")}");
            lock (errors) Assert.True(errors.Count == 0, "console errors on the master's page:\n" + string.Join("\n", errors));

            var clock = Stopwatch.StartNew();
            inject(master);
            await page.WaitForURLAsync(url => url.StartsWith(backupUrl + Page, StringComparison.Ordinal), new() { Timeout = 20_000 });
            var moved = clock.Elapsed;
            await Expect(page.Locator("#transfer-banner")).ToBeVisibleAsync(new() { Timeout = 5_000 });
            await Expect(page.Locator("#transfer-text")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^transferred to backup at \d\d:\d\d:\d\d"));
            await UntilUpdatesAsync(page, "values updating on the backup's page");
            var live = clock.Elapsed;
            Log($"{fault} of the master: the page on the backup after {moved.TotalMilliseconds:0} ms, values updating there after {live.TotalMilliseconds:0} ms");

            Assert.Equal(backupUrl + Page, page.Url); // the carried state left the fragment
            Assert.Equal(Note, await page.InputValueAsync("#ack-note"));
            Assert.Equal(scrollY, await page.EvaluateAsync<int>("() => Math.round(window.scrollY)"));
            Assert.Equal("live", await page.Locator("body").GetAttributeAsync("data-mode"));
            Log($"saved {await StatusPageBrowser.ScreenshotAsync(page, $"hmi-{fault}-backup-after")}");

            await page.ClickAsync("#transfer-dismiss");
            await Expect(page.Locator("#transfer-banner")).ToBeHiddenAsync();
        }
        finally
        {
            // A stopped master must never outlive the test.
            master.Resume();
            master.KillHard();
        }
    }

    /// <summary>Waits until the page has shown at least two more value changes than now.</summary>
    private async Task UntilUpdatesAsync(IPage page, string what)
    {
        var before = await Updates(page);
        await UntilAsync(async () => await Updates(page) >= before + 2, what, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
    }

    private static async Task<int> Updates(IPage page)
    {
        try { return int.Parse(await page.Locator("body").GetAttributeAsync("data-updates") ?? "0"); }
        catch (PlaywrightException) { return -1; } // navigating
    }
}
