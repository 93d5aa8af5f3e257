using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// Configuration replication (issue 4) of a real master+backup pair: how long an acknowledged edit takes to be
/// applied on the backup under a steady edit rate, and how long a forced full transfer of the configuration
/// and a large modules folder takes, runtime restart included.
/// </summary>
internal static partial class ConfigBenchmarks
{
    /// <summary>Distinct resource paths the edits go to (each edit replaces one tag definition).</summary>
    public const int Paths = 3000;

    /// <summary>Simulated tags and alarms the full-transfer benchmark adds, so its runtime restart has work to do.</summary>
    private const int RuntimeTags = 1000;
    private const int RuntimeAlarms = 100;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A node's API with the longer timeout of these benchmarks (change lists and transfers are large).</summary>
    private static GatewayClient Api(BenchNode node) => new(Http, new Uri(node.BaseUrl));

    /// <summary>The change list must hold every revision of the longest rate step (20 000 at 1000/s for 20 s; the default keeps 10 000).</summary>
    private const string LagHocon = "redundant-gateway.config-sync.changes-kept = 1000000";

    // ------------------------------------------------------------------------------------------------
    // config-lag
    // ------------------------------------------------------------------------------------------------

    /// <param name="acknowledge">config-sync.acknowledge of the pair: backup (an edit is answered once the backup persisted it) or master.</param>
    public static async Task<string> ConfigLagAsync(IReadOnlyList<double> rates, double seconds, string hoconFile, string acknowledge, string command)
    {
        Console.WriteLine($"config lag, rates {string.Join(", ", rates)} edits/s, {seconds} s each, acknowledge = {acknowledge}");
        var quiet = await Machine.QuietnessAsync();
        Console.WriteLine($"  before start: {quiet}");
        using var pair = new BenchPair(hoconFile, extraHocon: LagHocon + $"\nredundant-gateway.config-sync.acknowledge = {acknowledge}");
        pair.Master.Start();
        pair.Backup.Start();
        await PairReadyAsync(pair);
        await InSyncAsync(pair);

        using var load = LoadClient();
        var masterApi = new GatewayClient(load, new Uri(pair.Master.BaseUrl));
        // Every path exists before the measurement (edits replace a tag definition), and the nodes are warm.
        var seq = 0L;
        var seedClock = Stopwatch.StartNew();
        await ClosedLoopAsync(masterApi, Enumerable.Range(0, Paths).Select(i => (i, seq++)).ToList(), 32);
        Console.WriteLine($"  {Paths} resources created in {seedClock.Elapsed.TotalSeconds:F1} s");
        var warmup = await OpenLoopAsync(masterApi, 200, 5, seq);
        seq += warmup.Edits.Length;
        await InSyncAsync(pair);

        var steps = new List<LagStep>();
        foreach (var rate in rates)
        {
            await Task.Delay(2000);
            var loadBefore = Machine.LoadAverage();
            var run = await OpenLoopAsync(masterApi, rate, seconds, seq);
            seq += run.Edits.Length;
            var loadAfter = Machine.LoadAverage();
            var revisions = run.Edits.Where(e => e.Revision > 0).Select(e => e.Revision).ToList();
            var (first, last) = (revisions.Min(), revisions.Max());
            await Until(async () => (await pair.Backup.ConfigStatusAsync())?.Revision >= last, $"backup at revision {last}");
            var changes = await ChangesAsync(pair.Backup, first - 1, last);
            var step = new LagStep(rate, run, revisions.Where(changes.ContainsKey).Select(r => changes[r]).OrderBy(c => c.Revision).ToList(),
                revisions.Count(r => !changes.ContainsKey(r)), loadBefore, loadAfter);
            steps.Add(step);
            Console.WriteLine($"  {rate}/s: {step.Summary()}");
            Console.WriteLine("    longest backup pauses (ms at revision): " + string.Join(", ", step.Pauses.OrderByDescending(p => p.Ms).Take(8).Select(p => $"{p.Ms:F0} at {p.Revision}")));
            // Every edit of the step, for a closer look: when it was due and sent, its answer, its times on the backup.
            File.WriteAllLines(Path.Combine(pair.WorkDir, $"lag-{rate:F0}.csv"), run.Edits.Select(e => changes.TryGetValue(e.Revision, out var c)
                    ? FormattableString.Invariant($"{e.Revision},{e.DueMs:F3},{e.SentMs:F3},{e.AckMs:F3},{e.Status},{c.LagMs:F3},{c.AckedAt:O},{c.AppliedAt:O}")
                    : FormattableString.Invariant($"{e.Revision},{e.DueMs:F3},{e.SentMs:F3},{e.AckMs:F3},{e.Status},,,"))
                .Prepend("revision,dueMs,sentMs,ackMs,status,lagMs,ackedAt,appliedAt"));
        }

        await Until(async () => (await pair.Backup.ConfigStatusAsync())?.State == "in-sync", "backup in sync at the end");
        var masterConfig = (await pair.Master.ConfigStatusAsync())!;
        var backupConfig = (await pair.Backup.ConfigStatusAsync())!;
        var (mDigest, bDigest) = (masterConfig.Digest, backupConfig.Digest);
        var (mRev, bRev) = (masterConfig.Revision, backupConfig.Revision);
        var transfers = backupConfig.Transfers;
        pair.Master.Terminate();
        pair.Backup.Terminate();

        var valueBytes = TagValue(Paths - 1, seq).Length;
        var text = new StringBuilder()
            .AppendLine($"### Configuration replication lag under a steady edit rate, `config-sync.acknowledge = {acknowledge}` (goal: p99 at most 50 ms at 1000 edits/s)")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine($"A master and a backup with the shipped defaults{(hoconFile.Length > 0 ? $" and `{Path.GetFileName(hoconFile)}`" : "")}, plus `config-sync.changes-kept = 1000000` so the")
            .AppendLine($"backup's change list still holds every measured revision. First {Paths} tag definitions (JSON objects of about {valueBytes} bytes,")
            .AppendLine($"paths `tags/lineN/tagNNNN`) are created, then 1000 edits at 200/s warm up (not counted). Per rate, PUT `/api/config/{{path}}` replaces")
            .AppendLine($"tag definitions round-robin for {seconds} s on an open-loop schedule (edit i is sent at i/rate whatever the earlier answers;")
            .AppendLine($"up to {MaxInFlight} requests in flight on up to 256 connections). Lag is the backup's `appliedAt - ackedAt` of each revision, from")
            .AppendLine("`/api/redundancy/config-changes`: from the master's acknowledgement (right after persisting) to the backup having persisted")
            .AppendLine("and applied it (one machine, one clock). The load generator runs on the same machine as both nodes. A backup pause is how long")
            .AppendLine("a revision waited once it was acknowledged and the revision before it was applied (normally a pull round trip and an apply).")
            .AppendLine(acknowledge == "backup"
                ? "With `acknowledge = backup` the master answers a PUT only once the backup has persisted it: the PUT round trip includes the backup's pull and apply (the edit latency cost), while `ackedAt` stays the master's persist time."
                : "With `acknowledge = master` the master answers a PUT as soon as it has persisted it (the behaviour before issue 10).")
            .AppendLine()
            .AppendLine("| rate asked (edits/s) | edits acknowledged | sent (edits/s) | acknowledged (edits/s) | failed | lag median (ms) | p90 | p99 | max | backup pauses ≥ 100 ms | PUT round trip median (ms) | p99 | load average before → after |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in steps) text.AppendLine(s.Row());
        text.AppendLine()
            .AppendLine(mDigest == bDigest && mRev == bRev
                ? $"After the last edit the backup's digest equals the master's (revision {mRev}, digest `{mDigest[..16]}…`)."
                : $"**After the last edit the digests differ**: master revision {mRev} digest `{mDigest[..16]}…`, backup revision {bRev} digest `{bDigest[..16]}…`.")
            .AppendLine($"Full transfers to the backup during the benchmark: {transfers} (the first contact's only, when 1).")
            .AppendLine()
            .AppendLine($"Before the pair started: {quiet}.");
        return text.ToString();
    }

    /// <summary>One revision as the backup lists it: the master's acknowledgement and the backup's apply.</summary>
    private sealed record Change(long Revision, DateTimeOffset AckedAt, DateTimeOffset AppliedAt)
    {
        public double LagMs => (AppliedAt - AckedAt).TotalMilliseconds;
    }

    private sealed record LagStep(double Rate, LoadRun Run, List<Change> Changes, int Missing, string LoadBefore, string LoadAfter)
    {
        private List<double> Lags { get; } = Changes.Select(c => c.LagMs).Order().ToList();

        /// <summary>
        /// How long each revision waited on the backup once it was acknowledged and the revision before it applied:
        /// a pull round trip and an apply normally (a few ms), longer when the backup's apply stalled.
        /// </summary>
        public List<(long Revision, double Ms)> Pauses { get; } = Enumerable.Zip(Changes, Changes.Skip(1))
            .Where(p => p.Second.Revision == p.First.Revision + 1)
            .Select(p => (p.Second.Revision, (p.Second.AppliedAt - (p.First.AppliedAt > p.Second.AckedAt ? p.First.AppliedAt : p.Second.AckedAt)).TotalMilliseconds))
            .ToList();

        private string PauseText => $"{Pauses.Count(p => p.Ms >= 100)} (longest {(Pauses.Count == 0 ? 0 : Pauses.Max(p => p.Ms)):F0} ms)";

        public string Summary() =>
            $"sent {Run.SentRate:F0}/s, acked {Run.AckedRate:F0}/s, {Run.Failed} failed, schedule slip p99 {Run.SlipP99:F1} ms, "
            + $"lag median {Rank(Lags, 0.5):F1} p90 {Rank(Lags, 0.9):F1} p99 {Rank(Lags, 0.99):F1} max {Lags[^1]:F1} ms ({Lags.Count} revisions, {Missing} not found), "
            + $"backup pauses >= 100 ms: {PauseText}, PUT median {Run.RoundTripMedian:F1} p99 {Run.RoundTripP99:F1} ms, load {LoadBefore} -> {LoadAfter}";

        public string Row() =>
            $"| {Rate:F0} | {Lags.Count}{(Missing > 0 ? $" ({Missing} not in the list)" : "")} | {Run.SentRate:F0} | {Run.AckedRate:F0} | {Run.Failed} | "
            + $"{Rank(Lags, 0.5):F1} | {Rank(Lags, 0.9):F1} | {Rank(Lags, 0.99):F1} | {Lags[^1]:F1} | {PauseText} | {Run.RoundTripMedian:F1} | {Run.RoundTripP99:F1} | {LoadBefore} → {LoadAfter} |";
    }

    private static async Task<Dictionary<long, Change>> ChangesAsync(BenchNode node, long after, long last)
    {
        var changes = new Dictionary<long, Change>();
        while (after < last)
        {
            var page = await Api(node).GetConfigChangesAsync(after, 5000);
            if (page.Count == 0) break;
            foreach (var change in page)
            {
                var revision = change.Revision;
                if (change.Operation is "put" or "delete")
                    changes[revision] = new Change(revision, change.AckedAt, change.AppliedAt);
                after = Math.Max(after, revision);
            }
        }
        return changes;
    }

    // ---- the load generator ----

    private const int MaxInFlight = 512;

    private static HttpClient LoadClient() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 256,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
    }) { Timeout = TimeSpan.FromSeconds(30) };

    private static string TagPath(int i) => $"tags/line{i % 20:D2}/tag{i:D4}";

    /// <summary>A tag definition of about 200 bytes; <paramref name="seq"/> makes every edit a change.</summary>
    private static byte[] TagValue(int i, long seq) => Encoding.UTF8.GetBytes(
        $$"""{"name":"Line{{i % 20:D2}}/Motor{{i:D4}}/Speed","dataType":"Float8","opcServer":"plc-{{i % 20:D2}}","opcItemPath":"ns=2;s=Line{{i % 20:D2}}.Motor{{i:D4}}.Speed","scanClass":"fast-1s","engUnit":"rpm","engLow":0,"engHigh":3000,"deadband":0.5,"enabled":true,"seq":{{seq}}}""");

    /// <param name="DueMs">when the open-loop schedule wanted it sent, from the start of the step.</param>
    private readonly record struct SentEdit(double DueMs, double SentMs, double AckMs, long Revision, int Status);

    private sealed class LoadRun(SentEdit[] edits)
    {
        public SentEdit[] Edits { get; } = edits;
        private IEnumerable<SentEdit> Ok => Edits.Where(e => e.Revision > 0);
        public int Failed => Edits.Count(e => e.Revision <= 0);
        public double SentRate => Edits.Length < 2 ? 0 : (Edits.Length - 1) * 1000.0 / (Edits.Max(e => e.SentMs) - Edits.Min(e => e.SentMs));
        public double AckedRate => Ok.Count() < 2 ? 0 : (Ok.Count() - 1) * 1000.0 / (Ok.Max(e => e.AckMs) - Ok.Min(e => e.AckMs));
        public double SlipP99 => Rank(Edits.Select(e => e.SentMs - e.DueMs).Order().ToList(), 0.99);
        public double RoundTripMedian => Rank(Ok.Select(e => e.AckMs - e.SentMs).Order().ToList(), 0.5);
        public double RoundTripP99 => Rank(Ok.Select(e => e.AckMs - e.SentMs).Order().ToList(), 0.99);
    }

    /// <summary>
    /// Sends rate x seconds edits, edit i at i/rate from the start whatever the answers to earlier ones (open loop);
    /// a send waits only when <see cref="MaxInFlight"/> requests are outstanding, which shows as schedule slip.
    /// </summary>
    private static async Task<LoadRun> OpenLoopAsync(GatewayClient api, double rate, double seconds, long seqBase)
    {
        var total = (int)Math.Round(rate * seconds);
        var routes = new string[total];
        var bodies = new byte[total][];
        for (var i = 0; i < total; i++)
        {
            var path = (int)((seqBase + i) % Paths);
            routes[i] = GatewayRoutes.Resource(TagPath(path));
            bodies[i] = TagValue(path, seqBase + i);
        }
        var edits = new SentEdit[total];
        var tasks = new Task[total];
        var inFlight = new StrongBox();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = i * 1000.0 / rate;
            while (clock.Elapsed.TotalMilliseconds < due || Volatile.Read(ref inFlight.Value) >= MaxInFlight) await Task.Delay(1);
            Interlocked.Increment(ref inFlight.Value);
            tasks[i] = SendAsync(api, routes[i], bodies[i], edits, i, due, clock, inFlight);
        }
        await Task.WhenAll(tasks);
        return new LoadRun(edits);
    }

    private sealed class StrongBox { public int Value; }

    private static async Task SendAsync(GatewayClient api, string route, byte[] body, SentEdit[] edits, int i, double due, Stopwatch clock, StrongBox inFlight)
    {
        var sent = clock.Elapsed.TotalMilliseconds;
        long revision = -1;
        var status = 0;
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            // Sent raw: the pre-encoded bytes go out as they are, and a refusal is counted, not thrown.
            var answer = await api.SendAsync(HttpMethod.Put, route, content);
            status = answer.StatusCode;
            if (answer.IsSuccess)
            {
                if (answer.Read<ConfigEditAnswer>() is { Message: "stored" } stored) revision = stored.Revision;
            }
            else if (Volatile.Read(ref FailuresShown) < 5)
            {
                Interlocked.Increment(ref FailuresShown);
                Console.WriteLine($"    PUT {route}: {status} {answer.Body}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            status = -1;
            if (Interlocked.Increment(ref FailuresShown) <= 5) Console.WriteLine($"    PUT {route}: {e.GetType().Name} {e.Message}");
        }
        edits[i] = new SentEdit(due, sent, clock.Elapsed.TotalMilliseconds, revision, status);
        Interlocked.Decrement(ref inFlight.Value);
    }

    private static int FailuresShown;

    /// <summary>Creates or replaces resources as fast as <paramref name="concurrency"/> requests at a time allow.</summary>
    private static async Task ClosedLoopAsync(GatewayClient api, List<(int Path, long Seq)> edits, int concurrency)
    {
        var next = -1;
        var failed = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < edits.Count)
            {
                var (path, seq) = edits[i];
                using var content = new ByteArrayContent(TagValue(path, seq));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var answer = await api.SendAsync(HttpMethod.Put, GatewayRoutes.Resource(TagPath(path)), content);
                if (!answer.IsSuccess) Interlocked.Increment(ref failed);
            }
        }));
        if (failed > 0) throw new InvalidOperationException($"{failed} of {edits.Count} edits were refused while creating the resources");
    }

    // ------------------------------------------------------------------------------------------------
    // full-transfer
    // ------------------------------------------------------------------------------------------------

    public static async Task<string> FullTransferAsync(double megabytes, int runs, string hoconFile, string command)
    {
        const int moduleFiles = 5;
        Console.WriteLine($"full transfer, {megabytes} MB of modules in {moduleFiles} files, {Paths} resources, {runs} runs");
        var quiet = await Machine.QuietnessAsync();
        Console.WriteLine($"  before start: {quiet}");
        using var pair = new BenchPair(hoconFile);

        // Random bytes: incompressible, like most packaged modules. Written before the master starts, so its first scan has them.
        var modulesDir = Path.Combine(pair.Master.DataDir, "modules");
        Directory.CreateDirectory(modulesDir);
        var perFile = (long)(megabytes * 1024 * 1024 / moduleFiles);
        var buffer = new byte[1 << 20];
        for (var m = 1; m <= moduleFiles; m++)
        {
            using var file = new FileStream(Path.Combine(modulesDir, $"module-{m}.modl"), FileMode.Create, FileAccess.Write);
            for (long written = 0; written < perFile; written += buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                file.Write(buffer, 0, (int)Math.Min(buffer.Length, perFile - written));
            }
        }

        pair.Master.Start();
        pair.Backup.Start();
        await PairReadyAsync(pair);
        using (var load = LoadClient())
            await ClosedLoopAsync(new GatewayClient(load, new Uri(pair.Master.BaseUrl)), Enumerable.Range(0, Paths).Select(i => (i, (long)i)).ToList(), 32);
        // Real runtime content, so the runtime restart after each transfer rebuilds something: simulated tags and
        // alarms on them, which the backup's tag and alarm engines rebuild from the new configuration.
        var master = Api(pair.Master);
        for (var t = 0; t < RuntimeTags; t++)
            await master.PutResourceAsync($"projects/bench/tags/t{t:D4}",
                $$"""{"provider":"simulator","function":"sine","scanRateMs":1000,"amplitude":100,"periodMs":{{30_000 + t}},"seed":{{t}}}""");
        for (var a = 0; a < RuntimeAlarms; a++)
            await master.PutResourceAsync($"projects/bench/alarms/a{a:D3}",
                $$"""{"tag":"projects/bench/tags/t{{a * (RuntimeTags / RuntimeAlarms):D4}}","condition":"above","setpoint":50,"deadband":1,"priority":"high"}""");
        await InSyncAsync(pair, modulesToo: true);
        var first = (await pair.Backup.ConfigStatusAsync())!.LastTransfer!;
        Console.WriteLine($"  first contact: {first}");

        var durations = new List<double>();
        var walls = new List<double>();
        var stages = new Dictionary<string, List<double>>();
        long bytes = 0;
        var refetched = 0;
        var loads = new List<string>();
        for (var run = 1; run <= runs; run++)
        {
            await Task.Delay(1000);
            var before = (await pair.Backup.ConfigStatusAsync())!.Transfers;
            loads.Add(Machine.LoadAverage());
            var startedAt = DateTime.Now;
            var clock = Stopwatch.StartNew();
            var resync = await Api(pair.Backup).SendAsync(HttpMethod.Post, GatewayRoutes.Resync);
            if (resync.StatusCode != 202) throw new InvalidOperationException($"resync refused: {resync.StatusCode} {resync.Body}");
            ConfigReplicationStatus config;
            while (true)
            {
                if (await pair.Backup.ConfigStatusAsync() is { } c && c.Transfers > before)
                {
                    config = c;
                    break;
                }
                if (clock.Elapsed > Deadline) throw new TimeoutException("the backup reported no new transfer");
                await Task.Delay(10);
            }
            walls.Add(clock.Elapsed.TotalMilliseconds);
            var last = config.LastTransfer!;
            if (last.Kind != "full") throw new InvalidOperationException($"the new transfer is not a full one: {last}");
            durations.Add(last.DurationMs);
            bytes = last.Bytes;

            await Task.Delay(200); // let the log lines reach the files
            var events = await pair.Backup.EventsAsync(20); // newest first
            var transferEvent = events.FirstOrDefault(e => e.Kind == "config-full-transfer");
            var restartEvent = events.FirstOrDefault(e => e.Kind == "runtime-restart");
            if (transferEvent is not null && RefetchedPattern().Match(transferEvent.Reason ?? "") is { Success: true } m)
                refetched += int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var runStages = Stages(pair, startedAt, restartEvent);
            foreach (var (name, ms) in runStages) (stages.TryGetValue(name, out var list) ? list : stages[name] = []).Add(ms);
            Console.WriteLine($"  run {run}: durationMs {durations[^1]:F0}, wall {walls[^1]:F0} ms, {bytes} bytes; "
                              + string.Join(", ", runStages.Select(s => $"{s.Name} {s.Ms:F0}")));
            await Until(async () => (await pair.Backup.ConfigStatusAsync())?.State == "in-sync", "backup in sync after the transfer");
        }
        pair.Master.Terminate();
        pair.Backup.Terminate();

        var text = new StringBuilder()
            .AppendLine($"### Full transfer of the configuration and {megabytes:F0} MB of modules (goal: at most 3 s for 50 MB, runtime restart included)")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine($"A master and a backup with the shipped defaults{(hoconFile.Length > 0 ? $" and `{Path.GetFileName(hoconFile)}`" : "")} (chunks of `config-sync.chunk-size`, `chunks-in-flight` at a time).")
            .AppendLine($"The master's modules folder holds {moduleFiles} files of {perFile / (1024.0 * 1024):F0} MiB of random (incompressible) bytes, written before it starts; the")
            .AppendLine($"configuration holds {Paths} plain resources (tag-like JSON objects), {RuntimeTags} simulated tags and {RuntimeAlarms} alarms on them. After the backup's")
            .AppendLine($"first-contact transfer ({first.DurationMs:F0} ms, cold, not counted), each run POSTs `/api/redundancy/resync` to the backup, which fetches the whole")
            .AppendLine("archive, checks and installs it, and restarts its runtime subsystems: the tag and alarm engines rebuild from the new configuration (the backup")
            .AppendLine("is a cold standby, as shipped: it rebuilds the definitions and starts no provider).")
            .AppendLine()
            .AppendLine($"Archive: {bytes:N0} bytes. Chunks fetched again over all runs: {refetched}.")
            .AppendLine()
            .AppendLine("| measure | runs | median | p99 | min | max |")
            .AppendLine("|---|---|---|---|---|---|")
            .AppendLine(Row("`lastTransfer.durationMs`: the backup's request until its runtime restart finished (ms)", durations))
            .AppendLine(Row("wall time: POST resync until the backup's API reports the new transfer (ms, polled every 10 ms)", walls));
        foreach (var (name, values) in stages) text.AppendLine(Row($"stage: {StageLabels[name]} (ms, from the logs and events)", values));
        text.AppendLine()
            .AppendLine($"With {runs} runs the nearest-rank p99 is the slowest run (the max).")
            .AppendLine()
            .AppendLine($"Before the pair started: {quiet}. Load average at the start of each run: {string.Join("; ", loads)}.");
        return text.ToString();
    }

    private static readonly Dictionary<string, string> StageLabels = new()
    {
        ["archive"] = "master writes and hashes the archive (backup's request to the master's offer)",
        ["fetch"] = "chunks fetched, whole file checked, archive unpacked and checked, config persisted (offer to config replaced)",
        ["modules"] = "modules moved in and the folder scanned again (config replaced to runtime restart begun)",
        ["restart"] = "restart of the runtime subsystems (runtime-restart event)",
    };

    [GeneratedRegex(@"(\d+) chunks fetched again")]
    private static partial Regex RefetchedPattern();

    /// <summary>Where a transfer's time went: the first matching log lines at or after the run's start, and the restart event.</summary>
    private static List<(string Name, double Ms)> Stages(BenchPair pair, DateTime startedAt, RedundancyEventInfo? restartEvent)
    {
        var result = new List<(string, double)>();
        var from = startedAt.TimeOfDay - TimeSpan.FromMilliseconds(5);
        var requested = LogTime(pair.Backup, "Full transfer requested from the master", from);
        var ready = requested is { } r ? LogTime(pair.Master, "Transfer full-", r, contains: "ready") : null;
        var replaced = ready is { } o ? LogTime(pair.Backup, "Config replaced by a full transfer", o) : null;
        if (requested is { } a && ready is { } b) result.Add(("archive", (b - a).TotalMilliseconds));
        if (ready is { } c && replaced is { } d) result.Add(("fetch", (d - c).TotalMilliseconds));
        if (restartEvent is { SwitchMs: { } restartMs })
        {
            var restartBegun = restartEvent.Time.ToLocalTime().TimeOfDay - TimeSpan.FromMilliseconds(restartMs);
            if (replaced is { } e) result.Add(("modules", (restartBegun - e).TotalMilliseconds));
            result.Add(("restart", restartMs));
        }
        return result;
    }

    /// <summary>The time of the first line of the node's log with <paramref name="text"/> at or after <paramref name="from"/> (time of day, local).</summary>
    private static TimeSpan? LogTime(BenchNode node, string text, TimeSpan from, string? contains = null)
    {
        var logs = Path.Combine(node.DataDir, "logs");
        if (!Directory.Exists(logs)) return null;
        foreach (var file in Directory.GetFiles(logs, "node-*.log").Order())
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length < 12 || !line.Contains(text, StringComparison.Ordinal) || (contains is not null && !line.Contains(contains, StringComparison.Ordinal))) continue;
                if (TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture, out var at) && at >= from) return at;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------
    // shared
    // ------------------------------------------------------------------------------------------------

    private static async Task PairReadyAsync(BenchPair pair) =>
        await Until(async () => await pair.Master.LevelAsync() == "active" && await pair.Backup.LevelAsync() == "cold"
                                && await pair.Backup.ConnectedAsync() && await pair.Master.ConnectedAsync(), "pair ready");

    /// <summary>The backup says in-sync at the master's revision (and with its modules digest).</summary>
    private static async Task InSyncAsync(BenchPair pair, bool modulesToo = false) =>
        await Until(async () =>
        {
            if (await pair.Master.ConfigStatusAsync() is not { } m || await pair.Backup.ConfigStatusAsync() is not { } b) return false;
            return b.State == "in-sync"
                   && b.Revision == m.Revision
                   && (!modulesToo || (b.Modules > 0 && b.ModulesDigest == m.ModulesDigest));
        }, "backup in sync");

    private static async Task Until(Func<Task<bool>> condition, string what, int pollMs = 50)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > Deadline) throw new TimeoutException($"{what}: not reached within {Deadline.TotalSeconds} s");
            await Task.Delay(pollMs);
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Rank(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Row(string label, List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0
            ? $"| {label} | 0 | | | | |"
            : $"| {label} | {sorted.Count} | {Rank(sorted, 0.5):F0} | {Rank(sorted, 0.99):F0} | {sorted[0]:F0} | {sorted[^1]:F0} |";
    }
}

