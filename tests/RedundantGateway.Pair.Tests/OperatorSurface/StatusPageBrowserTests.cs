using System.Diagnostics;
using Microsoft.Playwright;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Status > Redundancy (/status/redundancy) in a real browser (Debian's Chromium through Playwright) on a real pair:
/// it loads without console errors and shows both nodes (the peer read cross-origin), it changes within 2 s when the
/// master is killed (the master's page says it lost its node and still shows the peer; the backup's page shows
/// itself active), and its "Request failover" button hands over after the confirmation with the token.
/// Screenshots: TestResults/screenshots under the test output.
/// </summary>
public sealed class StatusPageBrowserTests(ITestOutputHelper output) : PairTest(output)
{
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public Task The_page_shows_both_nodes_and_follows_a_kill_of_the_master() => Scenario(async () =>
    {
        var (master, backup, masterUrl, backupUrl) = await StartPairAsync();
        await using var browser = await StatusPageBrowser.LaunchAsync();
        var errors = new List<string>();
        var masterPage = await browser.OpenAsync($"{masterUrl}/status/redundancy", errors);
        var backupPage = await browser.OpenAsync($"{backupUrl}/status/redundancy", errors);

        // Both nodes side by side on each page: the peer's card comes from the peer itself (cross-origin).
        await ExpectCardsAsync(masterPage, self: ("master", "active"), peer: ("backup", "cold"));
        await ExpectCardsAsync(backupPage, self: ("backup", "cold"), peer: ("master", "active"));
        await Expect(masterPage.Locator("#events-list li").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(masterPage.Locator("#lost-banner")).ToBeHiddenAsync();
        // Let a few polling rounds run (chart samples, events) before judging the console.
        await Expect(masterPage.Locator("#node-self [data-field=levelUptime]")).Not.ToHaveTextAsync("-", Soon);
        await masterPage.WaitForFunctionAsync("() => document.querySelectorAll('#events-list li').length > 0");
        Log($"screenshots: {StatusPageBrowser.ScreenshotDir}");
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(masterPage, "master-page-pair-up")}");
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(backupPage, "backup-page-pair-up")}");
        lock (errors) Assert.True(errors.Count == 0, "console errors on loading:\n" + string.Join("\n", errors));

        var clock = Stopwatch.StartNew();
        master.KillHard();
        // The master's page: a banner at once, the peer still shown (and the fetch failures are expected now).
        await Expect(masterPage.Locator("#lost-banner")).ToBeVisibleAsync(new() { Timeout = 2_000 });
        var banner = clock.Elapsed;
        // The backup's page: it shows its peer gone, then itself active.
        await Expect(backupPage.Locator("#node-peer [data-field=answer]")).ToContainTextAsync("no answer", new() { Timeout = 2_000 });
        var peerGone = clock.Elapsed;
        await Expect(backupPage.Locator("#node-self [data-field=activityLevel]")).ToHaveTextAsync("active", new() { Timeout = 2_000 });
        var backupActive = clock.Elapsed;
        Log($"after kill -9 of the master: banner on its page after {banner.TotalMilliseconds:0} ms; the backup's page showed the master gone " +
            $"after {peerGone.TotalMilliseconds:0} ms and itself active after {backupActive.TotalMilliseconds:0} ms");
        await Expect(masterPage.Locator("#node-peer [data-field=activityLevel]")).ToHaveTextAsync("active", Soon);
        // Its events now come from the peer, the node that still answers.
        await Expect(masterPage.Locator("#events-source")).ToContainTextAsync(backupUrl, new() { Timeout = 5_000 });
        await Expect(masterPage.Locator("#events-list li").First).ToBeVisibleAsync(new() { Timeout = 5_000 });
        Assert.Equal("backup", await masterPage.Locator("#node-peer [data-field=nodeName]").TextContentAsync());
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(masterPage, "master-page-node-lost")}");
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(backupPage, "backup-page-after-kill")}");
        _ = backup;
    });

    [Fact]
    public Task The_failover_button_hands_over_after_the_confirmation_with_the_token() => Scenario(async () =>
    {
        var (master, backup, masterUrl, _) = await StartPairAsync();
        await using var browser = await StatusPageBrowser.LaunchAsync();
        var errors = new List<string>();
        var page = await browser.OpenAsync($"{masterUrl}/status/redundancy", errors);
        await ExpectCardsAsync(page, self: ("master", "active"), peer: ("backup", "cold"));

        // Cancelled: nothing is sent.
        await page.ClickAsync("#failover-button");
        await Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        await page.ClickAsync("#confirm-cancel");
        await Expect(page.Locator("#confirm-dialog")).ToBeHiddenAsync();
        Assert.Equal("", await page.Locator("#action-result").TextContentAsync());

        // Confirmed with a wrong token: the node's 401 is shown, the master stays active.
        await page.ClickAsync("#failover-button");
        await page.FillAsync("#token-input", "wrong-token");
        await page.ClickAsync("#confirm-ok");
        await Expect(page.Locator("#action-result")).ToContainTextAsync("refused (401)", new() { Timeout = 15_000 });
        Assert.True((await master.Api!.GetStatusAsync())!.IsActive, "the master stayed active after a refused request");

        // Confirmed with the token: the master hands over to the backup.
        await page.ClickAsync("#failover-button");
        await page.FillAsync("#token-input", master.Spec!.ApiToken!);
        await page.ClickAsync("#confirm-ok");
        await Expect(page.Locator("#action-result")).ToContainTextAsync("done", new() { Timeout = 15_000 });
        await UntilPairSettledAsync(master, backup, "backup", "the backup active after the failover requested on the page");
        await ExpectCardsAsync(page, self: ("master", "cold"), peer: ("backup", "active"));
        Log($"saved {await StatusPageBrowser.ScreenshotAsync(page, "master-page-after-failover")}");
        lock (errors) Assert.True(errors.Count == 0 || errors.All(e => e.Contains("401")), "console errors:\n" + string.Join("\n", errors));
    });

    private async Task<(NodeProcess Master, NodeProcess Backup, string MasterUrl, string BackupUrl)> StartPairAsync()
    {
        var token = $"tok-{Guid.NewGuid():N}";
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = $"  api.token = \"{token}\"", ApiToken = token };
        backupSpec = backupSpec with { Extra = $"  api.token = \"{token}\"", ApiToken = token };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        // Each knows where the other's web surface is (the page calls the peer there).
        await UntilStatusAsync(master, s => s.Peer?.WebAddress == $"http://127.0.0.1:{backupSpec.WebPort}", "the backup's web address in the master's status");
        await UntilStatusAsync(backup, s => s.Peer?.WebAddress == $"http://127.0.0.1:{masterSpec.WebPort}", "the master's web address in the backup's status");
        return (master, backup, $"http://127.0.0.1:{masterSpec.WebPort}", $"http://127.0.0.1:{backupSpec.WebPort}");
    }

    private static async Task ExpectCardsAsync(IPage page, (string Name, string Level) self, (string Name, string Level) peer)
    {
        await Expect(page.Locator("#node-self [data-field=nodeName]")).ToHaveTextAsync(self.Name, Soon);
        await Expect(page.Locator("#node-self [data-field=activityLevel]")).ToHaveTextAsync(self.Level, Soon);
        await Expect(page.Locator("#node-peer [data-field=nodeName]")).ToHaveTextAsync(peer.Name, Soon);
        await Expect(page.Locator("#node-peer [data-field=activityLevel]")).ToHaveTextAsync(peer.Level, Soon);
    }
}
