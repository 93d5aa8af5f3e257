using System.Diagnostics;
using System.Globalization;
using System.Text;
using RedundantGateway.Alarms;
using RedundantGateway.StateSync;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// The state-sync core in process (issue 11; the shipping between nodes is not built yet): the bytes of a delta of
/// 100 changes against the size of the state, the codec and the store with a full state of many alarms, and what an
/// fsync per batch costs against a sync on a timer.
/// </summary>
internal static class StateSyncBenchmarks
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    public static string StateStore(int alarms, int batches, string command)
    {
        Console.WriteLine($"state-store, {alarms:N0} alarms, {batches} batches of 100 changes");
        var loadBefore = Machine.LoadAverage();
        var rows = new StringBuilder();
        var clock = new HybridClock(TimeProvider.System, 1);

        // A delta of 100 changes taken from states of two sizes: its bytes must not grow with the state.
        foreach (var total in new[] { 10_000, alarms })
        {
            var state = Build(total, clock);
            var delta = Changes(state, 100, offset: 7, clock);
            rows.AppendLine(CultureInfo.InvariantCulture, $"| delta of 100 changes (activations with their acknowledgements), {total:N0} alarms in the state | {StateCodec.Encode(delta).Length:N0} bytes | |");
        }

        var full = Build(alarms, clock);
        // The first full transfer in a process costs more than the next ones (what a node's first full transfer
        // costs); the rows after it are warm.
        var loaded = AlarmStateSet.Empty;
        var cold = Timed(() => loaded = StateCodec.MergeBatches(AlarmStateSet.Empty, StateCodec.EncodeBatches(full, 10_000)));
        if (!loaded.SameAs(full)) throw new InvalidOperationException("transferred state differs");
        loaded = AlarmStateSet.Empty;
        rows.AppendLine(CultureInfo.InvariantCulture, $"| full transfer of {alarms:N0} alarms without the link, first in the process: encode + decode + merge into an empty state | | {cold} |");
        IReadOnlyList<byte[]> encoded = [];
        var encode = Timed(() => encoded = StateCodec.EncodeBatches(full, 10_000));
        var bytes = encoded.Sum(b => (long)b.Length);
        var decode = Timed(() => loaded = StateCodec.MergeBatches(AlarmStateSet.Empty, encoded));
        if (!loaded.SameAs(full)) throw new InvalidOperationException("decoded state differs");
        rows.AppendLine(CultureInfo.InvariantCulture, $"| full state of {alarms:N0} alarms: encode (EncodeBatches: batches of 10,000, CRC-32 each, on all cores) | {bytes:N0} bytes ({(double)bytes / alarms:N1} per alarm) | {encode} |");
        rows.AppendLine(CultureInfo.InvariantCulture, $"| the same: decode and merge into an empty state (MergeBatches: decoded on all cores, one builder) | | {decode} |");
        // The full transfer to a fresh peer without the link: what both ends compute (the link's own cost is the
        // full-transfer benchmark's, issue 4: 50 MB in well under 3 s).
        loaded = AlarmStateSet.Empty;
        var transfer = Timed(() => loaded = StateCodec.MergeBatches(AlarmStateSet.Empty, StateCodec.EncodeBatches(full, 10_000)));
        if (!loaded.SameAs(full)) throw new InvalidOperationException("transferred state differs");
        loaded = AlarmStateSet.Empty;
        rows.AppendLine(CultureInfo.InvariantCulture, $"| full transfer of {alarms:N0} alarms without the link, warm: encode + decode + merge into an empty state (goal with the link: at most 3 s) | {bytes:N0} bytes | {transfer} |");

        // Where the seconds go (profile): cutting the map into batches, writing, reading, building the map.
        List<AlarmStateSet> cut = [];
        var cutTime = Timed(() => cut = full.Batches(10_000).ToList());
        var writeTime = Timed(() => encoded = cut.Select(StateCodec.Encode).ToList());
        List<List<KeyValuePair<string, AlarmEntry>>> read = [];
        var readTime = Timed(() => read = encoded.Select(b => StateCodec.DecodeEntries(b, 0, b.Length)).ToList());
        var buildTime = Timed(() => loaded = AlarmStateSet.Of(read.SelectMany(r => r)));
        cut.Clear();
        read.Clear();
        rows.AppendLine(CultureInfo.InvariantCulture, $"| profile: cut the state into batches of 10,000 (Batches) | | {cutTime} |");
        rows.AppendLine(CultureInfo.InvariantCulture, $"| profile: encode those batches one by one on one thread (Encode) | | {writeTime} |");
        rows.AppendLine(CultureInfo.InvariantCulture, $"| profile: decode them to entries on one thread, no map (DecodeEntries) | | {readTime} |");
        rows.AppendLine(CultureInfo.InvariantCulture, $"| profile: build the map of 1,000,000 entries in one builder | | {buildTime} |");

        var dir = Path.Combine(Path.GetTempPath(), "rg-bench-state-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var interval in new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(10) })
            {
                var settings = new StateSyncSettings(Path.Combine(dir, $"log-{interval.TotalMilliseconds}"), interval, long.MaxValue, 10_000);
                var (log, _) = StateLog.Open(settings);
                using (log)
                {
                    var times = new List<double>();
                    var deltas = Enumerable.Range(0, batches).Select(i => Changes(full, 100, offset: i * 100, clock)).ToList();
                    var sinceSync = Stopwatch.StartNew();
                    var all = Stopwatch.StartNew();
                    foreach (var delta in deltas)
                    {
                        var one = Stopwatch.StartNew();
                        log.Append(delta);
                        // What the owner's timer does: fsync at most every interval.
                        if (interval > TimeSpan.Zero && sinceSync.Elapsed >= interval) { log.Sync(); sinceSync.Restart(); }
                        times.Add(one.Elapsed.TotalMilliseconds);
                    }
                    log.Sync();
                    all.Stop();
                    times.Sort();
                    var mode = interval == TimeSpan.Zero ? "fsync per batch (sync-interval = 0ms)" : $"fsync every {interval.TotalMilliseconds} ms (sync-interval = {interval.TotalMilliseconds}ms)";
                    rows.AppendLine(CultureInfo.InvariantCulture,
                        $"| log append of a 100-change batch, {mode}: median / p99 per batch | {batches / all.Elapsed.TotalSeconds:N0} batches/s ({100 * batches / all.Elapsed.TotalSeconds:N0} changes/s) | {Percentile(times, 0.5):N2} / {Percentile(times, 0.99):N2} ms |");
                }
            }
            var compactSettings = new StateSyncSettings(Path.Combine(dir, "compact"), TimeSpan.Zero, 1, 10_000);
            var (store, _) = StateLog.Open(compactSettings);
            using (store)
            {
                store.Append(full);
                long snapshotBytes = 0;
                var compact = Timed(() => snapshotBytes = store.Compact());
                rows.AppendLine(CultureInfo.InvariantCulture, $"| compaction of {alarms:N0} alarms into the snapshot (temp file, fsync, rename) | {snapshotBytes:N0} bytes | {compact} |");
            }
            StateLog? reopened = null;
            StateLoadReport? report = null;
            var open = Timed(() => (reopened, report) = StateLog.Open(compactSettings));
            using (reopened)
            {
                if (report!.Alarms != alarms) throw new InvalidOperationException($"loaded {report.Alarms} alarms");
                rows.AppendLine(CultureInfo.InvariantCulture, $"| load of that snapshot at start (read, check, decode, merge into one builder) | | {open} |");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        return $"""
            ### Runtime state store: delta size, codec and durable log (issue 11, in process)

            Command: `{command}`

            | what | size or rate | time |
            |---|---|---|
            {rows.ToString().TrimEnd()}

            In process, no node link yet (the shipping actor is the next step). Each alarm in the state is active with one acknowledgement and a shelve, ids like `projects/bench/alarms/a000123`. The delta's size depends only on its own entries. A kill -9 loses nothing with either sync setting (every batch is written to the operating system at once); only a power cut can lose the last interval with a timer. Times are single runs (EncodeBatches and MergeBatches use both cores, the profile rows one thread); wall times scale with the machine's load, which is shared.

            Load: load average {loadBefore} before, {Machine.LoadAverage()} after.
            """;
    }

    /// <summary>Wall time and the process's CPU time (all threads, GC included): on a loaded machine the CPU time says more.</summary>
    private static string Timed(Action action)
    {
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        action();
        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        return string.Create(CultureInfo.InvariantCulture, $"{wall.Elapsed.TotalMilliseconds:N0} ms wall, {cpu.TotalMilliseconds:N0} ms CPU");
    }

    private static AlarmStateSet Build(int count, HybridClock clock) =>
        AlarmStateSet.Of(Enumerable.Range(0, count).Select(i => KeyValuePair.Create(Id(i), Entry(clock))));

    private static AlarmStateSet Changes(AlarmStateSet state, int count, int offset, HybridClock clock)
    {
        var delta = AlarmStateSet.Empty;
        for (var i = 0; i < count; i++)
        {
            var id = Id((offset + i * 97) % Math.Max(1, state.Count));
            delta = delta.Merge(AlarmStateSet.Of(id, Entry(clock)));
        }
        return delta;
    }

    private static AlarmEntry Entry(HybridClock clock)
    {
        var activation = clock.Now();
        var ack = clock.Now();
        return AlarmEntry.Of(
            new AlarmActivity(activation, true, activation, new AlarmTransition(T0, 81.5), new AlarmTransition(T0.AddMinutes(-3), 40)),
            [new AckFact(ack, activation, "operator", T0.AddSeconds(5), "seen")],
            new ShelveFact(ack, "operator", T0, T0.AddHours(1)));
    }

    private static string Id(int i) => $"projects/bench/alarms/a{i:D7}";

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
