using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using RedundantGateway.Alarms;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.StateSync;

namespace RedundantGateway.Benchmarks;

/// <summary>
/// One node of the state-shipping benchmarks, in a process of its own (<c>state-node</c>, started by
/// <see cref="StateShippingBenchmarks"/>): an actor system with Akka.Remote on loopback and the product's
/// reference.conf (its node-link frame and buffer sizes, PairProtocolSerializer for the batches), a
/// <see cref="StateReplicator"/> at <c>/user/state-replicator</c> whose peer is the other process's, and a subscriber
/// standing in for the alarm engine. Driven by one-line commands on stdin; answers one line (JSON) on stdout.
/// </summary>
internal static class StateNode
{
    public const string SystemName = "bench-state";

    public static string ReplicatorPath(int port) => $"akka.tcp://{SystemName}@127.0.0.1:{port}/user/{StateReplicator.Name}";

    /// <summary>args: --port P --peer-port Q --node 1|2 --dir D [--preload N]</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name) => args.SkipWhile(a => a != name).Skip(1).First();
        var port = int.Parse(Arg("--port"), CultureInfo.InvariantCulture);
        var peerPort = int.Parse(Arg("--peer-port"), CultureInfo.InvariantCulture);
        var node = ushort.Parse(Arg("--node"), CultureInfo.InvariantCulture);
        var dir = Arg("--dir");
        var preload = args.Contains("--preload") ? int.Parse(Arg("--preload"), CultureInfo.InvariantCulture) : 0;

        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
            """).WithFallback(GatewayConfig.Reference);
        var settings = StateSyncSettings.Create(ConfigurationFactory.ParseString($"redundant-gateway.state-sync.directory = \"{dir}\"").WithFallback(config))
            with { PeerStateWait = TimeSpan.FromSeconds(60) };
        if (preload > 0) Preload(settings, preload);

        using var system = ActorSystem.Create(SystemName, config);
        var events = system.ActorOf(Props.Create(() => new Collector()), "events");
        var engine = system.ActorOf(Props.Create(() => new EngineStandIn()), "engine");
        IActorRef? replicator = null;
        IActorRef StartReplicator()
        {
            IActorRef r;
            // The name of a stopped actor is freed just after its Terminated: try again shortly.
            for (var attempt = 0; ; attempt++)
            {
                try { r = system.ActorOf(StateReplicator.Props(settings, node, ReplicatorPath(peerPort), events, full => full), StateReplicator.Name); break; }
                catch (InvalidActorNameException) when (attempt < 100) { Thread.Sleep(50); }
            }
            r.Tell(SubscribeAlarmState.Instance, engine);
            return r;
        }
        var feeder = new Feeder();
        Task<PeerStateReady>? awaiting = null;
        Answer(new { ready = true });
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words.FirstOrDefault())
            {
                case "start":
                    // A fresh replicator with no state (the folder deleted), told that the peer answers: its probe
                    // makes the peer send its full state, which the awaited PeerStateReady reports merged.
                    // "start keep": with the state the store holds (a preloaded sender).
                    if (replicator is not null) await replicator.GracefulStop(TimeSpan.FromSeconds(30));
                    engine.Tell(new Reset());
                    if (words.ElementAtOrDefault(1) != "keep" && Directory.Exists(settings.Directory)) Directory.Delete(settings.Directory, recursive: true);
                    replicator = StartReplicator();
                    // Its answer means its PreStart ran (subscribed to the event stream) before the peer is said to answer.
                    await replicator.Ask<StateSyncStatus>(GetStateSyncStatus.Instance, TimeSpan.FromSeconds(60));
                    system.EventStream.Publish(new PeerReachable(ReplicatorPath(peerPort), 1, "peer"));
                    awaiting = replicator.Ask<PeerStateReady>(AwaitPeerState.Instance, TimeSpan.FromSeconds(120));
                    Answer(new { started = true });
                    break;
                case "await":
                    var ready = await awaiting!;
                    if (ready.Why != "the peer's full state is merged") { Answer(new { error = $"ready without the peer's state: {ready.Why}" }); break; }
                    Answer(new { mergedAtTicks = DateTime.UtcNow.Ticks, why = ready.Why, cpuMs = CpuMs(), gcPauseMs = GC.GetTotalPauseDuration().TotalMilliseconds,
                        gen2 = GC.CollectionCount(2), allocatedMb = GC.GetTotalAllocatedBytes() / 1e6 });
                    break;
                case "status":
                    Answer(await replicator!.Ask<StateSyncStatus>(GetStateSyncStatus.Instance, TimeSpan.FromSeconds(110)));
                    break;
                case "fulls":
                    Answer(await events.Ask<List<FullTransferRecord>>(new Collector.Get(), TimeSpan.FromSeconds(30)));
                    break;
                case "feed":
                    // feed RATE SECONDS ALARMS
                    var fed = feeder.Feed(replicator!, double.Parse(words[1], CultureInfo.InvariantCulture),
                        double.Parse(words[2], CultureInfo.InvariantCulture), int.Parse(words[3], CultureInfo.InvariantCulture));
                    Answer(fed);
                    break;
                case "lags":
                    // lags FROM_TICKS TO_TICKS: the changes created in the window, as merged here
                    Answer(await engine.Ask<LagReport>(new EngineStandIn.Lags(long.Parse(words[1], CultureInfo.InvariantCulture),
                        long.Parse(words[2], CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(60)));
                    break;
                case "cpu":
                    Answer(new { cpuMs = CpuMs() });
                    break;
                case "quit":
                    if (replicator is not null) await replicator.GracefulStop(TimeSpan.FromSeconds(30));
                    await system.Terminate();
                    return 0;
                default:
                    Answer(new { error = $"unknown command '{line}'" });
                    break;
            }
        }
        return 0;
    }

    private static double CpuMs() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    /// <summary>One answer line, marked (Akka's own warnings go to stdout too).</summary>
    private static void Answer(object value) => Console.Out.WriteLine(AnswerMark + JsonSerializer.Serialize(value));

    public const string AnswerMark = "@answer ";

    /// <summary>The node's store filled with <paramref name="alarms"/> alarms (a snapshot), which the replicator loads at start.</summary>
    private static void Preload(StateSyncSettings settings, int alarms)
    {
        if (Directory.Exists(settings.Directory)) Directory.Delete(settings.Directory, recursive: true);
        var clock = new HybridClock(TimeProvider.System, 1);
        var t0 = DateTimeOffset.UtcNow.AddHours(-1);
        var state = AlarmStateSet.Of(Enumerable.Range(0, alarms).Select(i =>
        {
            var activation = clock.Now();
            var ack = clock.Now();
            return KeyValuePair.Create(StateShippingBenchmarks.AlarmId(i), AlarmEntry.Of(
                new AlarmActivity(activation, true, activation, new AlarmTransition(t0, 81.5), new AlarmTransition(t0.AddMinutes(-3), 40)),
                [new AckFact(ack, activation, "operator", t0.AddSeconds(5), "seen")],
                new ShelveFact(ack, "operator", t0, t0.AddYears(1))));
        }));
        var (log, _) = StateLog.Open(settings with { MaxLogBytes = long.MaxValue });
        using (log)
        {
            log.Append(state);
            log.Compact();
        }
    }

    /// <summary>
    /// The alarm engine's part: local changes told to the replicator at a steady rate, from a thread of its own.
    /// Per alarm the changes cycle active, acknowledged, clear, each one a real change of the replicated state;
    /// each carries its creation time (the transition's or the acknowledgement's At), which the peer's stand-in reads back.
    /// </summary>
    private sealed class Feeder
    {
        private long _next;

        public FeedResult Feed(IActorRef replicator, double rate, double seconds, int alarms)
        {
            var cpuBefore = CpuMs();
            var startTicks = DateTime.UtcNow.Ticks;
            var clock = Stopwatch.StartNew();
            long sent = 0;
            var duration = TimeSpan.FromSeconds(seconds);
            while (clock.Elapsed < duration)
            {
                var due = (long)(rate * clock.Elapsed.TotalSeconds);
                while (sent < due)
                {
                    var k = _next++;
                    var id = StateShippingBenchmarks.AlarmId((int)(k % alarms));
                    var now = DateTimeOffset.UtcNow;
                    replicator.Tell((k / alarms % 3) switch
                    {
                        0 => new LocalTransition(id, true, new AlarmTransition(now, k)),
                        1 => new LocalAck(id, "operator", null, now),
                        _ => new LocalTransition(id, false, new AlarmTransition(now, k)),
                    });
                    sent++;
                }
                Thread.Sleep(1);
            }
            return new FeedResult(sent, startTicks, DateTime.UtcNow.Ticks, CpuMs() - cpuBefore);
        }
    }

    internal sealed record Reset;

    /// <summary>
    /// Stands in for the alarm engine, subscribed to the replicator as the engine is: on the receiving node it
    /// records, for every alarm a merge reports, the time from the newest change's creation to now.
    /// </summary>
    private sealed class EngineStandIn : ReceiveActor
    {
        private readonly List<(long Created, float LagMs)> _samples = new(1 << 20);
        private readonly Dictionary<string, long> _newest = new(StringComparer.Ordinal);
        private bool _first = true;

        public sealed record Lags(long FromTicks, long ToTicks);

        public EngineStandIn()
        {
            Receive<Reset>(_ => { _first = true; _samples.Clear(); _newest.Clear(); });
            Receive<ReplicatedAlarmsChanged>(changed =>
            {
                // The answer to the subscription (every alarm at once) is not a merge.
                if (_first) { _first = false; return; }
                var now = DateTime.UtcNow.Ticks;
                foreach (var (id, alarm) in changed.Changed)
                {
                    var created = Math.Max(alarm.LastActivation?.At.UtcTicks ?? 0, Math.Max(alarm.LastClear?.At.UtcTicks ?? 0, alarm.Ack?.At.UtcTicks ?? 0));
                    // A batch sent again (a resend) reports the same change again: only its first merge counts.
                    if (_newest.TryGetValue(id, out var seen) && seen >= created) continue;
                    _newest[id] = created;
                    _samples.Add((created, (float)((now - created) / (double)TimeSpan.TicksPerMillisecond)));
                }
            });
            Receive<Lags>(window =>
            {
                var inWindow = _samples.Where(s => s.Created >= window.FromTicks && s.Created < window.ToTicks).ToList();
                var lags = inWindow.Select(s => (double)s.LagMs).Order().ToList();
                var perSecond = inWindow.GroupBy(s => (s.Created - window.FromTicks) / TimeSpan.TicksPerSecond)
                    .Select(g => Percentile(g.Select(s => (double)s.LagMs).Order().ToList(), 0.99)).Order().ToList();
                Sender.Tell(new LagReport(lags.Count, Percentile(lags, 0.5), Percentile(lags, 0.99), lags.Count == 0 ? 0 : lags[^1],
                    perSecond.Count == 0 ? 0 : perSecond[0], Percentile(perSecond, 0.5), perSecond.Count == 0 ? 0 : perSecond[^1], CpuMs()));
                _samples.Clear();
            });
        }
    }

    /// <summary>Keeps what the replicator records (its full transfers).</summary>
    private sealed class Collector : ReceiveActor
    {
        private readonly List<FullTransferRecord> _records = [];

        public sealed record Get;

        public Collector()
        {
            Receive<FullTransferRecord>(_records.Add);
            Receive<Get>(_ => Sender.Tell(_records.ToList()));
        }
    }

    internal static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal sealed record FeedResult(long Sent, long StartTicks, long EndTicks, double CpuMs);

internal sealed record LagReport(int Count, double MedianMs, double P99Ms, double MaxMs, double SecondP99MinMs, double SecondP99MedianMs,
    double SecondP99MaxMs, double CpuMs);
