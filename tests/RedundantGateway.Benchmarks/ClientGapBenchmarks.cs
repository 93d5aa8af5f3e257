using System.Diagnostics;
using System.Text;
using RedundantGateway.Pair.Tests.PairHarness;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// Issue 14: what an application of <see cref="GatewayPairClient"/> sees of a failover. A client subscribed to a demo
/// tag that changes every 250 ms; a fault of the active master (kill -9, SIGSTOP, or a cut of its web port and of the
/// pair's link, without RST); the gap from the last value delivered before the fault to the first delivered after it,
/// against the failover time of the same run (fault until the backup's API reports active) plus 300 ms.
/// </summary>
internal static class ClientGapBenchmarks
{
    private const string Tag = "projects/demo/tags/area1/counter-004";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Allowance = TimeSpan.FromMilliseconds(300);

    private sealed record RunResult(double GapMs, double FailoverMs, double TransferredMs, double ReportedGapMs);

    public static async Task<string> ClientGapAsync(IReadOnlyList<string> faults, int runs, string command, string? busyNote)
    {
        var text = new StringBuilder()
            .AppendLine("### Client gap through a failover (GatewayPairClient), shipped defaults")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine($"A `GatewayPairClient` (default options: silence 600 ms, request timeout 1 s) subscribed to `{Tag}` (a counter scanned every 250 ms) " +
                        "on a pair with the demo. Gap: from the arrival of the last value before the fault to the arrival of the first value after it " +
                        "(it includes up to one scan interval on each side). Failover: the fault until the backup's API reports active, polled every 5 ms in the same run. " +
                        $"Goal: gap <= failover + {Allowance.TotalMilliseconds:0} ms in every run.")
            .AppendLine()
            .AppendLine("| fault | measure | runs | median | p99 | max |")
            .AppendLine("|---|---|---|---|---|---|");
        var verdicts = new List<string>();
        foreach (var fault in faults)
        {
            Console.WriteLine($"client gap, fault {fault}, {runs} runs");
            var results = await RunFaultAsync(fault, runs);
            var name = fault switch { "kill" => "kill -9", "freeze" => "SIGSTOP (hung)", _ => "cut link (no RST)" };
            text.AppendLine(Row(name, "client gap: last value before the fault to the first after (ms)", results.Select(r => r.GapMs)))
                .AppendLine(Row(name, "failover: fault until the backup's API reports active (ms)", results.Select(r => r.FailoverMs)))
                .AppendLine(Row(name, "gap minus failover (ms)", results.Select(r => r.GapMs - r.FailoverMs)))
                .AppendLine(Row(name, "fault until Transferred was raised (ms)", results.Select(r => r.TransferredMs)))
                .AppendLine(Row(name, "gap the client reported in Transferred (ms)", results.Select(r => r.ReportedGapMs)));
            var met = results.Count(r => r.GapMs <= r.FailoverMs + Allowance.TotalMilliseconds);
            verdicts.Add($"{name}: goal met in {met} of {results.Count} runs");
        }
        text.AppendLine().AppendLine(string.Join("; ", verdicts) + ".");
        if (busyNote is not null) text.AppendLine().AppendLine(busyNote);
        return text.ToString();
    }

