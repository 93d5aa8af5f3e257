using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RedundantGateway.StateSync;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// Alarm state shipped between two nodes (issue 11): two processes (<see cref="StateNode"/>), each an actor system with
/// a <see cref="StateReplicator"/>, linked by Akka.Remote on loopback with the product's settings and serializer.
/// <c>state-replication</c>: local changes at a steady rate on one node, the lag from a change's creation to its merge on
/// the other. <c>state-full-transfer</c>: a fresh peer gets the full state of a node holding many alarms.
/// </summary>
internal static class StateShippingBenchmarks
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public static string AlarmId(int i) => $"projects/bench/alarms/a{i:D7}";

    public static string Replication(IReadOnlyList<double> rates, double seconds, double warmup, int alarms, string command)
    {
        Console.WriteLine($"state-replication, rates {string.Join(", ", rates)} changes/s, {seconds} s each (+{warmup} s warm-up), {alarms:N0} alarms");
        var loadBefore = Machine.LoadAverage();
        using var pair = new NodePair();
        pair.Sender.Command("start");
        pair.Receiver.Command("start");
        pair.Receiver.Command("await");
        pair.Sender.Command("await");
        var rows = new StringBuilder();
        foreach (var rate in rates)
        {
            var load = Machine.LoadAverage();
            var receiverCpu = pair.Receiver.Command("cpu").GetProperty("cpuMs").GetDouble();
            var fed = pair.Sender.Command<FeedResult>($"feed {Inv(rate)} {Inv(warmup + seconds)} {alarms}");
            var receiverCpuAfter = pair.Receiver.Command("cpu").GetProperty("cpuMs").GetDouble();
            if (!Drain(pair))
            {
                // The backlog would take minutes to drain: report the rate as not sustained and stop here.
                var note = string.Create(CultureInfo.InvariantCulture, $"| {rate:N0}/s | {fed.Sent / ((fed.EndTicks - fed.StartTicks) / (double)TimeSpan.TicksPerSecond):N0}/s | not sustained: the sender's backlog was not drained within {Deadline.TotalSeconds:0} s of the feed's end | | | | | {fed.CpuMs / 1000 / (warmup + seconds):F2} / {(receiverCpuAfter - receiverCpu) / 1000 / (warmup + seconds):F2} | {load} |");
                Console.WriteLine(note);
                rows.AppendLine(note);
                break;
            }
            var from = fed.StartTicks + (long)(warmup * TimeSpan.TicksPerSecond);
            var lags = pair.Receiver.Command<LagReport>($"lags {from} {fed.EndTicks}");
            var window = (fed.EndTicks - from) / (double)TimeSpan.TicksPerSecond;
            var offered = fed.Sent / ((fed.EndTicks - fed.StartTicks) / (double)TimeSpan.TicksPerSecond);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"| {rate:N0}/s | {offered:N0}/s | {lags.Count / window:N0}/s ({lags.Count:N0} in {window:F1} s) | {lags.MedianMs:F1} | {lags.P99Ms:F1} | {lags.MaxMs:F0} | {lags.SecondP99MinMs:F0} / {lags.SecondP99MedianMs:F0} / {lags.SecondP99MaxMs:F0} | {fed.CpuMs / 1000 / (warmup + seconds):F2} / {(receiverCpuAfter - receiverCpu) / 1000 / (warmup + seconds):F2} | {load} |");
            Console.WriteLine(line);
            rows.AppendLine(line);
        }
        return $"""
            ### Alarm state replication between two nodes: sustained rate and lag (issue 11)

            Command: `{command}`

            | target rate | fed | merged on the peer | lag median (ms) | lag p99 (ms) | lag max (ms) | per-second p99 min / median / max (ms) | CPU cores used: sender / receiver | load average at start |
            |---|---|---|---|---|---|---|---|---|
            {rows.ToString().TrimEnd()}

            Two processes (`state-node`, started by the benchmark), each an actor system with a StateReplicator and a subscriber standing in for the alarm engine, linked by Akka.Remote on 127.0.0.1 with the product's reference.conf (1 MiB frames and socket buffers, PairProtocolSerializer, server GC with DATAS as the node). The sender's feeder thread tells its replicator LocalTransition/LocalAck messages at the target rate over {alarms:N0} alarms (per alarm: active, acknowledged, clear, again), each carrying its creation time; the receiver's subscriber takes, for every alarm a merge reports, now minus that time. The lag is creation to merged on the peer (the sender's mailbox, batching, the sender's log and fsync, the link, decode, merge, the receiver's log and fsync, the subscriber's message). Only changes created after the {warmup} s warm-up count; after the feed the benchmark waits until every batch is acknowledged, so a change not merged is missing from "merged". CPU is each process's CPU time over the feed divided by its wall time (2 cores in all); shipped defaults (batches of 1000 alarms or 10 ms, fsync per batch).

            Load: load average {loadBefore} before, {Machine.LoadAverage()} after. The machine was shared with other engineers' builds and tests: the figures must be re-run on a quiet machine.
            """;
    }

    public static string FullTransfer(int alarms, int runs, string command)
    {
        Console.WriteLine($"state-full-transfer, {alarms:N0} alarms, {runs} runs");
        var loadBefore = Machine.LoadAverage();
        using var pair = new NodePair(preload: alarms);
        pair.Sender.Command("start keep");
        var total = new List<double>();
        var sending = new List<double>();
        var senderCpu = new List<double>();
        var receiverCpu = new List<double>();
        var loads = new List<string>();
        string? first = null;
        long bytes = 0;
        int batches = 0;
        for (var run = 0; run <= runs; run++)
        {
            var load = Machine.LoadAverage();
            var cpuSender = pair.Sender.Command("cpu").GetProperty("cpuMs").GetDouble();
            var cpuReceiver = pair.Receiver.Command("cpu").GetProperty("cpuMs").GetDouble();
            pair.Receiver.Command("start");
            var merged = pair.Receiver.Command("await");
            var mergedAt = merged.GetProperty("mergedAtTicks").GetInt64();
            var full = pair.Sender.Command<List<FullTransferRecord>>("fulls")[^1];
            if (full.Entries != alarms) throw new InvalidOperationException($"the full transfer held {full.Entries} alarms, not {alarms}");
            var cpuSenderAfter = pair.Sender.Command("cpu").GetProperty("cpuMs").GetDouble();
            // The sender's record: when the last batch left and how long after the decision (the peer's probe).
            var decidedAt = full.At.UtcTicks - full.Millis * TimeSpan.TicksPerMillisecond;
            var ms = (mergedAt - decidedAt) / (double)TimeSpan.TicksPerMillisecond;
            var line = $"  run {run}: {ms:F0} ms decision to merged (sender {full.Millis} ms to hand the last batch to the link), CPU sender {cpuSenderAfter - cpuSender:F0} ms, receiver {merged.GetProperty("cpuMs").GetDouble() - cpuReceiver:F0} ms; load {load}";
            Console.WriteLine(line + $"; receiver GC: {merged.GetProperty("gcPauseMs").GetDouble():F0} ms paused in all, {merged.GetProperty("gen2").GetInt32()} gen2 in all, {merged.GetProperty("allocatedMb").GetDouble():F0} MB allocated in all");
            if (run == 0)
            {
                first = string.Create(CultureInfo.InvariantCulture, $"{ms:F0} ms (CPU sender {cpuSenderAfter - cpuSender:F0} ms, receiver {merged.GetProperty("cpuMs").GetDouble() - cpuReceiver:F0} ms; load {load})");
                continue;
            }
            total.Add(ms);
            sending.Add(full.Millis);
            senderCpu.Add(cpuSenderAfter - cpuSender);
            receiverCpu.Add(merged.GetProperty("cpuMs").GetDouble() - cpuReceiver);
            loads.Add(load.Split(' ')[0]);
            bytes = full.Bytes;
            batches = full.Batches;
        }
        string Row(string what, List<double> values)
        {
            var sorted = values.Order().ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $"| {what} | {sorted.Count} | {StateNode.Percentile(sorted, 0.5):N0} | {StateNode.Percentile(sorted, 0.99):N0} | {sorted[0]:N0} | {sorted[^1]:N0} |");
        }
        return $"""
            ### Alarm state full transfer to a fresh peer, two nodes (issue 11)

            Command: `{command}`

            {alarms:N0} alarms, {bytes:N0} bytes in {batches} batches. Goal: at most 3 s from the decision to send to the peer having merged the last batch.

            | measure (ms) | runs | median | p99 | min | max |
            |---|---|---|---|---|---|
            {Row("decision to send (the fresh peer's first probe arrived) until the peer merged the last batch (wall)", total)}
            {Row("sender: decision until the last batch was handed to the link (wall)", sending)}
            {Row("sender process CPU time during a run (both cores count)", senderCpu)}
            {Row("receiver process CPU time during a run, its replicator's restart included", receiverCpu)}

            The first transfer after the processes started (not in the rows: JIT and first allocations) took {first}.
            Two processes (`state-node`), each an actor system with a StateReplicator, linked by Akka.Remote on 127.0.0.1 with the product's reference.conf and serializer, server GC with DATAS as the node. The sender loads {alarms:N0} alarms from its store at start (each active, acknowledged and shelved); each run starts a fresh replicator on the receiver (its folder deleted), whose first probe makes the sender decide a full transfer; the receiver reports the moment its PeerStateReady came (the last batch merged, logged and fsynced). The start is the sender's FullTransferRecord (its time minus its duration), so both ends read the same wall clock of one machine. Shipped defaults.

            Load: load average {loadBefore} before, {Machine.LoadAverage()} after; per run (1 min) {string.Join(", ", loads)}. The machine was shared with other engineers' builds and tests: the figures must be re-run on a quiet machine.
            """;
    }

    /// <summary>Waits until the sender has every batch it sent acknowledged (twice in a row, 200 ms apart).</summary>
    private static bool Drain(NodePair pair)
    {
        var deadline = Stopwatch.StartNew();
        var settled = 0;
        while (settled < 2)
        {
            if (deadline.Elapsed > Deadline) return false;
            Thread.Sleep(200);
            try
            {
                var status = pair.Sender.Command<StateSyncStatus>("status");
                settled = status.SequenceAcked == status.SequenceSent ? settled + 1 : 0;
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException) { return false; }
        }
        return true;
    }

    private static string Inv(double d) => d.ToString(CultureInfo.InvariantCulture);

    /// <summary>The two node processes, on free ports, each the other's peer.</summary>
    private sealed class NodePair : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), $"rg-bench-state-{Guid.NewGuid():N}"[..24]);

        public NodePair(int preload = 0)
        {
            var (senderPort, receiverPort) = (BenchNode.FreePort(), BenchNode.FreePort());
            Sender = new NodeProcess("sender", ["--port", $"{senderPort}", "--peer-port", $"{receiverPort}", "--node", "1", "--dir", Path.Combine(_dir, "sender"),
                .. preload > 0 ? new[] { "--preload", $"{preload}" } : []]);
            Receiver = new NodeProcess("receiver", ["--port", $"{receiverPort}", "--peer-port", $"{senderPort}", "--node", "2", "--dir", Path.Combine(_dir, "receiver")]);
            Sender.WaitReady();
            Receiver.WaitReady();
        }

        public NodeProcess Sender { get; }
        public NodeProcess Receiver { get; }

        public void Dispose()
        {
            Sender.Dispose();
            Receiver.Dispose();
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A <c>state-node</c> process: one command line in, one JSON line out.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
        private readonly Process _process;
        private readonly string _name;

        public NodeProcess(string name, string[] args)
        {
            _name = name;
            var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(typeof(StateNode).Assembly.Location);
            info.ArgumentList.Add("state-node");
            foreach (var arg in args) info.ArgumentList.Add(arg);
            // The node's GC (src/RedundantGateway.Node's project: server GC, concurrent, DATAS), not the benchmark's.
            info.Environment["DOTNET_gcServer"] = "1";
            info.Environment["DOTNET_gcConcurrent"] = "1";
            info.Environment["DOTNET_GCDynamicAdaptationMode"] = "1";
            _process = Process.Start(info)!;
            _process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } d) Console.WriteLine($"  [{_name} stderr] {d}"); };
            _process.BeginErrorReadLine();
        }

        public void WaitReady() => Command(null);

        public T Command<T>(string line) => Command(line).Deserialize<T>(Json)!;

        public JsonElement Command(string? line)
        {
            if (line is not null) _process.StandardInput.WriteLine(line);
            while (true)
            {
                var read = _process.StandardOutput.ReadLineAsync();
                if (!read.Wait(Deadline)) throw new TimeoutException($"{_name}: no answer to '{line}' within {Deadline.TotalSeconds} s");
                var text = read.Result ?? throw new InvalidOperationException($"{_name} exited (answering '{line}')");
                if (!text.StartsWith(StateNode.AnswerMark, StringComparison.Ordinal)) { Console.WriteLine($"  [{_name}] {text}"); continue; }
                var answer = JsonDocument.Parse(text[StateNode.AnswerMark.Length..]).RootElement;
                if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("error", out var error)) throw new InvalidOperationException($"{_name}: {error}");
                return answer;
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.StandardInput.WriteLine("quit");
                    if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
        }
    }
}
