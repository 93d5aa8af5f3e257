using System.Diagnostics;
using Microsoft.Playwright;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The live HMI page (/hmi/demo/overview?x=1) in a real browser (Debian's Chromium through Playwright) on a real pair:
/// opened on the master, scrolled and typed into, it ends up on the backup's same page and query after a kill -9 or a
/// SIGSTOP of the master, with the "transferred to backup at HH:MM:SS" banner, its values updating there, and the
/// scroll position and the unsaved note restored. Screenshots: TestResults/screenshots under the test output.
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

    private async Task FailoverAsync(string fault, Action<NodeProcess> inject)
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "  demo.enabled = on" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (masterUrl, backupUrl) = ($"http://127.0.0.1:{masterSpec.WebPort}", $"http://127.0.0.1:{backupSpec.WebPort}");
        try
        {
            await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
            await UntilStatusAsync(master, s => s.Peer?.WebAddress == backupUrl, "the backup's web address in the master's status");
            await UntilStatusAsync(backup, s => s.Peer?.WebAddress == masterUrl, "the master's web address in the backup's status");

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
