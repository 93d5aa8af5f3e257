using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using RedundantGateway.ConfigSync;

namespace RedundantGateway.Tags;

/// <summary>
/// The demo a fresh master loads (<c>redundant-gateway.demo.enabled</c>): simulated tags under
/// <c>projects/demo/tags/</c>, alarm definitions under <c>projects/demo/alarms/</c>, several of which are active
/// at any time, each activation lasting at least 30 s (sines, ramps and squares of minutes against setpoints inside their range),
/// and the HMI page <c>projects/demo/pages/overview</c> (the watched tags and every alarm).
/// </summary>
public static class DemoConfiguration
{
    public const string Root = "projects/demo";
    public const string TagRoot = Root + "/tags/";
    public const string AlarmRoot = Root + "/alarms/";
    public const string OverviewPage = Root + "/pages/overview";

    private static readonly string[] Functions = ["ramp", "sine", "square", "randomWalk", "counter"];
    private static readonly int[] ScanRates = [250, 500, 1000, 2000];

    // Every demo tag is logged to history once a second, whatever its scan rate.
    private static readonly object EverySecond = new { mode = "periodic", rateMs = 1000 };

    /// <summary>Every demo resource, path to canonical JSON, tags first (alarms refer to them), then alarms, then the page.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Resources()
    {
        var resources = new List<KeyValuePair<string, string>>();
        void Tag(string name, object definition) => resources.Add(new(TagRoot + name, Json(definition)));

        // The tags the alarms watch: several alarms are active at any time, and an activation lasts at least 30 s, so that an
        // operator (or a check) acknowledging one still finds that activation after a failover or a restart.
        Tag("line1/temperature", new { provider = "simulator", function = "sine", dataType = "float", scanRateMs = 250, deadband = 0.5, units = "degC", amplitude = 100, periodMs = 240_000, offset = 0, seed = 11, history = EverySecond });
        Tag("line1/level", new { provider = "simulator", function = "ramp", dataType = "float", scanRateMs = 250, deadband = 0.0, units = "%", amplitude = 100, periodMs = 160_000, offset = 0, seed = 12, history = EverySecond });
        Tag("line1/pump-running", new { provider = "simulator", function = "square", dataType = "bool", scanRateMs = 500, units = "", amplitude = 1, periodMs = 120_000, offset = 0, seed = 13, history = EverySecond });
        Tag("line1/pressure", new { provider = "simulator", function = "square", dataType = "float", scanRateMs = 500, units = "bar", amplitude = 100, periodMs = 90_000, offset = 0, seed = 14, history = EverySecond });
        Tag("line2/flow", new { provider = "simulator", function = "sine", dataType = "float", scanRateMs = 500, deadband = 1.0, units = "m3/h", amplitude = 100, periodMs = 300_000, offset = 0, seed = 21, history = EverySecond });
        Tag("line2/batch-step", new { provider = "simulator", function = "ramp", dataType = "int", scanRateMs = 1000, units = "", amplitude = 10, periodMs = 320_000, offset = 0, seed = 22, history = EverySecond });
        Tag("line2/vibration", new { provider = "simulator", function = "randomWalk", dataType = "float", scanRateMs = 250, units = "mm/s", rate = 1, offset = 0, seed = 23, history = EverySecond });
        Tag("line2/speed", new { provider = "simulator", function = "ramp", dataType = "int", scanRateMs = 1000, units = "rpm", amplitude = 3000, periodMs = 200_000, offset = 0, seed = 24, history = EverySecond });

        // The rest: eight areas of 29 tags, a mix of functions and scan rates (250-2000 ms), for volume.
        for (var i = 0; i < 232; i++)
        {
            var function = Functions[i % Functions.Length];
            var area = i / 29 + 1;
            var dataType = function switch { "counter" => "int", "square" when i % 2 == 0 => "bool", _ => "float" };
            Tag($"area{area}/{function}-{i:D3}", new
            {
                provider = "simulator",
                function,
                dataType,
                scanRateMs = ScanRates[i / Functions.Length % ScanRates.Length],
                deadband = function == "sine" ? 0.1 : 0.0,
                units = function == "counter" ? "count" : "units",
                amplitude = 10 + i % 90,
                periodMs = 64_000 + 1000 * (i % 50),
                offset = i % 7,
                rate = 1,
                seed = 1000 + i,
                history = EverySecond,
            });
        }

        void Alarm(int number, string tag, string condition, double setpoint, double deadband, int onDelayMs, string priority, string display, string notes) =>
            resources.Add(new(AlarmRoot + $"a{number:D2}", Json(new
            {
                tag = TagRoot + tag, condition, setpoint, deadband, onDelayMs, offDelayMs = 0, priority,
                displayPath = "Demo/" + display, notes,
            })));
        Alarm(1, "line1/temperature", "above", 50, 1, 0, "high", "Line 1/Temperature high", "sine of amplitude 100: above 50 a third of each 4 min period");
        Alarm(2, "line1/temperature", "below", -50, 1, 0, "medium", "Line 1/Temperature low", "the other third of the period");
        Alarm(3, "line1/level", "above", 80, 1, 0, "critical", "Line 1/Tank level high", "ramp 0-100 every 160 s");
        Alarm(4, "line1/level", "below", 20, 1, 500, "low", "Line 1/Tank level low", "with a 500 ms on delay");
        Alarm(5, "line1/pump-running", "equal", 0, 0, 0, "medium", "Line 1/Pump stopped", "square: off half of each 2 min period");
        Alarm(6, "line1/pressure", "above", 50, 1, 0, "high", "Line 1/Pressure high", "square of amplitude 100: above half of each 90 s period");
        Alarm(7, "line2/flow", "above", 50, 2, 1000, "medium", "Line 2/Flow high", "5 min sine, 1 s on delay");
        Alarm(8, "line2/batch-step", "equal", 5, 0, 0, "low", "Line 2/Batch at step 5", "ramp 0-10 over 320 s, rounded: a step every 32 s");
        Alarm(9, "line2/vibration", "above", 6, 0.5, 0, "high", "Line 2/Vibration high", "random walk of 32 steps in [-1, 1]");
        Alarm(10, "line2/speed", "above", 2500, 50, 0, "medium", "Line 2/Overspeed", "ramp 0-3000 rpm every 200 s");
        Alarm(11, "line2/flow", "badQuality", 0, 0, 0, "critical", "Line 2/Flow meter failed", "active when the simulator is disconnected");
        Alarm(12, "area1/ramp-000", "above", 5, 0.5, 0, "low", "Area 1/Ramp high", "ramp of amplitude 10 over 64 s");

        // The live HMI page (/hmi/demo/overview): the tags the alarms watch and every alarm, after both (it refers to them).
        var watched = resources.Where(r => r.Key.StartsWith(AlarmRoot, StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Value).RootElement.GetProperty("tag").GetString()!).Distinct().ToList();
        var alarms = resources.Where(r => r.Key.StartsWith(AlarmRoot, StringComparison.Ordinal)).Select(r => r.Key).ToList();
        resources.Add(new(OverviewPage, Json(new { title = "Demo overview", tags = watched, alarms })));
        return resources;
    }

