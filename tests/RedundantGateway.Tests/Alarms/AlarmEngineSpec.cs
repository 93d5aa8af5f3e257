using Akka.Actor;
using Akka.TestKit;
using RedundantGateway.Alarms;
using RedundantGateway.ConfigSync;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Alarms;

/// <summary>
/// The alarm engine against probes playing the tag engine and the config replicator, on a fake clock: what it
/// evaluates at each level, how it follows the configuration, and the commands. Every check reads the engine's
/// answer to a later message, so no check waits on time.
/// </summary>
public sealed class AlarmEngineSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string T1 = "projects/demo/tags/t001";
    private const string T2 = "projects/demo/tags/t002";
    private const string High = "projects/demo/alarms/high";
    private const string Low = "projects/demo/alarms/low";

    private readonly TestProbe _tags;
    private readonly TestProbe _config;
    private readonly ManualTimeProvider _clock = new();

    public AlarmEngineSpec(ITestOutputHelper output) : base(output: output)
    {
        _tags = CreateTestProbe("tag-engine");
        _config = CreateTestProbe("config-replicator");
    }

    private static string AboveJson(string tag, double setpoint, int onMs = 0, string priority = "high") =>
        $$"""{"tag":"{{tag}}","condition":"above","setpoint":{{setpoint}},"deadband":1,"onDelayMs":{{onMs}},"priority":"{{priority}}"}""";

    private static ConfigDocument Document(long revision, params (string Path, string Json)[] resources) =>
        ConfigDocument.From("identity", revision, resources.Select(r => KeyValuePair.Create(r.Path, r.Json)));

    private static TagValue Good(string tag, double value) => new(tag, value, TagQuality.Good, ManualTimeProvider.Start);

    /// <summary>An engine that has read <paramref name="document"/> and runs at <paramref name="level"/>.</summary>
    private IActorRef Engine(ConfigDocument document, ActivityLevel level, AlarmsSettings? settings = null)
    {
        var engine = Sys.ActorOf(AlarmEngine.Props(settings, _tags.Ref, _config.Ref, _clock));
        _config.ExpectMsg<GetConfigDocument>();
        _config.Reply(new ConfigDocumentView(document, false));
        SetLevel(engine, level);
        return engine;
    }

    private void SetLevel(IActorRef engine, ActivityLevel level)
    {
        engine.Tell(new ApplyRuntimeLevel(level));
        Assert.Equal(level, ExpectMsg<RuntimeLevelApplied>().Level);
    }

    /// <summary>The subscription the engine makes (after dropping any earlier one): the tags it asked for.</summary>
    private IReadOnlyList<string> ExpectSubscription(IActorRef engine)
    {
        _tags.ExpectMsg<UnsubscribeTags>(u => Assert.Equal(engine, u.Subscriber));
        var subscribe = _tags.ExpectMsg<SubscribeTags>();
        Assert.Equal(engine, subscribe.Subscriber);
        Assert.Null(subscribe.Selection.Prefix);
        return subscribe.Selection.Paths;
    }

    private AlarmList Alarms(IActorRef engine, AlarmFilter? filter = null)
    {
        engine.Tell(new GetAlarms(filter ?? AlarmFilter.All));
        return ExpectMsg<AlarmList>();
    }

    private AlarmStatus Alarm(IActorRef engine, string id) => Alarms(engine).Alarms.Single(a => a.Id == id);

    private AlarmCommandResult Command(IActorRef engine, object command)
    {
        engine.Tell(command);
        return ExpectMsg<AlarmCommandResult>();
    }

    [Fact]
    public void The_active_node_subscribes_to_the_tags_of_its_alarms_evaluates_and_takes_commands()
    {
        var engine = Engine(Document(3, (High, AboveJson(T1, 50)), (Low, AboveJson(T2, 10, priority: "low")), ("projects/demo/tags/t001", "{}")), ActivityLevel.Active);
        Assert.Equal([T1, T2], ExpectSubscription(engine));

        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60), Good(T2, 5)]));
        var high = Alarm(engine, High);
        Assert.True(high.Active);
        Assert.False(high.Acked);
        Assert.Equal(ManualTimeProvider.Start, high.ActiveSince);
        Assert.Null(high.QualityReason);
        Assert.False(Alarm(engine, Low).Active);

        _clock.Advance(TimeSpan.FromSeconds(5));
        var ack = Command(engine, new AckAlarm(High, "op", "seen"));
        Assert.True(ack.Accepted, ack.Error);
        Assert.Equal("op", ack.Alarm!.AckedBy);
        Assert.Equal(ManualTimeProvider.Start.AddSeconds(5), ack.Alarm.AckedAt);
        var twice = Command(engine, new AckAlarm(High, "op", null));
        Assert.False(twice.Accepted);
        Assert.StartsWith("already acknowledged by op", twice.Error);
        Assert.False(twice.NotActive);

        engine.Tell(new TagsChanged([Good(T1, 48.5), Good(T2, 11)]));
        var list = Alarms(engine);
        Assert.Equal(ActivityLevel.Active, list.Level);
        Assert.False(list.Alarms.Single(a => a.Id == High).Active);
        Assert.Equal(48.5, list.Alarms.Single(a => a.Id == High).LastClear!.Value);
        Assert.True(list.Alarms.Single(a => a.Id == Low).Active);

        Assert.Equal("no alarm 'alarms/none'", Command(engine, new AckAlarm("alarms/none", "op", null)).Error);
    }

    [Fact]
    public void Filters_select_by_state_priority_and_prefix()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50)), (Low, AboveJson(T2, 10, priority: "low")), ("other/alarms/x", AboveJson(T2, 0))), ActivityLevel.Active);
        ExpectSubscription(engine);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60), Good(T2, 5)]));

        Assert.Equal(["other/alarms/x", High], Alarms(engine, new AlarmFilter(AlarmStateFilter.Active)).Alarms.Select(a => a.Id));
        Assert.Equal([Low], Alarms(engine, new AlarmFilter(AlarmStateFilter.Clear)).Alarms.Select(a => a.Id));
        Assert.Equal([Low], Alarms(engine, new AlarmFilter(Priority: AlarmPriority.Low)).Alarms.Select(a => a.Id));
        Assert.Equal([High, Low], Alarms(engine, new AlarmFilter(Prefix: "projects/")).Alarms.Select(a => a.Id));
    }

    [Fact]
    public void A_cold_node_evaluates_nothing_and_subscribes_to_no_tag()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50))), ActivityLevel.Cold);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        engine.Tell(new TagsChanged([Good(T1, 70)]));

        var list = Alarms(engine);
        Assert.Equal(ActivityLevel.Cold, list.Level);
        var alarm = Assert.Single(list.Alarms);
        Assert.False(alarm.Active);
        Assert.Null(alarm.EvaluatedAt);
        Assert.Equal("not evaluated: the node is cold", alarm.QualityReason);
        // The engine answered after handling every message before: anything it sent the tag engine is there.
        Assert.False(_tags.HasMessages);
        var refused = Command(engine, new AckAlarm(High, "op", null));
        Assert.True(refused.NotActive);
        Assert.Contains("cold", refused.Error);
    }

    [Fact]
    public void A_warm_node_evaluates_but_refuses_commands_until_it_is_active()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50))), ActivityLevel.Warm);
        ExpectSubscription(engine);
        engine.Tell(new TagSnapshot(ActivityLevel.Warm, [Good(T1, 60)]));
        Assert.True(Alarm(engine, High).Active);

        foreach (var command in new object[] { new AckAlarm(High, "op", null), new ShelveAlarm(High, "op", _clock.GetUtcNow().AddMinutes(5)), new UnshelveAlarm(High, "op") })
        {
            var refused = Command(engine, command);
            Assert.False(refused.Accepted);
            Assert.True(refused.NotActive);
            Assert.StartsWith("this node is warm:", refused.Error);
            Assert.False(refused.Alarm!.Acked);
        }

        // Taking over flips the side effects on: the state evaluated while warm is kept, no new subscription.
        SetLevel(engine, ActivityLevel.Active);
        Assert.True(Command(engine, new AckAlarm(High, "op", null)).Accepted);
        Assert.True(Alarm(engine, High).Active);
        Assert.False(_tags.HasMessages);
    }

    [Fact]
    public void Going_cold_drops_the_subscription_and_the_state()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50))), ActivityLevel.Active);
        ExpectSubscription(engine);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        Assert.True(Alarm(engine, High).Active);

        SetLevel(engine, ActivityLevel.Cold);
        _tags.ExpectMsg<UnsubscribeTags>();
        Assert.False(Alarm(engine, High).Active);
        SetLevel(engine, ActivityLevel.Active);
        Assert.Equal([T1], ExpectSubscription(engine));
    }

    [Fact]
    public void Delays_and_shelves_run_out_on_the_clock_without_a_new_value()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50, onMs: 2000))), ActivityLevel.Active);
        ExpectSubscription(engine);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        Assert.False(Alarm(engine, High).Active);

        _clock.Advance(TimeSpan.FromMilliseconds(1999));
        engine.Tell(CheckAlarmTimers.Instance);
        Assert.False(Alarm(engine, High).Active);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        engine.Tell(CheckAlarmTimers.Instance);
        var active = Alarm(engine, High);
        Assert.True(active.Active);
        Assert.Equal(ManualTimeProvider.Start.AddSeconds(2), active.ActiveSince);

        var shelved = Command(engine, new ShelveAlarm(High, "op", _clock.GetUtcNow().AddMinutes(10)));
        Assert.True(shelved.Accepted, shelved.Error);
        Assert.True(shelved.Alarm!.Shelved);
        Assert.Equal("op", shelved.Alarm.ShelvedBy);
        _clock.Advance(TimeSpan.FromMinutes(10));
        engine.Tell(CheckAlarmTimers.Instance);
        Assert.False(Alarm(engine, High).Shelved);
        Assert.Equal("the alarm is not shelved", Command(engine, new UnshelveAlarm(High, "op")).Error);
        Assert.Contains("at most", Command(engine, new ShelveAlarm(High, "op", _clock.GetUtcNow().AddDays(2))).Error);
    }

    [Fact]
    public void On_the_system_clock_the_engine_s_own_timer_ends_a_delay()
    {
        var engine = Sys.ActorOf(AlarmEngine.Props(null, _tags.Ref, _config.Ref, TimeProvider.System));
        _config.ExpectMsg<GetConfigDocument>();
        _config.Reply(new ConfigDocumentView(Document(1, (High, AboveJson(T1, 50, onMs: 200))), false));
        SetLevel(engine, ActivityLevel.Active);
        ExpectSubscription(engine);
        var sent = DateTimeOffset.UtcNow;
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        AwaitAssert(() => Assert.True(Alarm(engine, High).Active), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
        Assert.True(Alarm(engine, High).ActiveSince >= sent.AddMilliseconds(200));
    }

    [Fact]
    public void Definitions_follow_the_configuration_as_it_changes()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50))), ActivityLevel.Active);
        Assert.Equal([T1], ExpectSubscription(engine));
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 45)]));
        Assert.False(Alarm(engine, High).Active);

        // A new setpoint on the same tag: judged at once from the last value, no new subscription.
        Sys.EventStream.Publish(new ConfigurationChanged(Document(2, (High, AboveJson(T1, 40)))));
        Assert.True(Alarm(engine, High).Active);
        Assert.False(_tags.HasMessages);

        // An alarm on another tag: the engine asks for both tags.
        Sys.EventStream.Publish(new ConfigurationChanged(Document(3, (High, AboveJson(T1, 40)), (Low, AboveJson(T2, 10)))));
        Assert.Equal([T1, T2], ExpectSubscription(engine));
        Assert.Equal("no tag values yet: waiting for the tag engine's snapshot", Alarm(engine, Low).QualityReason);
        Assert.True(Alarm(engine, High).Active);

        // A stale read answered after a newer commit changes nothing.
        engine.Tell(new ConfigDocumentView(Document(2, (High, AboveJson(T1, 40))), false));
        Assert.Equal(2, Alarms(engine).Alarms.Count);

        // The alarm removed: gone, and its tag no longer asked for.
        Sys.EventStream.Publish(new ConfigurationChanged(Document(4, (Low, AboveJson(T2, 10)))));
        Assert.Equal([T2], ExpectSubscription(engine));
        Assert.Equal([Low], Alarms(engine).Alarms.Select(a => a.Id));

        // No alarm left: no subscription at all (an empty selection would mean every tag).
        Sys.EventStream.Publish(new ConfigurationChanged(Document(5)));
        _tags.ExpectMsg<UnsubscribeTags>();
        Assert.Empty(Alarms(engine).Alarms);
        Assert.False(_tags.HasMessages);
    }

    [Fact]
    public void A_missing_tag_or_an_invalid_definition_shows_bad_quality_with_the_reason()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50)), (Low, AboveJson(T2, 10)),
            ("alarms/broken", """{"tag":"tags/x","condition":"above"}""")), ActivityLevel.Active);
        ExpectSubscription(engine);

        // A snapshot from a tag engine that has not started yet says nothing about which tags exist.
        engine.Tell(new TagSnapshot(ActivityLevel.Undecided, []));
        Assert.Equal("no tag values yet: the tag engine is undecided", Alarm(engine, High).QualityReason);
        engine.Tell(new TagLevelChanged(ActivityLevel.Active));
        ExpectSubscription(engine);

        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        var list = Alarms(engine);
        Assert.True(list.Alarms.Single(a => a.Id == High).Active);
        Assert.Equal($"tag '{T2}' does not exist", list.Alarms.Single(a => a.Id == Low).QualityReason);
        var broken = list.Alarms.Single(a => a.Id == "alarms/broken");
        Assert.Equal("tags/x", broken.Tag);
        Assert.StartsWith("invalid definition: alarm 'alarms/broken': 'setpoint' must be a number", broken.QualityReason);
        Assert.Contains("invalid definition", Command(engine, new AckAlarm("alarms/broken", "op", null)).Error);

        // The tag appears later: the alarm is judged from its first value.
        engine.Tell(new TagsChanged([Good(T2, 20)]));
        var low = Alarm(engine, Low);
        Assert.True(low.Active);
        Assert.Null(low.QualityReason);
    }

    [Fact]
    public void An_unchanged_definition_keeps_its_state_and_one_edited_invalid_shows_why_until_it_is_fixed()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50)), (Low, AboveJson(T1, 55))), ActivityLevel.Active);
        ExpectSubscription(engine);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        Assert.True(Command(engine, new AckAlarm(High, "op", null)).Accepted);

        Sys.EventStream.Publish(new ConfigurationChanged(Document(2, (High, AboveJson(T1, 50)), (Low, """{"tag":"projects/demo/tags/t001","condition":"above"}"""))));
        var list = Alarms(engine).Alarms;
        Assert.Equal("op", list.Single(a => a.Id == High).AckedBy);
        Assert.StartsWith("invalid definition:", list.Single(a => a.Id == Low).QualityReason);

        Sys.EventStream.Publish(new ConfigurationChanged(Document(3, (High, AboveJson(T1, 50)), (Low, AboveJson(T1, 58)))));
        var low = Alarm(engine, Low);
        Assert.True(low.Active);
        Assert.Null(low.QualityReason);
        Assert.Equal("op", Alarm(engine, High).AckedBy);
        Assert.False(_tags.HasMessages);
    }

    [Fact]
    public void A_tag_whose_definition_goes_is_asked_for_again_and_shows_missing()
    {
        const string tagJson = """{"provider":"simulator","function":"ramp"}""";
        var engine = Engine(Document(1, (High, AboveJson(T1, 50)), (T1, tagJson)), ActivityLevel.Active);
        ExpectSubscription(engine);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        Assert.True(Alarm(engine, High).Active);

        // Another resource changes: nothing to ask again.
        Sys.EventStream.Publish(new ConfigurationChanged(Document(2, (High, AboveJson(T1, 50)), (T1, tagJson), ("projects/demo/tags/t003", tagJson))));
        Assert.True(Alarm(engine, High).Active);
        Assert.False(_tags.HasMessages);

        Sys.EventStream.Publish(new ConfigurationChanged(Document(3, (High, AboveJson(T1, 50)))));
        Assert.Equal([T1], ExpectSubscription(engine));
        engine.Tell(new TagSnapshot(ActivityLevel.Active, []));
        var alarm = Alarm(engine, High);
        Assert.Equal($"tag '{T1}' does not exist", alarm.QualityReason);
        Assert.True(alarm.Active);
    }

    [Fact]
    public void A_runtime_restart_rebuilds_from_the_current_configuration()
    {
        var engine = Engine(Document(1, (High, AboveJson(T1, 50))), ActivityLevel.Active);
        ExpectSubscription(engine);
        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        Assert.True(Command(engine, new AckAlarm(High, "op", null)).Accepted);

        engine.Tell(new RestartRuntimeActor(new RuntimeRestart("full transfer", 9)));
        _config.ExpectMsg<GetConfigDocument>();
        _config.Reply(new ConfigDocumentView(Document(9, (High, AboveJson(T1, 50)), (Low, AboveJson(T1, 55))), false));
        Assert.Equal(9, ExpectMsg<RuntimeActorRestarted>().ConfigRevision);
        Assert.Equal([T1], ExpectSubscription(engine));
        Assert.All(Alarms(engine).Alarms, alarm => Assert.Null(alarm.EvaluatedAt));

        engine.Tell(new TagSnapshot(ActivityLevel.Active, [Good(T1, 60)]));
        Assert.All(Alarms(engine).Alarms, alarm => Assert.True(alarm.Active && !alarm.Acked));
    }
}