    private static async Task<List<RunResult>> RunFaultAsync(string fault, int runs)
    {
        var proxies = new List<LinkProxy>();
        var results = new List<RunResult>();
        try
        {
            // The cut: every byte of the pair's link and of the client's way to the master crosses a proxy that can stop forwarding.
            Func<int, int>? viaProxy = fault == "cut" ? link => Track(proxies, new LinkProxy(link)).Port : null;
            using var pair = new BenchPair("", extraHocon: "redundant-gateway.demo.enabled = on", publicLink: viaProxy);
            var masterWeb = fault == "cut" ? Track(proxies, new LinkProxy(pair.Master.WebPort)) : null;
            pair.Master.Start();
            pair.Backup.Start();
            for (var run = 1; run <= runs; run++)
            {
                await UntilAsync(async () => await pair.Master.LevelAsync() == "active" && await pair.Backup.LevelAsync() == "cold"
                                             && await pair.Master.ConnectedAsync() && await pair.Backup.ConnectedAsync()
                                             && await pair.Master.ConfigStatusAsync() is { Revision: > 0 and var m }
                                             && await pair.Backup.ConfigStatusAsync() is { Revision: var b } && b == m, "pair ready with the demo on both");
                var result = await OneRunAsync(pair, fault, masterWeb, proxies);
                results.Add(result);
                Console.WriteLine($"  run {run}: gap {result.GapMs:F0} ms, failover {result.FailoverMs:F0} ms, transferred after {result.TransferredMs:F0} ms");
                // Back to the master: restarted (kill), continued (freeze) or healed (cut); automatic recovery hands back.
                if (fault == "kill") pair.Master.Start();
                else if (fault == "freeze") pair.Master.Continue();
                else foreach (var proxy in proxies) proxy.Heal();
            }
            pair.Master.Terminate();
            pair.Backup.Terminate();
        }
        finally
        {
            foreach (var proxy in proxies) await proxy.DisposeAsync();
        }
        return results;
    }

    private static async Task<RunResult> OneRunAsync(BenchPair pair, string fault, LinkProxy? masterWeb, List<LinkProxy> proxies)
    {
        var clock = Stopwatch.StartNew();
        var arrivals = new List<(TimeSpan At, string Node)>();
        TimeSpan? transferredAt = null;
        TimeSpan reportedGap = TimeSpan.Zero;
        var masterAddress = new Uri($"http://127.0.0.1:{masterWeb?.Port ?? pair.Master.WebPort}/");
        await using var client = GatewayClient.ForPair(masterAddress, new Uri(pair.Backup.BaseUrl + "/"));
        client.ValueReceived += (_, e) => { lock (arrivals) arrivals.Add((clock.Elapsed, e.Node.Name ?? "")); };
        client.Transferred += (_, e) => { lock (arrivals) { transferredAt ??= clock.Elapsed; reportedGap = e.Gap; } };
        using (var starting = new CancellationTokenSource(Deadline)) await client.StartAsync(PairSubscription.Tags(Tag), starting.Token);
        int Count(Func<(TimeSpan At, string Node), bool> which) { lock (arrivals) return arrivals.Count(which); }
        await UntilAsync(() => Task.FromResult(Count(a => a.Node == "master") >= 4), "values from the master");

        var faultAt = clock.Elapsed;
        switch (fault)
        {
            case "kill": pair.Master.KillHard(); break;
            case "freeze": pair.Master.Freeze(); break;
            default:
                foreach (var proxy in proxies) proxy.Cut();
                break;
        }
        await UntilAsync(async () => await pair.Backup.LevelAsync() == "active", "backup active", pollMs: 5);
        var failover = clock.Elapsed - faultAt;
        await UntilAsync(() => Task.FromResult(Count(a => a.At > faultAt) >= 2), "values after the fault");
        lock (arrivals)
        {
            var lastBefore = arrivals.Where(a => a.At <= faultAt).Max(a => a.At);
            var firstAfter = arrivals.Where(a => a.At > faultAt).Min(a => a.At);
            return new RunResult((firstAfter - lastBefore).TotalMilliseconds, failover.TotalMilliseconds,
                ((transferredAt ?? clock.Elapsed) - faultAt).TotalMilliseconds, reportedGap.TotalMilliseconds);
        }
    }

    private static LinkProxy Track(List<LinkProxy> proxies, LinkProxy proxy)
    {
        proxies.Add(proxy);
        return proxy;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, int pollMs = 50)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > Deadline) throw new TimeoutException($"{what}: not reached within {Deadline.TotalSeconds} s");
            await Task.Delay(pollMs);
        }
    }

    private static string Row(string fault, string label, IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        double Rank(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
        return $"| {fault} | {label} | {sorted.Count} | {Rank(0.5):F0} | {Rank(0.99):F0} | {sorted[^1]:F0} |";
    }
}