    private static string Json(object value) =>
        ConfigDocument.TryCanonicalJson(JsonSerializer.Serialize(value), out var canonical, out var error)
            ? canonical
            : throw new InvalidOperationException(error);

    /// <summary>Whether a configuration is the empty one a fresh master starts with.</summary>
    public static bool IsFresh(ConfigDocument document) => document.Revision == 0 && document.Resources.Count == 0;

    /// <summary>
    /// What is left to load into <paramref name="document"/>: all of the demo into a fresh store; the rest of it into a
    /// store that holds only part of the demo, unchanged (a load that a crash or a stop interrupted); nothing into a
    /// store that holds anything else, so that an operator's configuration is never mixed with the demo.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ToLoad(ConfigDocument document)
    {
        var demo = Resources();
        if (document.Resources.Count == 0) return document.Revision == 0 ? demo : [];
        var values = demo.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        foreach (var (path, value) in document.Resources)
            if (!values.TryGetValue(path, out var demoValue) || demoValue != value) return [];
        return demo.Where(r => !document.Resources.ContainsKey(r.Key)).ToList();
    }
}

/// <summary>
/// Loads <see cref="DemoConfiguration"/> on a master whose store is fresh, or finishes a load that a crash
/// interrupted, through the normal edit path (one <see cref="EditConfig"/> after the other to the config replicator,
/// so it replicates like any edit), then stops. A store with anything else in it is left alone
/// (<see cref="DemoConfiguration.ToLoad"/>), so an operator's configuration is never mixed with the demo.
/// </summary>
public sealed class DemoLoader : ReceiveActor, IWithTimers
{
    public const string Name = "demo-loader";

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _config;
    private IReadOnlyList<KeyValuePair<string, string>> _resources = [];
    private readonly TimeSpan? _waitForBackup;
    private bool _storeRead;
    private int _next;
    private int _answered;
    private long _revision;

