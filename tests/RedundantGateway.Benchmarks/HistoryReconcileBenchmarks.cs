using System.Diagnostics;
using System.Globalization;
using System.Text;
using Akka.Actor;
using RedundantGateway.ConfigSync;
using RedundantGateway.History;
using RedundantGateway.Liveness;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// Partial backup history level after a master outage (issue 12, in process): an active backup cached every sample of
/// the window; once the master's ledger answers, the cache keeps what the master did not log, forwards it to the store
/// and drops the rest. Timed from the ledger's answer reaching the cache to the store holding every forwarded sample.
/// </summary>
internal static class HistoryReconcileBenchmarks
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
    private const int Tags = 1000;
    private const int BatchSize = 50_000; // the shipped forward.batch-size

    public static async Task<string> RunAsync(int samples, int runs, string storeKind, string command)
    {
        var changes = samples / Tags;
        var window = TimeSpan.FromMilliseconds(changes * 10L);
        // The master logged the first and the last 30% of the window; the outage is the 40% between.
        IReadOnlyList<LoggingInterval> ledger =
        [
            new(T0.AddHours(-1), T0 + window * 0.3),
            new(T0 + window * 0.7, T0 + window + TimeSpan.FromHours(1)),
        ];
        Console.WriteLine($"history-reconcile --store {storeKind}: {changes * Tags:N0} cached samples, {runs} runs");
        var loadBefore = Machine.LoadAverage();
        var rows = new StringBuilder();
        var times = new List<double>();
        var root = Path.Combine(Path.GetTempPath(), "rg-bench-reconcile-" + Guid.NewGuid().ToString("N"));
        try
        {
            for (var run = 0; run <= runs; run++) // run 0 warms up (JIT), not reported
            {
                var dir = Path.Combine(root, $"run-{run}");
                var (seconds, forwarded, dropped, cpu) = await OneAsync(dir, changes, ledger, storeKind);
                Console.WriteLine($"  run {run}: {forwarded:N0} forwarded, {dropped:N0} dropped in {seconds:F2} s (CPU {cpu:F2} s)");
                if (run == 0) continue;
                times.Add(seconds);
                rows.AppendLine(CultureInfo.InvariantCulture, $"| {run} | {forwarded:N0} | {dropped:N0} | {seconds:F2} | {cpu:F2} |");
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
        times.Sort();
        var median = times[times.Count / 2];
        return $"""
            ### History, partial backup level: reconciling {changes * Tags:N0} cached samples after a master outage into the {storeKind} store (issue 12, in process; goal at most 10 s)

            Command: `{command}`

            Median {median:F2} s, worst {times[^1]:F2} s over {times.Count} runs (goal at most 10 s).

            | run | forwarded | dropped | seconds (ledger answer to the last forwarded sample stored) | process CPU s |
            |---|---|---|---|---|
            {rows.ToString().TrimEnd()}

            An active backup in partial mode (HistoryCache actor, shipped cache settings) cached {changes * Tags:N0} samples ({Tags:N0} tags x {changes:N0} changes 10 ms apart) in its segment log, forwarding nothing. The benchmark then answers for the master's ledger: it logged the first and the last 30% of the window. The cache rewrites its segments keeping the 40% the master did not log, forwards them oldest first in batches of {BatchSize:N0} (one write in flight) and drops the rest; the time runs until the store answered for every forwarded sample (sqlite: a fresh file, WAL, synchronous=NORMAL, as the store opens it; discard: counts and keeps nothing).

            Load: load average {loadBefore} before, {Machine.LoadAverage()} after.
            """;
    }

    private static async Task<(double Seconds, long Forwarded, long Dropped, double Cpu)> OneAsync(
        string dir, int changes, IReadOnlyList<LoggingInterval> ledger, string storeKind)
    {
        Directory.CreateDirectory(dir);
        IHistoryStore? inner = storeKind == "sqlite" ? new SqliteHistoryStore(Path.Combine(dir, "history.db"), TimeSpan.FromSeconds(5)) : null;
        var store = new HistoryBenchmarks.CountingStore(inner);
        var settings = new HistorySettings(Path.Combine(dir, "cache"), TimeSpan.FromMilliseconds(100), 10_000, 16L << 20, "bench",
            BatchSize, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        using var system = ActorSystem.Create("reconcile-bench", "akka.loglevel = WARNING");
        var config = system.ActorOf(Props.Create(() => new HistoryBenchmarks.FixedConfig(Document())));
        var tagEngine = system.ActorOf(Props.Create(() => new HistoryBenchmarks.NoTagEngine()));
        var cache = system.ActorOf(HistoryCache.Props(settings, new HistoryNode(NodeRole.Backup, HistoryLevel.Partial, 1), tagEngine, config, () => store));
        await cache.Ask<RuntimeLevelApplied>(new ApplyRuntimeLevel(ActivityLevel.Active), TimeSpan.FromSeconds(30));
        system.EventStream.Publish(new LocalActivityChanged(new PeerActivity(NodeRole.Backup, ActivityLevel.Active, 2, null)));
        for (var c = 1; c <= changes; c++)
            cache.Tell(new TagsChanged(Enumerable.Range(0, Tags)
                .Select(t => new TagValue(Tag(t), (double)c, TagQuality.Good, T0.AddMilliseconds(c * 10L))).ToList()));
        var deadline = Stopwatch.StartNew();
        while ((await cache.Ask<HistoryCacheStatus>(GetHistoryCacheStatus.Instance, TimeSpan.FromSeconds(30))).Rows < (long)changes * Tags)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("the cache did not hold every sample in 5 minutes");
            await Task.Delay(20);
        }
        if (store.Count != 0) throw new InvalidOperationException("a backup in partial mode forwarded before it was reconciled");

        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var plan = await cache.Ask<CachedHistoryReconciled>(new ReconcileCachedHistory(ledger), TimeSpan.FromMinutes(5));
        while (store.Count < plan.Kept)
        {
            if (wall.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("the store did not get every forwarded sample in 5 minutes");
            await Task.Delay(2);
        }
        wall.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        await system.Terminate();
        await store.DisposeAsync();
        return (wall.Elapsed.TotalSeconds, plan.Kept, plan.Dropped, used.TotalSeconds);
    }

    private static string Tag(int i) => $"projects/bench/tags/t{i:D4}";

    private static ConfigDocument Document() =>
        ConfigDocument.From("bench", 1, Enumerable.Range(0, Tags).Select(i =>
            KeyValuePair.Create(Tag(i), """{"provider":"simulator","history":{"mode":"onChange","deadband":0}}""")));
}
