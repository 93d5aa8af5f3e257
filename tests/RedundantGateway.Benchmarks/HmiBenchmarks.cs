using System.Diagnostics;
using System.Text;
using Microsoft.Playwright;
using RedundantGateway.Pair.Tests.PairHarness;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// hmi-failover (issue 14): the live HMI page (/hmi/demo/overview?x=1) open on the active master in Debian's Chromium;
/// a fault of the master; the time until the page is live on the backup with values updating there (its URL on the
/// backup and a value change after the snapshot). Faults: kill -9; SIGSTOP (hung: sockets open); a cut of the master's
/// network (TCP proxies in front of its web port and of both node links, there for this fault only, stop forwarding:
/// nothing is closed, no RST).
/// A fresh pair per run (shipped defaults), so that no run starts from the previous run's fail-back.
/// </summary>
internal static class HmiBenchmarks
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string Page = "/hmi/demo/overview?x=1";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private sealed record RunResult(double PageLiveMs, double BackupActiveMs);

    public static async Task<string> FailoverAsync(IReadOnlyList<string> faults, int runs, string command)
    {
        if (!File.Exists(ChromiumPath)) throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-gpu"],
        });
        var results = new Dictionary<string, List<RunResult>>();
        foreach (var fault in faults)
        {
            Console.WriteLine($"hmi-failover, fault {fault}, {runs} runs");
            var list = results[fault] = [];
            for (var run = 1; run <= runs; run++)
            {
                var result = await OneRunAsync(browser, fault);
                list.Add(result);
                Console.WriteLine($"  run {run}: page live on the backup after {result.PageLiveMs:F0} ms (backup active after {result.BackupActiveMs:F0} ms)");
            }
        }

        var text = new StringBuilder()
            .AppendLine("### HMI page failover: fault to the page live on the other node, shipped defaults")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine("The page `/hmi/demo/overview?x=1` open on the active master in Debian's Chromium (headless, Playwright); time from the fault " +
                        "until the browser shows the same page and query on the backup with a value changed after its snapshot. " +
                        "Defaults: `hmi.lost-after` 600 ms, `hmi.poll-interval` 150 ms, `hmi.fetch-timeout` 400 ms, failover timeout 1.5 s. " +
                        "Goals: kill -9 at most 2 s; hung or cut at most the failover time of the same run plus 1 s.")
            .AppendLine()
            .AppendLine("| fault | measure | runs | median | p99 | min | max | runs within the goal |")
            .AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var (fault, list) in results)
        {
            var what = fault switch
            {
                "kill" => "kill -9 of the master",
                "hung" => "SIGSTOP of the master (hung, sockets open)",
                _ => "master cut off (proxies stop forwarding, no RST)",
            };
            var within = list.Count(r => fault == "kill" ? r.PageLiveMs <= 2000 : r.PageLiveMs <= r.BackupActiveMs + 1000);
            text.AppendLine(Row(what, "page live on the backup (ms)", list.Select(r => r.PageLiveMs).ToList(), $"{within} of {list.Count}"));
            text.AppendLine(Row(what, "backup's API active (failover time, ms)", list.Select(r => r.BackupActiveMs).ToList(), ""));
            text.AppendLine(Row(what, "page live minus failover time (ms)", list.Select(r => r.PageLiveMs - r.BackupActiveMs).ToList(), ""));
        }
        return text.ToString();
    }

    private static async Task<RunResult> OneRunAsync(IBrowser browser, string fault)
    {
        var workDir = Path.Combine(Path.GetTempPath(), $"rg-bench-hmi-{Guid.NewGuid():N}"[..24]);
        var (masterWeb, backupWeb, masterLink, backupLink) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        // For a cut, the browser and the backup reach the master only through these, so that a cut is a cut for both. Not
        // for a kill: a proxy would accept connections for a dead master, where its port refuses them.
        var viaProxies = fault == "cut";
        await using var webProxy = new LinkProxy(masterWeb);
        await using var masterLinkProxy = new LinkProxy(masterLink);
        await using var backupLinkProxy = new LinkProxy(backupLink);
        var (masterWebSeen, masterLinkSeen, backupLinkSeen) = viaProxies
            ? (webProxy.Port, masterLinkProxy.Port, backupLinkProxy.Port)
            : (masterWeb, masterLink, backupLink);
        string Hocon(string name, string role, int web, int publicWeb, int link, int publicLink, string peerKey, int peerLink) => $$"""
            redundant-gateway {
              node-name = "{{name}}"
              role = {{role}}
              data-dir = "{{Path.Combine(workDir, name)}}"
              web { port = {{web}}, public-port = {{publicWeb}} }
              cluster { port = {{link}}, public-port = {{publicLink}} }
              redundancy { {{peerKey}} = "127.0.0.1:{{peerLink}}", join-wait-time = 5s, recovery-mode = automatic }
              demo.enabled = {{(role == "master" ? "on" : "off")}}
            }
            """;
        using var master = new BenchNode("master", Hocon("master", "master", masterWeb, masterWebSeen, masterLink, masterLinkSeen, "backup-address", backupLinkSeen), workDir, masterWeb);
        using var backup = new BenchNode("backup", Hocon("backup", "backup", backupWeb, 0, backupLink, backupLinkSeen, "master-address", masterLinkSeen), workDir, backupWeb);
        var masterUrl = $"http://127.0.0.1:{masterWebSeen}";
        master.Start();
        backup.Start();
        IPage? page = null;
        try
        {
            await Until(async () => await master.LevelAsync() == "active" && await backup.LevelAsync() == "cold"
                                    && (await master.StatusAsync())?.Peer?.WebAddress == backup.BaseUrl
                                    && (await backup.StatusAsync())?.Peer?.WebAddress == masterUrl
                                    && await AnswersAsync($"{backup.BaseUrl}/api/config/projects/demo/pages/overview"), "pair ready with the demo page on both");
            page = await browser.NewPageAsync();
            await page.GotoAsync(masterUrl + Page);
            await page.WaitForFunctionAsync(ValuesUpdating, null, new() { Timeout = 30_000, PollingInterval = 20 });

            var clock = Stopwatch.StartNew();
            var backupActive = Task.Run(async () =>
            {
                while (await GwInfoLevelAsync(backup.BaseUrl) != "active")
                {
                    if (clock.Elapsed > Deadline) throw new TimeoutException("the backup never became active");
                    await Task.Delay(10);
                }
                return clock.Elapsed.TotalMilliseconds;
            });
            switch (fault)
            {
                case "kill": master.KillHard(); break;
                case "hung": master.Freeze(); break;
                default: webProxy.Cut(); masterLinkProxy.Cut(); backupLinkProxy.Cut(); break;
            }
            await page.WaitForURLAsync(url => url.StartsWith(backup.BaseUrl + Page, StringComparison.Ordinal), new() { Timeout = (float)Deadline.TotalMilliseconds });
            await page.WaitForFunctionAsync(ValuesUpdating, null, new() { Timeout = (float)Deadline.TotalMilliseconds, PollingInterval = 10 });
            var live = clock.Elapsed.TotalMilliseconds;
            return new RunResult(live, await backupActive);
        }
        finally
        {
            if (page is not null) await page.CloseAsync();
            master.Continue();
            master.KillHard();
            backup.KillHard();
        }
    }

    /// <summary>Live with a value changed after the snapshot (which shows each row once).</summary>
    private const string ValuesUpdating =
        "() => document.body.dataset.mode === 'live' && Number(document.body.dataset.updates) > document.querySelectorAll('#tags tbody tr').length";

    private static async Task<bool> AnswersAsync(string url)
    {
        try { return (await Http.GetAsync(url)).IsSuccessStatusCode; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
    }

    private static async Task<string?> GwInfoLevelAsync(string baseUrl)
    {
        try
        {
            var text = await Http.GetStringAsync($"{baseUrl}/system/gwinfo");
            return text.Split(';').Select(f => f.Split('=', 2)).FirstOrDefault(kv => kv[0] == "RedundantNodeActiveStatus")?[1].Trim().ToLowerInvariant();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
    }

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > Deadline) throw new TimeoutException($"{what}: not reached within {Deadline.TotalSeconds} s");
            await Task.Delay(100);
        }
    }

    private static string Row(string fault, string label, List<double> values, string within)
    {
        var sorted = values.Order().ToList();
        double Rank(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
        return $"| {fault} | {label} | {sorted.Count} | {Rank(0.5):F0} | {Rank(0.99):F0} | {sorted[0]:F0} | {sorted[^1]:F0} | {within} |";
    }
}