/// <summary>Whether the machine is quiet enough to measure: load average and how busy the CPUs are.</summary>
internal static class Machine
{
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>
    /// Load average and the share of CPU time busy over 2 s (before the benchmark starts anything), with the
    /// processes that used the most of it, so a busy machine is seen and named.
    /// </summary>
    public static async Task<string> QuietnessAsync()
    {
        if (!File.Exists("/proc/stat")) return $"load average {LoadAverage()}";
        var (busy1, total1) = CpuTimes();
        var processes1 = ProcessTicks();
        await Task.Delay(2000);
        var (busy2, total2) = CpuTimes();
        var processes2 = ProcessTicks();
        var busy = total2 == total1 ? 0 : 100.0 * (busy2 - busy1) / (total2 - total1);
        var ticksPerCore = (total2 - total1) / (double)Environment.ProcessorCount;
        var top = processes2.Where(p => processes1.ContainsKey(p.Key))
            .Select(p => (Name: p.Value.Name, Percent: ticksPerCore == 0 ? 0 : 100.0 * (p.Value.Ticks - processes1[p.Key].Ticks) / ticksPerCore))
            .Where(p => p.Percent >= 5).OrderByDescending(p => p.Percent).Take(3).ToList();
        return $"load average {LoadAverage()}, CPUs {busy:F0}% busy over 2 s"
               + (top.Count == 0 ? " (no process above 5% of a core)" : $" ({string.Join(", ", top.Select(p => $"{p.Name} {p.Percent:F0}% of a core"))})");
    }

    /// <summary>utime + stime of every process, by pid.</summary>
    private static Dictionary<int, (string Name, long Ticks)> ProcessTicks()
    {
        var result = new Dictionary<int, (string, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                result[pid] = (name, long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        }
        return result;
    }

    private static (long Busy, long Total) CpuTimes()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var total = fields.Take(8).Sum();
        return (total - idle, total);
    }
}
