using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using RedundantGateway.ConfigSync;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// Issue 9's runtime benchmarks: tag changes through the engine (in process) and through the SSE stream of a real
/// node, the resident memory of a loaded idle node, and takeover to the first streamed value and evaluated alarm.
/// </summary>
internal static class RuntimeBenchmarks
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly HttpClient StreamHttp = new() { Timeout = Timeout.InfiniteTimeSpan };

    // ---------------------------------------------------------------- tag-throughput

    /// <summary>
    /// The engine alone, in this process: <paramref name="engineTags"/> tags of a host provider at the shortest scan
    /// rate (50 ms), each read a new value stamped with the read's time, counted by one subscriber actor; then a real
    /// master with <paramref name="streamTags"/> simulator counters at 50 ms, read over SSE by 1 and by 100 clients.
    /// </summary>
    public static async Task<string> TagThroughputAsync(int engineTags, int streamTags, double seconds, string command)
    {
        var load = await Machine.QuietnessAsync();
        Console.WriteLine($"tag-throughput: engine {engineTags} tags, stream {streamTags} tags, {seconds} s each ({load})");
        // The goal's rate, then twice as many tags to see where the engine itself stops keeping up.
        var engine = await EngineThroughputAsync(engineTags, seconds);
        Console.WriteLine($"  engine, {engineTags} tags: {engine.PerSecond:F0} changes/s, latency median {engine.Median:F1} ms p99 {engine.P99:F1} ms");
        var engine2 = await EngineThroughputAsync(engineTags * 2, seconds);
        Console.WriteLine($"  engine, {engineTags * 2} tags: {engine2.PerSecond:F0} changes/s, latency median {engine2.Median:F1} ms p99 {engine2.P99:F1} ms");

        using var pair = new BenchPair("");
        pair.Master.Start();
        await Until(async () => await pair.Master.LevelAsync() == "active", "master active alone");
        await PutAllAsync(pair.Master, Enumerable.Range(0, streamTags).Select(i => (TagPath(i), CounterTag(50, i + 1))));
        await Until(async () => (await pair.Master.Client.GetTagsAsync(TagPrefix)).Tags.Count == streamTags, "all tags running");
        var pid = pair.Master.Pid ?? throw new InvalidOperationException("the master is not running");
        var cpu = ProcessCpuSeconds(pid);
        var one = await StreamThroughputAsync(pair.Master, [TagPrefix], seconds);
        var oneCpu = ProcessCpuSeconds(pid) - cpu;
        Console.WriteLine($"  1 subscriber: {one.PerSecond:F0} changes/s, latency median {one.Median:F1} ms p99 {one.P99:F1} ms");
        // 100 clients of 10 tags each (prefixes t0000, t0001... : tags 0-9, 10-19...), 1000 tags in all.
        cpu = ProcessCpuSeconds(pid);
        var hundred = await StreamThroughputAsync(pair.Master, Enumerable.Range(0, 100).Select(i => $"{TagPrefix}t{i:D4}").ToList(), seconds);
        var hundredCpu = ProcessCpuSeconds(pid) - cpu;
        Console.WriteLine($"  100 subscribers: {hundred.PerSecond:F0} changes/s in all, latency median {hundred.Median:F1} ms p99 {hundred.P99:F1} ms");
        pair.Master.Terminate();

        return new StringBuilder()
            .AppendLine("### Tag value changes: through the engine, and to 1 and 100 SSE subscribers (issue 9)")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine("| path | offered (changes/s) | delivered (changes/s) | latency median (ms) | latency p99 (ms) | latency max (ms) | values timed | node CPU (cores) |")
            .AppendLine("|---|---|---|---|---|---|---|---|")
            .AppendLine(engine.Row($"engine in process: {engineTags:N0} host-provider tags at 50 ms, one subscriber actor", engineTags * 20.0) + " |")
            .AppendLine(engine2.Row($"the same with {engineTags * 2:N0} tags", engineTags * 40.0) + " |")
            .AppendLine(one.Row($"real master, `GET /api/tags/stream?prefix=bench/tags/`, 1 client of all {streamTags:N0} simulator counters at 50 ms", streamTags * 20.0) + $" {oneCpu / seconds:F2} |")
            .AppendLine(hundred.Row("the same master, 100 clients of 10 counters each (`?prefix=bench/tags/t0000`, `t0001`...; delivered: the sum)", 100 * 10 * 20.0) + $" {hundredCpu / seconds:F2} |")
            .AppendLine()
            .AppendLine("Latency is the receive time minus the value's source timestamp. In the engine the host provider stamps each value " +
                        "with the time it was read, so it is the engine's own delay (the scan tick's batch, the Tell, the subscriber's mailbox). " +
                        "The simulator stamps a value with the start of its scan period (its values are quantised to the scan rate so " +
                        "that both nodes agree), so the stream's latency includes up to one scan period (50 ms) before the engine even reads it; " +
                        "the SSE clients run in the benchmark process on the same 2 cores as the node. Node CPU: the node process's user+system " +
                        "time over the measured window, in cores.")
            .AppendLine()
            .AppendLine($"Load before: {load}.")
            .ToString();
    }

    private static string TagPrefix => "bench/tags/";
    private static string TagPath(int i) => $"{TagPrefix}t{i:D5}";
    private static string CounterTag(int scanRateMs, int seed = 1) =>
        $$"""{"provider":"simulator","function":"counter","dataType":"int","scanRateMs":{{scanRateMs}},"amplitude":1000000000,"rate":1,"seed":{{seed}}}""";

    private static async Task<Throughput> EngineThroughputAsync(int tags, double seconds)
    {
        var document = ConfigDocument.Empty.WithIdentity("bench");
        for (var i = 0; i < tags; i++)
            document = document.Apply(i + 1, TagPath(i), $$"""{"provider":"{{FastProvider.ProviderName}}","address":"a{{i}}","dataType":"int","scanRateMs":50}""");
        var system = ActorSystem.Create("engine-bench", "akka.loglevel = WARNING");
        try
        {
            var config = system.ActorOf(Props.Create(() => new FixedConfig(document)));
            var engine = system.ActorOf(TagEngine.Props(new TagsSettings([], 100_000), config, [new FastProvider()]), TagEngine.Name);
            var counter = new ChangeCounter();
            system.ActorOf(Props.Create(() => new CountingSubscriber(engine, counter)));
            await engine.Ask<RuntimeLevelApplied>(new ApplyRuntimeLevel(ActivityLevel.Active), TimeSpan.FromSeconds(10));
            await Until(async () => (await engine.Ask<TagEngineStatus>(GetTagEngineStatus.Instance)).Tags == tags, "engine built");
            await Task.Delay(1000); // warm-up: the JIT and the first full read of every tag
            return await counter.MeasureAsync(seconds);
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>A host provider that makes a new value on every read, stamped with the read's time.</summary>
    private sealed class FastProvider : ITagProvider
    {
        public const string ProviderName = "bench";
        private long _next;
        public string Name => ProviderName;
        public void Start() { }
        public void Stop() { }
        public TagReading Read(TagDefinition definition, DateTimeOffset now) => new(++_next, TagQuality.Good, DateTimeOffset.UtcNow);
    }

    /// <summary>Answers the engine's <see cref="GetConfigDocument"/> with one fixed document.</summary>
    private sealed class FixedConfig : ReceiveActor
    {
        public FixedConfig(ConfigDocument document) =>
            Receive<GetConfigDocument>(_ => Sender.Tell(new ConfigDocumentView(document, Recovered: true)));
    }

    private sealed class CountingSubscriber : ReceiveActor
    {
        private readonly IActorRef _engine;

        public CountingSubscriber(IActorRef engine, ChangeCounter counter)
        {
            _engine = engine;
            Receive<TagSnapshot>(_ => { });
            Receive<TagLevelChanged>(_ => { });
            Receive<TagsChanged>(changed =>
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var value in changed.Values) counter.Add((now - value.Timestamp).TotalMilliseconds);
            });
        }

        protected override void PreStart() => _engine.Tell(new SubscribeTags(TagSelection.All, Self));
    }

    /// <summary>Counts changes over a window and keeps every 16th latency (enough samples, little cost at a million a second).</summary>
    private sealed class ChangeCounter
    {
        private long _count;
        private volatile bool _measuring;
        private readonly ConcurrentBag<double> _latencies = [];

        public void Add(double latencyMs)
        {
            if (!_measuring) return;
            if ((Interlocked.Increment(ref _count) & 15) == 0) _latencies.Add(latencyMs);
        }

        public async Task<Throughput> MeasureAsync(double seconds)
        {
            var clock = Stopwatch.StartNew();
            _measuring = true;
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            _measuring = false;
            return new Throughput(Interlocked.Read(ref _count) / clock.Elapsed.TotalSeconds, _latencies.ToList());
        }
    }

    /// <summary>One SSE client per prefix, read for <paramref name="seconds"/> after each one's snapshot.</summary>
    private static async Task<Throughput> StreamThroughputAsync(BenchNode node, IReadOnlyList<string> prefixes, double seconds)
    {
        var clients = prefixes.Count;
        var counter = new ChangeCounter();
        using var stop = new CancellationTokenSource();
        var snapshots = 0;
        var readers = prefixes.Select(prefix => Task.Run(() => ReadStreamAsync(
            $"{node.BaseUrl}/api/tags/stream?prefix={Uri.EscapeDataString(prefix)}",
            onSnapshot: () => Interlocked.Increment(ref snapshots),
            onChange: (t, now) => counter.Add((now - t).TotalMilliseconds),
            stop.Token))).ToList();
        await Until(() => Task.FromResult(Volatile.Read(ref snapshots) == clients), $"{clients} snapshots");
        await Task.Delay(500); // the first changes after the snapshot
        var result = await counter.MeasureAsync(seconds);
        await stop.CancelAsync();
        foreach (var reader in readers)
        {
            // Cancelling a read may surface as the cancellation or as the aborted connection's error.
            try { await reader; } catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException) { }
        }
        return result;
    }

    /// <summary>Reads one SSE stream: the snapshot, then each change's "t" (only that field is parsed, to spare the shared cores).</summary>
    private static async Task ReadStreamAsync(string url, Action onSnapshot, Action<DateTimeOffset, DateTimeOffset> onChange, CancellationToken cancellationToken)
    {
        using var response = await StreamHttp.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var evt = "";
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) evt = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                if (evt == "snapshot") onSnapshot();
                else if (evt == "change" && SourceTime(line) is { } t) onChange(t, DateTimeOffset.UtcNow);
            }
        }
    }

    private static DateTimeOffset? SourceTime(string dataLine)
    {
        var i = dataLine.IndexOf("\"t\":\"", StringComparison.Ordinal);
        if (i < 0) return null;
        var j = dataLine.IndexOf('"', i + 5);
        return DateTimeOffset.Parse(dataLine.AsSpan(i + 5, j - i - 5), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    private sealed record Throughput(double PerSecond, List<double> Latencies)
    {
        private List<double> Sorted => _sorted ??= Latencies.Order().ToList();
        private List<double>? _sorted;
        public double Median => Rank(0.5);
        public double P99 => Rank(0.99);
        private double Rank(double q) => Sorted.Count == 0 ? double.NaN : Sorted[Math.Clamp((int)Math.Ceiling(q * Sorted.Count) - 1, 0, Sorted.Count - 1)];

        public string Row(string label, double offered) =>
            $"| {label} | {offered:N0} | {PerSecond:N0} | {Median:F1} | {P99:F1} | {(Sorted.Count == 0 ? double.NaN : Sorted[^1]):F1} | {Sorted.Count:N0} |";
    }

    // ---------------------------------------------------------------- runtime-memory

    /// <summary>A master alone (demo off) loaded with <paramref name="tags"/> simulator tags at 1 Hz and <paramref name="alarms"/> alarms, then left idle.</summary>
    public static async Task<string> RuntimeMemoryAsync(int tags, int alarms, double idleSeconds, string command, string? gcdump = null)
    {
        var load = await Machine.QuietnessAsync();
        Console.WriteLine($"runtime-memory: {tags} tags at 1 Hz, {alarms} alarms ({load})");
        using var pair = new BenchPair("");
        pair.Master.Start();
        await Until(async () => await pair.Master.LevelAsync() == "active", "master active alone");
        var pid = pair.Master.Pid ?? throw new InvalidOperationException("the master is not running");
        var empty = await IdleRssAsync(pid, 5);
        var loading = Stopwatch.StartNew();
        await PutAllAsync(pair.Master, Enumerable.Range(0, tags).Select(i => (TagPath(i), SineTag(i))));
        await PutAllAsync(pair.Master, Enumerable.Range(0, alarms).Select(i => ($"bench/alarms/a{i:D4}",
            $$"""{"tag":"{{TagPath(i % tags)}}","condition":"above","setpoint":50,"deadband":1,"onDelayMs":0,"offDelayMs":0,"priority":"medium","displayPath":"Bench/a{{i}}","notes":""}""")));
        await Until(async () => (await pair.Master.Client.GetTagsAsync(TagPrefix)).Tags.Count == tags, "all tags running");
        await Until(async () => (await pair.Master.Client.GetAlarmsAsync(prefix: "bench/alarms/")).Alarms.Count == alarms, "all alarms loaded");
        var loadSeconds = loading.Elapsed.TotalSeconds;
        Console.WriteLine($"  loaded in {loadSeconds:F1} s");
        var idle = await IdleRssAsync(pid, idleSeconds);
        if (gcdump is not null) await GcDumpAsync(pid, gcdump);
        pair.Master.Terminate();

        return new StringBuilder()
            .AppendLine("### Resident memory of an idle active node with 10,000 tags at 1 Hz and 1,000 alarms (issue 9)")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine($"A master alone (active after its join wait, `demo.enabled = off`), loaded with {tags:N0} simulator sine tags (scan 1000 ms, " +
                        $"deadband 0, so every tag changes every second) and {alarms:N0} `above` alarms through `PUT /api/config/...` " +
                        $"(one resource per request, 16 at a time, until `GET /api/tags` and `/api/alarms` list them all: {loadSeconds:F0} s), then left alone. VmRSS from /proc/PID/status, sampled every second.")
            .AppendLine()
            .AppendLine("| state | samples | median (MB) | max (MB) |")
            .AppendLine("|---|---|---|---|")
            .AppendLine($"| active, empty configuration, {5} s | {empty.Count} | {Median(empty):F0} | {empty.Max():F0} |")
            .AppendLine($"| active, {tags:N0} tags and {alarms:N0} alarms loaded, idle {idleSeconds} s | {idle.Count} | {Median(idle):F0} | {idle.Max():F0} |")
            .AppendLine()
            .AppendLine($"Load before: {load}.")
            .ToString();
    }

    /// <summary>A heap dump with dotnet-gcdump (a dotnet tool: <c>dotnet tool install -g dotnet-gcdump</c>), to see where the memory goes.</summary>
    private static async Task GcDumpAsync(int pid, string file)
    {
        using var tool = Process.Start(new ProcessStartInfo("dotnet-gcdump", ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", file]))
            ?? throw new InvalidOperationException("dotnet-gcdump did not start");
        await tool.WaitForExitAsync();
        Console.WriteLine($"  heap dump: {file} (exit {tool.ExitCode}); `dotnet-gcdump report {file}` lists it by type");
    }

    private static string SineTag(int i) =>
        $$"""{"provider":"simulator","function":"sine","dataType":"float","scanRateMs":1000,"amplitude":100,"periodMs":60000,"offset":0,"seed":{{i + 1}}}""";

    private static async Task<List<double>> IdleRssAsync(int pid, double seconds)
    {
        var samples = new List<double>();
        for (var i = 0; i < seconds; i++)
        {
            await Task.Delay(1000);
            samples.Add(RssMb(pid));
        }
        return samples;
    }

    private static double RssMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static double Median(List<double> values) => values.Order().ElementAt((values.Count - 1) / 2);

    // ---------------------------------------------------------------- takeover

    /// <summary>
    /// Operator failovers (POST /api/redundancy/failover on the active node) back and forth, each timed from the
    /// request to the first change streamed by the new active node and to the first alarm it reports active.
    /// </summary>
    public static async Task<string> TakeoverAsync(string standby, int runs, string command)
    {
        var load = await Machine.QuietnessAsync();
        Console.WriteLine($"takeover, {standby} standby, {runs} runs ({load})");
        var extra = standby == "warm" ? "redundant-gateway.redundancy.standby-activity-level = warm" : "";
        using var pair = new BenchPair("", extraHocon: extra);
        pair.Master.Start();
        pair.Backup.Start();
        await Until(async () => await pair.Master.LevelAsync() == "active" && await pair.Backup.LevelAsync() == standby
                                && await pair.Master.ConnectedAsync() && await pair.Backup.ConnectedAsync(), "pair ready");
        // 100 counters at 50 ms (a change every scan) and one alarm that is always active once evaluated.
        await PutAllAsync(pair.Master, Enumerable.Range(0, 100).Select(i => (TagPath(i), CounterTag(50, i + 1))));
        await pair.Master.Client.PutResourceAsync("bench/alarms/always",
            $$"""{"tag":"{{TagPath(0)}}","condition":"above","setpoint":-1,"deadband":0,"onDelayMs":0,"offDelayMs":0,"priority":"low","displayPath":"Bench/always","notes":"a counter is never below 0"}""");
        await Until(async () => (await pair.Backup.ConfigStatusAsync())?.Revision == (await pair.Master.ConfigStatusAsync())?.Revision, "backup in sync");

        var toValue = new List<double>();
        var toChange = new List<double>();
        var toAlarm = new List<double>();
        var (active, next) = (pair.Master, pair.Backup);
        for (var run = 1; run <= runs; run++)
        {
            await Until(async () => await active.LevelAsync() == "active" && await next.LevelAsync() == standby
                                    && await active.ConnectedAsync() && await next.ConnectedAsync(), "pair ready");
            if (standby == "warm") await Until(async () => (await next.Client.GetTagsAsync(TagPrefix)).Tags.Count == 100, "warm standby running its tags");
            using var stop = new CancellationTokenSource(Deadline);
            // The watchers start before the request (they see the standby until it takes over), the clock at the request.
            var clock = new Stopwatch();
            var valueTask = Task.Run(() => FirstStreamedValueAsync(next, clock, stop.Token));
            var alarmTask = Task.Run(() => FirstActiveAlarmAsync(next, clock, stop.Token));
            clock.Start();
            var answer = await active.Client.FailoverAsync(stop.Token);
            if (!answer.Accepted) throw new InvalidOperationException($"failover refused: {answer.Message}");
            var (values, change) = await valueTask;
            toValue.Add(values);
            toChange.Add(change);
            toAlarm.Add(await alarmTask);
            Console.WriteLine($"  run {run}: {active.Name} -> {next.Name}: values {toValue[^1]:F1} ms, first change {toChange[^1]:F1} ms, alarm {toAlarm[^1]:F1} ms");
            (active, next) = (next, active);
        }
        pair.Master.Terminate();
        pair.Backup.Terminate();

        return new StringBuilder()
            .AppendLine($"### Takeover to the first streamed value and the first evaluated alarm, {standby} standby (issue 9)")
            .AppendLine()
            .AppendLine($"Command: `{command}`")
            .AppendLine()
            .AppendLine($"A pair with 100 simulator counters at 50 ms and one alarm that is active whenever evaluated (counter above -1); " +
                        (standby == "warm" ? "`redundancy.standby-activity-level = warm` in both nodes' files. " : "the shipped cold standby. ") +
                        "Each run asks the active node to hand over (`POST /api/redundancy/failover`, the next run hands back) and times, from the request, " +
                        "what a client of `GET /api/tags/stream` on the new active node sees (a client that reconnects at once while a cold node answers " +
                        "its level and closes; a warm node keeps its stream open and sends a `level` event): the first time it holds values from an active node " +
                        "(a snapshot of an active node, or, warm, the `level: active` event after a snapshot that held values), and the first `change` event after that " +
                        "(the counters change every 50 ms scan, so up to 50 ms later); and the first `GET /api/alarms` (polled every 2 ms) that shows the node active with the alarm active.")
            .AppendLine()
            .AppendLine("| measure | runs | median | p99 | min | max |")
            .AppendLine("|---|---|---|---|---|---|")
            .AppendLine(Row("failover request until the client holds values from the new active node (ms)", toValue))
            .AppendLine(Row("failover request until the new active node streams its first change (ms)", toChange))
            .AppendLine(Row("failover request until the new active node reports the alarm active (ms)", toAlarm))
            .AppendLine()
            .AppendLine($"Load before: {load}.")
            .ToString();
    }

    /// <summary>
    /// Connects (again while the node answers its standby level and closes) until the node streams as active. Returns
    /// when the client first holds values from an active node (a snapshot of an active node with values, or the
    /// <c>level</c> event turning active on a stream whose warm snapshot held values) and when the first
    /// <c>change</c> event after that arrived.
    /// </summary>
    private static async Task<(double Values, double Change)> FirstStreamedValueAsync(BenchNode node, Stopwatch clock, CancellationToken cancellationToken)
    {
        var url = $"{node.BaseUrl}/api/tags/stream?prefix={Uri.EscapeDataString(TagPrefix)}";
        while (true)
        {
            using var response = await StreamHttp.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode) { await Task.Delay(2, cancellationToken); continue; }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var (evt, holdsValues) = ("", false);
            double? values = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) { evt = line[7..]; continue; }
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                var data = JsonDocument.Parse(line[6..]).RootElement;
                switch (evt)
                {
                    case "snapshot":
                        holdsValues = data.GetProperty("tags").GetArrayLength() > 0;
                        if (holdsValues && data.GetProperty("activityLevel").GetString() == "active") values = clock.Elapsed.TotalMilliseconds;
                        break;
                    case "level" when data.GetProperty("activityLevel").GetString() == "active":
                        if (holdsValues) values ??= clock.Elapsed.TotalMilliseconds;
                        break;
                    case "change" when values is { } v:
                        return (v, clock.Elapsed.TotalMilliseconds);
                }
            }
        }
    }

    private static async Task<double> FirstActiveAlarmAsync(BenchNode node, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var list = await node.Client.GetAlarmsAsync(prefix: "bench/alarms/", cancellationToken: cancellationToken);
                if (list.ActivityLevel == "active" && list.Alarms.Any(a => a.State == "active")) return clock.Elapsed.TotalMilliseconds;
            }
            catch (Exception e) when (e is GatewayException or HttpRequestException) { }
            await Task.Delay(2, cancellationToken);
        }
    }

    // ---------------------------------------------------------------- shared

    /// <summary>User plus system CPU seconds of a process so far (/proc/PID/stat, at 100 ticks a second).</summary>
    private static double ProcessCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Config edits through the REST API, 16 requests in flight.</summary>
    private static async Task PutAllAsync(BenchNode node, IEnumerable<(string Path, string Json)> resources)
    {
        await Parallel.ForEachAsync(resources, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (r, ct) =>
        {
            await node.Client.PutResourceAsync(r.Path, r.Json, ct); // a refused edit throws GatewayException with the node's line
        });
    }

    private static async Task Until(Func<Task<bool>> condition, string what, int pollMs = 50)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try { if (await condition()) return; }
            catch (Exception e) when (e is GatewayException or HttpRequestException or TaskCanceledException or JsonException) { }
            if (deadline.Elapsed > Deadline) throw new TimeoutException($"{what}: not reached within {Deadline.TotalSeconds} s");
            await Task.Delay(pollMs);
        }
    }

    private static string Row(string label, List<double> values)
    {
        var sorted = values.Order().ToList();
        double Rank(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
        return $"| {label} | {sorted.Count} | {Rank(0.5):F0} | {Rank(0.99):F0} | {sorted[0]:F0} | {sorted[^1]:F0} |";
    }
}