    /// <summary>
    /// Edits sent before their answers: with config-sync.acknowledge = backup each answer waits for the backup's
    /// pull, so one at a time would take a round trip per resource. The store still takes them in order.
    /// </summary>
    private const int InFlight = 32;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record StopWaiting;

    /// <param name="waitForBackup">
    /// a master waits (at most this long) until it has compared its store with its backup's: an empty store
    /// whose backup holds the configuration takes the backup's instead (AuthorityRules), and the demo loaded
    /// first would make the master refuse edits.
    /// </param>
    public static Props Props(IActorRef config, TimeSpan? waitForBackup = null) => Akka.Actor.Props.Create(() => new DemoLoader(config, waitForBackup));

    public DemoLoader(IActorRef config, TimeSpan? waitForBackup)
    {
        _config = config;
        _waitForBackup = waitForBackup;
        Receive<ConfigAuthoritySettled>(_ => ReadStore());
        Receive<StopWaiting>(_ => ReadStore());
        Receive<ConfigDocumentView>(view =>
        {
            _resources = DemoConfiguration.ToLoad(view.Document);
            if (_resources.Count == 0)
            {
                _log.Debug("Demo configuration not loaded: the store holds revision {Revision}", view.Document.Revision);
                Context.Stop(Self);
                return;
            }
            if (DemoConfiguration.IsFresh(view.Document))
                _log.Info("Loading the demo configuration: {Count} resources under {Root}", _resources.Count, DemoConfiguration.Root);
            else
                _log.Info("Resuming the demo configuration's interrupted load: {Count} of its resources left under {Root}", _resources.Count, DemoConfiguration.Root);
            while (_next < Math.Min(InFlight, _resources.Count)) SendNext();
        });
        Receive<EditResult>(result =>
        {
            if (result.Outcome != EditOutcome.Accepted)
            {
                _log.Warning("Demo configuration stopped after {Answered} of {Count} resources: {Message}", _answered, _resources.Count, result.Message);
                Context.Stop(Self);
                return;
            }
            _answered++;
            _revision = Math.Max(_revision, result.Revision);
            if (_next < _resources.Count) SendNext();
            else if (_answered == _resources.Count)
            {
                _log.Info("Demo configuration loaded: {Count} resources, revision {Revision}", _resources.Count, _revision);
                Context.Stop(Self);
            }
        });
        Receive<Status.Failure>(failure =>
        {
            _log.Warning("Demo configuration not loaded: {Reason}", failure.Cause.Message);
            Context.Stop(Self);
        });
    }

    protected override void PreStart()
    {
        if (_waitForBackup is not { } wait)
        {
            ReadStore();
            return;
        }
        Context.System.EventStream.Subscribe(Self, typeof(ConfigAuthoritySettled));
        Timers.StartSingleTimer("wait", new StopWaiting(), wait);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void ReadStore()
    {
        if (_storeRead) return; // the settled event and the timer may both have been queued
        _storeRead = true;
        Context.System.EventStream.Unsubscribe(Self);
        Timers.CancelAll();
        _config.Ask<ConfigDocumentView>(GetConfigDocument.Instance, AskTimeout).PipeTo(Self);
    }

    private void SendNext()
    {
        var (path, value) = _resources[_next++];
        _config.Ask<EditResult>(new EditConfig(path, value), AskTimeout).PipeTo(Self);
    }
}
