using Akka.Actor;
using Akka.TestKit;
using RedundantGateway.ConfigSync;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Tags;

/// <summary>The tag engine: levels (cold runs nothing), values and subscriptions, config changes, providers.</summary>
public sealed class TagEngineSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly TagsSettings Settings = new([], 1000);

    private const string FastRamp = """{"provider":"simulator","function":"ramp","scanRateMs":50,"periodMs":1000,"amplitude":100}""";
    private const string PlcTag = """{"provider":"plc","address":"DB1.W2"}""";

    private static ConfigDocument Document(long revision, params (string Path, string Json)[] resources) =>
        ConfigDocument.From("id", revision, resources.Select(r => new KeyValuePair<string, string>(r.Path, r.Json)));

    /// <summary>Answers GetConfigDocument with the document it holds (a stand-in for the config replicator).</summary>
    private sealed class FakeConfig : ReceiveActor
    {
        public FakeConfig(ConfigDocument document) =>
            Receive<GetConfigDocument>(_ => Sender.Tell(new ConfigDocumentView(document, true)));
    }

    /// <summary>A host provider that counts its starts and stops.</summary>
    private sealed class CountingProvider : ITagProvider
    {
        private int _starts;
        private int _stops;
        public string Name => "plc";
        public int Starts => Volatile.Read(ref _starts);
        public int Stops => Volatile.Read(ref _stops);
        public void Start() => Interlocked.Increment(ref _starts);
        public void Stop() => Interlocked.Increment(ref _stops);
        public TagReading Read(TagDefinition definition, DateTimeOffset now) => new(42L, TagQuality.Good, now);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private IActorRef Engine(ConfigDocument document, ITagProvider[]? providers = null, TimeProvider? clock = null, TagsSettings? settings = null)
    {
        var config = Sys.ActorOf(Props.Create(() => new FakeConfig(document)));
        return Sys.ActorOf(TagEngine.Props(settings ?? Settings, config, providers ?? [], clock));
    }

    private async Task LevelAsync(IActorRef engine, ActivityLevel level) =>
        Assert.Equal(level, (await engine.Ask<RuntimeLevelApplied>(new ApplyRuntimeLevel(level), Deadline)).Level);

    private static async Task<TagSnapshot> ValuesAsync(IActorRef engine, TagSelection? selection = null) =>
        await engine.Ask<TagSnapshot>(new GetTagValues(selection ?? TagSelection.All), Deadline);

    private async Task<TagEngineStatus> StatusWithTagsAsync(IActorRef engine, int tags)
    {
        TagEngineStatus status = null!;
        await AwaitConditionAsync(async () => (status = await engine.Ask<TagEngineStatus>(GetTagEngineStatus.Instance, Deadline)).Tags == tags, Deadline);
        return status;
    }

    [Fact]
    public async Task Cold_and_undecided_start_no_provider_and_evaluate_nothing()
    {
        var plc = new CountingProvider();
        var engine = Engine(Document(2, ("tags/ramp", FastRamp), ("tags/plc", PlcTag)), [plc]);
        await StatusWithTagsAsync(engine, 2);
        await LevelAsync(engine, ActivityLevel.Cold);
        await LevelAsync(engine, ActivityLevel.Undecided);

        var status = await engine.Ask<TagEngineStatus>(GetTagEngineStatus.Instance, Deadline);
        Assert.Equal(0, status.ProviderStarts);
        Assert.Equal(0, plc.Starts);
        var snapshot = await ValuesAsync(engine);
        Assert.Equal(ActivityLevel.Undecided, snapshot.Level);
        Assert.Empty(snapshot.Values);
    }

    [Theory]
    [InlineData(ActivityLevel.Warm)]
    [InlineData(ActivityLevel.Active)]
    public async Task Warm_and_active_run_the_providers_and_update_values_on_the_scan_rate(ActivityLevel level)
    {
        var plc = new CountingProvider();
        var engine = Engine(Document(2, ("tags/ramp", FastRamp), ("tags/plc", PlcTag)), [plc]);
        await StatusWithTagsAsync(engine, 2);
        await LevelAsync(engine, level);
        Assert.Equal(1, plc.Starts);

        var first = (await ValuesAsync(engine)).Values;
        Assert.Equal(["tags/plc", "tags/ramp"], first.Select(v => v.Path));
        Assert.Equal(42L, first[0].Value);
        var firstRamp = first[1];
        await AwaitConditionAsync(async () => (await ValuesAsync(engine)).Values.Single(v => v.Path == "tags/ramp").Timestamp > firstRamp.Timestamp, Deadline);

        await LevelAsync(engine, ActivityLevel.Cold);
        Assert.Equal(1, plc.Stops);
        Assert.Empty((await ValuesAsync(engine)).Values);
    }

    [Fact]
    public async Task A_subscriber_gets_a_snapshot_then_changes_then_level_changes()
    {
        var engine = Engine(Document(2, ("tags/ramp", FastRamp), ("other/tags/x", FastRamp)));
        await StatusWithTagsAsync(engine, 2);
        await LevelAsync(engine, ActivityLevel.Active);
        var subscriber = CreateTestProbe();
        engine.Tell(new SubscribeTags(TagSelection.ByPrefix("tags/"), subscriber.Ref));

        var snapshot = subscriber.ExpectMsg<TagSnapshot>(Deadline);
        Assert.Equal(ActivityLevel.Active, snapshot.Level);
        Assert.Equal("tags/ramp", Assert.Single(snapshot.Values).Path);
        var changed = subscriber.FishForMessage<TagsChanged>(_ => true, Deadline);
        Assert.All(changed.Values, v => Assert.Equal("tags/ramp", v.Path));

        await LevelAsync(engine, ActivityLevel.Cold);
        subscriber.FishForMessage<TagLevelChanged>(m => m.Level == ActivityLevel.Cold, Deadline);
    }

    [Fact]
    public async Task A_config_change_rebuilds_only_the_changed_tag()
    {
        var engine = Engine(Document(2, ("tags/a", FastRamp), ("tags/b", """{"provider":"simulator","function":"square","amplitude":5,"periodMs":3600000,"scanRateMs":50}""")));
        await StatusWithTagsAsync(engine, 2);
        await LevelAsync(engine, ActivityLevel.Active);
        var subscriber = CreateTestProbe();
        engine.Tell(new SubscribeTags(new TagSelection(["tags/b", "tags/c"], null), subscriber.Ref));
        Assert.Equal(5.0, subscriber.ExpectMsg<TagSnapshot>(Deadline).Values.Single().Value is double v ? Math.Abs(v) : -1);

        // b now has amplitude 7, c is new, a is gone; plain config under tags/ stays plain config.
        Sys.EventStream.Publish(new ConfigurationChanged(Document(3,
            ("tags/b", """{"provider":"simulator","function":"square","amplitude":7,"periodMs":3600000,"scanRateMs":50}"""),
            ("tags/c", FastRamp),
            ("tags/plain", """{"value":1}"""))));
        var changes = new List<TagValue>();
        await AwaitConditionAsync(() =>
        {
            while (subscriber.HasMessages)
                if (subscriber.ReceiveOne(TimeSpan.Zero) is TagsChanged c) changes.AddRange(c.Values);
            return Task.FromResult(changes.Any(c => c.Path == "tags/b") && changes.Any(c => c.Path == "tags/c"));
        }, Deadline);
        Assert.Equal(7.0, Math.Abs((double)changes.First(c => c.Path == "tags/b").Value!));
        var status = await StatusWithTagsAsync(engine, 2);
        Assert.Equal(3, status.ConfigRevision);
        Assert.DoesNotContain((await ValuesAsync(engine)).Values, v => v.Path == "tags/a");
    }

    [Fact]
    public async Task A_definition_that_no_longer_resolves_and_a_disconnected_provider_give_bad_quality_with_a_reason()
    {
        // A plc tag on a node without the plc provider (say, a host that dropped it).
        var engine = Engine(Document(2, ("tags/plc", PlcTag), ("tags/ramp", FastRamp)));
        await StatusWithTagsAsync(engine, 2);
        await LevelAsync(engine, ActivityLevel.Active);
        var plc = (await ValuesAsync(engine)).Values.Single(v => v.Path == "tags/plc");
        Assert.Equal(TagQuality.Bad, plc.Quality);
        Assert.Contains("unknown provider 'plc'", plc.Reason);

        var answer = await engine.Ask<TagProviderConnection>(new SetTagProviderConnected("simulator", false), Deadline);
        Assert.True(answer.Accepted);
        var ramp = (await ValuesAsync(engine)).Values.Single(v => v.Path == "tags/ramp");
        Assert.Equal(TagQuality.Bad, ramp.Quality);
        Assert.Equal("provider 'simulator' is disconnected", ramp.Reason);

        await engine.Ask<TagProviderConnection>(new SetTagProviderConnected("simulator", true), Deadline);
        Assert.Equal(TagQuality.Good, (await ValuesAsync(engine)).Values.Single(v => v.Path == "tags/ramp").Quality);
        Assert.False((await engine.Ask<TagProviderConnection>(new SetTagProviderConnected("nope", false), Deadline)).Accepted);
    }

    [Fact]
    public async Task A_provider_disconnected_by_the_settings_starts_bad()
    {
        var engine = Engine(Document(1, ("tags/ramp", FastRamp)), settings: new TagsSettings(["simulator"], 1000));
        await StatusWithTagsAsync(engine, 1);
        await LevelAsync(engine, ActivityLevel.Warm);
        Assert.Equal(TagQuality.Bad, (await ValuesAsync(engine)).Values.Single().Quality);
    }

    [Fact]
    public async Task Two_engines_with_the_same_definitions_and_time_have_the_same_values()
    {
        var clock = new FixedClock(DateTimeOffset.Parse("2026-12-02T05:00:00.321Z"));
        var document = Document(4,
            ("tags/ramp", FastRamp),
            ("tags/sine", """{"provider":"simulator","function":"sine","scanRateMs":250}"""),
            ("tags/walk", """{"provider":"simulator","function":"randomWalk","seed":9}"""),
            ("tags/counter", """{"provider":"simulator","function":"counter","dataType":"int"}"""),
            ("tags/square", """{"provider":"simulator","function":"square","dataType":"bool"}"""));
        var first = Engine(document, clock: clock);
        var second = Engine(document, clock: clock);
        await StatusWithTagsAsync(first, 5);
        await StatusWithTagsAsync(second, 5);
        await LevelAsync(first, ActivityLevel.Active);
        await LevelAsync(second, ActivityLevel.Warm);

        var a = (await ValuesAsync(first)).Values;
        var b = (await ValuesAsync(second)).Values;
        Assert.Equal(5, a.Count);
        Assert.Equal(a, b);
    }

    [Fact]
    public async Task A_restart_rebuilds_from_the_current_configuration_and_answers_its_revision()
    {
        var engine = Engine(Document(9, ("tags/ramp", FastRamp)));
        await StatusWithTagsAsync(engine, 1);
        var restarted = await engine.Ask<RuntimeActorRestarted>(new RestartRuntimeActor(new RuntimeRestart("test", 9)), Deadline);
        Assert.Equal(9, restarted.ConfigRevision);
    }
}
