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
/// The history cache in process (issue 12; the database stores are another branch's): samples per second from tag
/// changes through the HistoryCache actor (sampling, the segment log with its fsync policy, forwarding) into a store that
/// keeps nothing, and the drain of a backlog cached before the store came back.
/// </summary>
internal static class HistoryBenchmarks
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    /// <param name="storeKind">discard (a store that counts and keeps nothing), sqlite (a fresh file per run) or postgres (a
    /// private server started for the run, or <paramref name="postgres"/>; a fresh database per run).</param>
    public static async Task<string> HistoryCacheAsync(int samples, int backlog, string command, string storeKind = "discard", string? postgres = null)
    {
        Console.WriteLine($"history-cache --store {storeKind}, {samples:N0} samples end to end, drain of {backlog:N0}");
        await using var server = storeKind == "postgres" && postgres is null ? await BenchPostgres.StartAsync() : null;
        var runs = 0;
        Func<string, Task<IHistoryStore?>> makeStore = async dir =>
        {
            runs++;
            switch (storeKind)
            {
                case "sqlite":
                    Directory.CreateDirectory(dir);
                    return new SqliteHistoryStore(Path.Combine(dir, "history.db"), TimeSpan.FromSeconds(5));
                case "postgres":
                    var database = await BenchPostgres.CreateDatabaseAsync(postgres ?? server!.ConnectionString, $"history_e2e_{runs}_{Guid.NewGuid():N}"[..30]);
                    return new PostgresHistoryStore(database, TimeSpan.FromSeconds(300));
                default:
                    return null;
            }
        };
        var rows = new StringBuilder();
        var loadBefore = Machine.LoadAverage();
        var dir = Path.Combine(Path.GetTempPath(), "rg-bench-history-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Warm-up (JIT), not reported.
            await EndToEndAsync(Settings(Path.Combine(dir, "warm-up"), TimeSpan.FromMilliseconds(100), 10_000), Math.Min(samples, 200_000),
                new CountingStore(await makeStore(Path.Combine(dir, "warm-up-db"))));
            // The default policy, then an fsync after every append (every TagsChanged message).
            foreach (var (interval, records, policy) in new[]
                     {
                         (TimeSpan.FromMilliseconds(100), 10_000, "fsync every 100 ms or 10,000 records (the default)"),
                         (TimeSpan.Zero, 10_000, "fsync after every append (sync-interval = 0ms)"),
                     })
            {
                var settings = Settings(Path.Combine(dir, $"e2e-{interval.TotalMilliseconds}"), interval, records);
                var (rate, cpu, syncs, uptime) = await EndToEndAsync(settings, samples, new CountingStore(await makeStore(settings.CacheDirectory + "-db")));
                rows.AppendLine(CultureInfo.InvariantCulture,
                    $"| tag changes -> HistoryCache -> segment log -> {storeKind} store, {samples:N0} samples (1,000 tags x {samples / 1000:N0} changes, 1,000 per TagsChanged), {policy}; {syncs:N0} fsyncs | {rate:N0} samples/s wall (goal {(storeKind == "postgres" ? "100,000" : "200,000")}/s) | {cpu} | {uptime} |");
            }

            var drainSettings = Settings(Path.Combine(dir, "drain"), TimeSpan.FromMilliseconds(100), 10_000);
            var fill = Stopwatch.StartNew();
            using (var log = SegmentLog.Open(drainSettings.CacheDirectory, drainSettings.SegmentBytes, out _))
            {
                for (var i = 0; i < backlog; i += 10_000)
                    log.Append(Enumerable.Range(i, Math.Min(10_000, backlog - i)).Select(n => Sample(n % 1000, n / 1000)).ToList());
                log.Sync();
            }
            var bytes = Directory.GetFiles(drainSettings.CacheDirectory, "*.seg").Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"  backlog of {backlog:N0} written in {fill.Elapsed.TotalSeconds:F1} s ({bytes:N0} bytes)");
            var (drainSeconds, drainCpu, drainUptime) = await DrainAsync(drainSettings, backlog, new CountingStore(await makeStore(drainSettings.CacheDirectory + "-db")));
            rows.AppendLine(CultureInfo.InvariantCulture,
                $"| drain of a {backlog:N0}-row backlog ({bytes / 1e6:N0} MB of segments) cached while the store was away: open, read, decode, forward in batches of {drainSettings.BatchSize:N0} to the {storeKind} store, release (goal at most 10 s) | {drainSeconds:F2} s wall ({backlog / drainSeconds:N0} rows/s) | {drainCpu} | {drainUptime} |");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }

        return $"""
            ### History cache: store-and-forward throughput and backlog drain into the {storeKind} store (issue 12, in process)

            Command: `{command}`

            | what | rate or time | process CPU time | uptime at the end |
            |---|---|---|---|
            {rows.ToString().TrimEnd()}

            In process, one actor system: the benchmark plays the tag engine (TagsChanged messages of 1,000 float values, built before the clock starts), the HistoryCache samples them (history onChange, deadband 0, so every change is a sample), appends each message to its segment log (CRC-32 per record, handed to the OS at once: a kill -9 loses nothing), fsyncs by the policy stated, and forwards oldest first, one write of {BatchSize:N0} in flight, to the store named (discard: one that counts and keeps nothing; sqlite: a fresh file, WAL, one transaction per batch with prepared statements, synchronous=NORMAL as the store opens it; postgres: a private PostgreSQL 15 with its default durability, fsync and synchronous_commit on, binary COPY into a staging table and one INSERT ... ON CONFLICT DO NOTHING per batch). The time runs until the store has answered for every sample. CPU time is the whole process's (all threads, GC included): on this shared 2-core machine it says more than the wall time.

            Load: load average {loadBefore} before, {Machine.LoadAverage()} after.
            """;
    }

    /// <summary>The shipped forward.batch-size (reference.conf).</summary>
    private const int BatchSize = 50_000;

    private static HistorySettings Settings(string dir, TimeSpan syncInterval, int syncRecords) =>
        new(dir, syncInterval, syncRecords, 16L << 20, "bench", BatchSize, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

    private static string Tag(int i) => $"projects/bench/tags/t{i:D4}";

    private static HistorySample Sample(int tag, int change) =>
        new(Tag(tag), T0.AddMilliseconds(change * 10L), (double)change, TagQuality.Good, "master", 1);

    private static ConfigDocument Document(int tags) =>
        ConfigDocument.From("bench", 1, Enumerable.Range(0, tags).Select(i =>
            KeyValuePair.Create(Tag(i), """{"provider":"simulator","history":{"mode":"onChange","deadband":0}}""")));

    private static async Task<(double Rate, string Cpu, long Syncs, string Uptime)> EndToEndAsync(HistorySettings settings, int samples, CountingStore store)
    {
        var changes = samples / 1000;
        var messages = Enumerable.Range(1, changes).Select(c => new TagsChanged(Enumerable.Range(0, 1000)
            .Select(t => new TagValue(Tag(t), (double)c, TagQuality.Good, T0.AddMilliseconds(c * 10L))).ToList())).ToList();
        using var system = ActorSystem.Create("history-bench", "akka.loglevel = WARNING");
        var cache = await StartActiveAsync(system, settings, store, Document(1000));
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var message in messages) cache.Tell(message);
        await UntilAsync(() => store.Count >= (long)changes * 1000);
        wall.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var status = await cache.Ask<HistoryCacheStatus>(GetHistoryCacheStatus.Instance, TimeSpan.FromSeconds(10));
        var rate = changes * 1000 / wall.Elapsed.TotalSeconds;
        Console.WriteLine($"  {changes * 1000:N0} samples in {wall.Elapsed.TotalSeconds:F2} s: {rate:N0}/s, CPU {used.TotalSeconds:F2} s, {status.Syncs} fsyncs");
        await system.Terminate();
        return (rate, $"{used.TotalSeconds:F2} s ({used.TotalSeconds / wall.Elapsed.TotalSeconds:F2} cores busy; {changes * 1000 / used.TotalSeconds:N0} samples per CPU second)", status.Syncs, Uptime());
    }

    private static async Task<(double Seconds, string Cpu, string Uptime)> DrainAsync(HistorySettings settings, int backlog, CountingStore store)
    {
        using var system = ActorSystem.Create("history-bench", "akka.loglevel = WARNING");
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await StartActiveAsync(system, settings, store, Document(0));
        await UntilAsync(() => store.Count >= backlog);
        wall.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"  drained {backlog:N0} in {wall.Elapsed.TotalSeconds:F2} s, CPU {used.TotalSeconds:F2} s");
        await system.Terminate();
        return (wall.Elapsed.TotalSeconds, $"{used.TotalSeconds:F2} s ({backlog / used.TotalSeconds:N0} rows per CPU second)", Uptime());
    }

    private static async Task<IActorRef> StartActiveAsync(ActorSystem system, HistorySettings settings, IHistoryStore store, ConfigDocument document)
    {
        var config = system.ActorOf(Props.Create(() => new FixedConfig(document)));
        var tagEngine = system.ActorOf(Props.Create(() => new NoTagEngine()));
        var cache = system.ActorOf(HistoryCache.Props(settings, new HistoryNode(NodeRole.Master, HistoryLevel.Full, 1), tagEngine, config, () => store));
        await cache.Ask<RuntimeLevelApplied>(new ApplyRuntimeLevel(ActivityLevel.Active), TimeSpan.FromSeconds(30));
        system.EventStream.Publish(new LocalActivityChanged(new PeerActivity(NodeRole.Master, ActivityLevel.Active, 1, null)));
        return cache;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("the store did not get every sample in 5 minutes");
            await Task.Delay(2);
        }
    }

    /// <summary>`uptime` as the machine prints it (its load averages): the machine is shared.</summary>
    private static string Uptime()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("uptime") { RedirectStandardOutput = true })!;
            var line = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return line[(line.IndexOf("load average", StringComparison.Ordinal) is var at and >= 0 ? at : 0)..];
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return $"load average {Machine.LoadAverage()}"; }
    }

    /// <summary>Counts the rows a store answered for (written or already there); with no inner store, discards them.</summary>
    internal sealed class CountingStore(IHistoryStore? inner = null) : IHistoryStore
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public string Description => inner?.Description ?? "counting, discarding";

        public Task OpenAsync(CancellationToken cancellationToken) => inner?.OpenAsync(cancellationToken) ?? Task.CompletedTask;

        public async Task<HistoryWriteResult> WriteAsync(HistoryBatch batch, CancellationToken cancellationToken)
        {
            var result = inner is null ? new HistoryWriteResult(batch.Samples.Count, 0, [], null) : await inner.WriteAsync(batch, cancellationToken);
            Interlocked.Add(ref _count, result.Written + result.Duplicates + result.Rejected.Count);
            return result;
        }

        public Task<IReadOnlyList<HistorySample>> QueryAsync(string tag, DateTimeOffset from, DateTimeOffset to, int? maxPoints, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<HistorySample>>([]);

        public ValueTask DisposeAsync() => inner?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    internal sealed class FixedConfig : ReceiveActor
    {
        public FixedConfig(ConfigDocument document) =>
            Receive<GetConfigDocument>(_ => Sender.Tell(new ConfigDocumentView(document, Recovered: true)));
    }

    internal sealed class NoTagEngine : ReceiveActor
    {
        public NoTagEngine() => ReceiveAny(_ => { });
    }
}
