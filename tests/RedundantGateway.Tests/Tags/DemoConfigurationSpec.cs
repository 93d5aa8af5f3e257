using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using RedundantGateway.ConfigSync;
using RedundantGateway.Tags;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Tags;

/// <summary>The demo: enough valid tags, alarms on tags that exist and fire soon after start, loaded only into a fresh store.</summary>
public sealed class DemoConfigurationSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_demo_has_at_least_200_valid_simulated_tags_with_scan_rates_of_250_to_2000_ms()
    {
        var tags = DemoConfiguration.Resources().Where(r => r.Key.StartsWith(DemoConfiguration.TagRoot, StringComparison.Ordinal)).ToList();
        Assert.True(tags.Count >= 200, $"{tags.Count} tags");
        foreach (var (path, json) in tags)
        {
            Assert.True(TagDefinition.IsTagDefinition(path, json), path);
            Assert.True(TagDefinition.TryParse(path, json, out var definition, out var error), error);
            Assert.InRange(definition!.ScanRateMs, 250, 2000);
        }
        Assert.Equal(5, tags.Select(t => JsonDocument.Parse(t.Value).RootElement.GetProperty("function").GetString()).Distinct().Count());
    }

    [Fact]
    public void The_demo_alarms_watch_demo_tags_several_are_active_at_any_time_and_an_activation_lasts_at_least_30_seconds()
    {
        var resources = DemoConfiguration.Resources().ToDictionary(r => r.Key, r => r.Value);
        var alarms = resources.Where(r => r.Key.StartsWith(DemoConfiguration.AlarmRoot, StringComparison.Ordinal)).ToList();
        Assert.Equal(12, alarms.Count);
        Assert.All(alarms, a => Assert.Matches(@"^projects/demo/alarms/a\d\d$", a.Key));

        // Each alarm's condition at every scan over 10 minutes from a few start times (the delays and deadbands aside).
        foreach (var start in new[] { 0L, 1_234_567L, 1_780_000_000_000L })
        {
            var conditions = new List<(string Id, bool Random, bool[] True, int ScanRateMs)>();
            foreach (var (id, json) in alarms)
            {
                var alarm = JsonDocument.Parse(json).RootElement;
                var tagPath = alarm.GetProperty("tag").GetString()!;
                Assert.True(resources.ContainsKey(tagPath), tagPath);
                Assert.True(TagDefinition.TryParse(tagPath, resources[tagPath], out var tag, out _));
                var setpoint = alarm.GetProperty("setpoint").GetDouble();
                var condition = alarm.GetProperty("condition").GetString();
                Assert.Contains(condition, new[] { "above", "below", "equal", "badQuality" });
                Assert.Contains(alarm.GetProperty("priority").GetString(), new[] { "low", "medium", "high", "critical" });
                var truths = Enumerable.Range(0, 600_000 / tag!.ScanRateMs)
                    .Select(i => TagSimulator.Read(tag, DateTimeOffset.FromUnixTimeMilliseconds(start + i * (long)tag.ScanRateMs)).Value)
                    .Select(v => v is bool b ? (b ? 1.0 : 0.0) : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture))
                    .Select(v => condition switch { "above" => v > setpoint, "below" => v < setpoint, "equal" => v == setpoint, _ => false })
                    .ToArray();
                conditions.Add((id, tag.Function == SimulatorFunction.RandomWalk || condition == "badQuality", truths, tag.ScanRateMs));
            }

            // Several at once: what an operator (and the checks) find to acknowledge within seconds of any start.
            var activeAtStart = conditions.Count(c => !c.Random && c.True[0]);
            Assert.True(activeAtStart >= 2, $"only {activeAtStart} alarms active at {start}");
            var mostWithin30s = Enumerable.Range(0, 30).Max(second =>
                conditions.Count(c => !c.Random && c.True[second * 1000 / c.ScanRateMs]));
            Assert.True(mostWithin30s >= 3, $"at most {mostWithin30s} alarms active at once in the 30 s from {start}");

            // Long activations: an acknowledgement made before a failover or a restart still belongs to the activation shown after it.
            foreach (var (id, random, truths, scanRateMs) in conditions.Where(c => !c.Random))
            {
                var runs = Runs(truths).ToList();
                Assert.True(runs.Count > 0, $"{id} never fires in 10 minutes from {start}");
                // The first and last runs are cut by the window.
                var shortest = runs.Skip(1).SkipLast(1).DefaultIfEmpty(int.MaxValue).Min() * (long)scanRateMs;
                Assert.True(shortest >= 30_000, $"{id}: an activation of only {shortest} ms from {start}");
            }
        }
    }

    private static IEnumerable<int> Runs(bool[] truths)
    {
        var run = 0;
        foreach (var t in truths)
        {
            if (t) run++;
            else if (run > 0) { yield return run; run = 0; }
        }
        if (run > 0) yield return run;
    }

    /// <summary>A config replicator that holds a document and takes every edit.</summary>
    private sealed class RecordingConfig : ReceiveActor
    {
        public RecordingConfig(ConfigDocument document, ConcurrentQueue<EditConfig> edits)
        {
            Receive<GetConfigDocument>(_ => Sender.Tell(new ConfigDocumentView(document, true)));
            Receive<EditConfig>(edit =>
            {
                edits.Enqueue(edit);
                document = document.Apply(document.Revision + 1, edit.Path, edit.Value);
                Sender.Tell(new EditResult(EditOutcome.Accepted, document.Revision, "ok"));
            });
        }
    }

    [Fact]
    public void A_fresh_store_gets_the_demo_through_edits()
    {
        var edits = new ConcurrentQueue<EditConfig>();
        var config = Sys.ActorOf(Props.Create(() => new RecordingConfig(ConfigDocument.Empty.WithIdentity("id"), edits)));
        var loader = Sys.ActorOf(DemoLoader.Props(config));
        Watch(loader);
        ExpectTerminated(loader, Deadline);
        Assert.Equal(DemoConfiguration.Resources().Select(r => r.Key), edits.Select(e => e.Path));
    }

    [Fact]
    public void A_store_with_anything_in_it_is_left_alone()
    {
        var edits = new ConcurrentQueue<EditConfig>();
        var used = ConfigDocument.Empty.WithIdentity("id").Apply(1, "plant/settings", "{}");
        var config = Sys.ActorOf(Props.Create(() => new RecordingConfig(used, edits)));
        var loader = Sys.ActorOf(DemoLoader.Props(config));
        Watch(loader);
        ExpectTerminated(loader, Deadline);
        Assert.Empty(edits);
    }

    [Fact]
    public void A_load_interrupted_by_a_crash_is_finished_from_where_it_stopped()
    {
        var demo = DemoConfiguration.Resources();
        var partial = ConfigDocument.Empty.WithIdentity("id");
        for (var i = 0; i < 100; i++) partial = partial.Apply(i + 1, demo[i].Key, demo[i].Value);
        var edits = new ConcurrentQueue<EditConfig>();
        var config = Sys.ActorOf(Props.Create(() => new RecordingConfig(partial, edits)));
        var loader = Sys.ActorOf(DemoLoader.Props(config));
        Watch(loader);
        ExpectTerminated(loader, Deadline);
        Assert.Equal(demo.Skip(100).Select(r => r.Key), edits.Select(e => e.Path));
    }

    [Fact]
    public void Part_of_the_demo_changed_or_deleted_by_an_operator_is_not_completed()
    {
        var demo = DemoConfiguration.Resources();
        var partial = ConfigDocument.Empty.WithIdentity("id");
        for (var i = 0; i < 10; i++) partial = partial.Apply(i + 1, demo[i].Key, demo[i].Value);

        Assert.Equal(demo.Count - 10, DemoConfiguration.ToLoad(partial).Count);
        Assert.Empty(DemoConfiguration.ToLoad(partial.Apply(11, demo[0].Key, """{"provider":"simulator","function":"ramp"}""")));
        Assert.Empty(DemoConfiguration.ToLoad(partial.Apply(11, "plant/settings", "{}")));
        Assert.Empty(DemoConfiguration.ToLoad(ConfigDocument.Empty.WithIdentity("id").Apply(1, demo[0].Key, demo[0].Value).Apply(2, demo[0].Key, null)));
        Assert.Empty(DemoConfiguration.ToLoad(demo.Select((r, i) => (r, i)).Aggregate(ConfigDocument.Empty, (d, x) => d.Apply(x.i + 1, x.r.Key, x.r.Value))));
    }
}
