using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using RedundantGateway.ConfigSync;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;

namespace RedundantGateway.Alarms;

/// <summary>
/// Evaluates the alarms of the configuration on every value of their tags, and keeps their runtime state (one
/// immutable <see cref="AlarmState"/> per alarm, all of it in this actor). The decisions are
/// <see cref="AlarmRules"/>'; this actor feeds them definitions, values and time.
/// Levels: cold and undecided evaluate nothing (no tag subscription, every alarm "not evaluated"); warm evaluates
/// but takes no acknowledgement or shelve (side effects are the active node's); active does everything.
/// </summary>
public sealed partial class AlarmEngine : ReceiveActor, IWithTimers
{
    public const string Name = "alarms";

    private const string TimerKey = "alarm-timers";

    // A timer never fires sooner than this (a clock that moves oddly must not spin) nor later (one that jumps is caught up).
    private static readonly TimeSpan MinTimer = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMinutes(1);

    private readonly AlarmsSettings _settings;
    private readonly IActorRef _tagEngine;
    private readonly ICanTell _configReplicator;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<string, AlarmDefinition> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Tag, string Error)> _invalid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AlarmState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _alarmsByTag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagValue> _values = new(StringComparer.Ordinal);
    // The JSON text each definition (valid or not) was read from.
    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);
    private readonly List<IActorRef> _restartRequesters = [];
    private ConfigDocument? _document;
    private ActivityLevel _level = ActivityLevel.Undecided;
    // Whether the tag engine's snapshot for the current subscription has come: only then is a tag absent from it missing.
    private bool _snapshotReceived;
    // When the timer is set for (null: not set), so a batch of values that changes nothing due does not reset it.
    private DateTimeOffset? _timerDue;

    public AlarmEngine(AlarmsSettings settings, IActorRef tagEngine, ICanTell configReplicator, TimeProvider clock, ICanTell? stateReplicator = null)
    {
        _stateReplicator = stateReplicator;
        _settings = settings;
        _tagEngine = tagEngine;
        _configReplicator = configReplicator;
        _clock = clock;

        Receive<ConfigurationChanged>(changed => OnDocument(changed.Document));
        Receive<ConfigDocumentView>(view => OnDocument(view.Document));
        Receive<ApplyRuntimeLevel>(apply => OnLevelRequested(apply.Level));
        Receive<ReplicatedAlarmsChanged>(OnReplicated);
        Receive<PeerStateReady>(OnPeerStateReady);
        Receive<RestartRuntimeActor>(_ =>
        {
            // Rebuilt from the configuration as the store has it now, answered once it is read.
            _restartRequesters.Add(Sender);
            _configReplicator.Tell(GetConfigDocument.Instance, Self);
        });
        Receive<TagSnapshot>(OnSnapshot);
        Receive<TagsChanged>(changed => OnValues(changed.Values));
        Receive<TagLevelChanged>(changed =>
        {
            // The tag engine now runs providers: ask again for a snapshot rather than wait for the next change.
            if (Evaluates && changed.Level is ActivityLevel.Warm or ActivityLevel.Active) Subscribe();
        });
        Receive<CheckAlarmTimers>(_ => OnTimers());
        Receive<GetAlarms>(get => Sender.Tell(new AlarmList(_level, List(get.Filter))));
        Receive<AckAlarm>(ack => Command(ack.Id, state => AlarmRules.Acknowledge(state, ack.By, ack.Note, Now),
            state => new LocalAck(ack.Id, ack.By, ack.Note, state.Ack?.At ?? Now)));
        Receive<ShelveAlarm>(shelve => Command(shelve.Id, state => AlarmRules.Shelve(state, shelve.By, shelve.Until, Now, _settings.MaxShelveDuration),
            state => new LocalShelve(shelve.Id, shelve.By, state.Shelve?.At ?? Now, state.Shelve?.Until ?? shelve.Until)));
        Receive<UnshelveAlarm>(unshelve => Command(unshelve.Id, state => AlarmRules.Unshelve(state, unshelve.By),
            _ => new LocalUnshelve(unshelve.Id, unshelve.By, Now)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="settings">null: <see cref="AlarmsSettings.Default"/>.</param>
    /// <param name="clock">null: the system clock (tests pass a fake one).</param>
    /// <param name="stateReplicator">the node's state replicator (StateSync); null: the state stays in this actor only.</param>
    public static Props Props(AlarmsSettings? settings, IActorRef tagEngine, ICanTell configReplicator, TimeProvider? clock = null,
        ICanTell? stateReplicator = null) =>
        Akka.Actor.Props.Create(() => new AlarmEngine(settings ?? AlarmsSettings.Default, tagEngine, configReplicator, clock ?? TimeProvider.System, stateReplicator));

    private bool Evaluates => _level is ActivityLevel.Warm or ActivityLevel.Active;

    private DateTimeOffset Now => _clock.GetUtcNow();

    protected override void PreStart()
    {
        // Subscribe first, then read: a commit between the two is seen either way, none is lost.
        Context.System.EventStream.Subscribe(Self, typeof(ConfigurationChanged));
        _configReplicator.Tell(GetConfigDocument.Instance, Self);
        _stateReplicator?.Tell(SubscribeAlarmState.Instance, Self);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void OnDocument(ConfigDocument document)
    {
        // A read answered after a newer commit was published is stale.
        var stale = _document is { } current && current.Identity == document.Identity && document.Revision < current.Revision;
        if (_restartRequesters.Count > 0)
        {
            Rebuild(stale ? _document! : document);
            foreach (var requester in _restartRequesters) requester.Tell(new RuntimeActorRestarted(_document!.Revision));
            _restartRequesters.Clear();
            return;
        }
        if (!stale) Apply(document, rebuild: false);
    }

    private void Rebuild(ConfigDocument document)
    {
        _states.Clear();
        _values.Clear();
        Apply(document, rebuild: true);
    }

    /// <summary>Takes the definitions of a configuration: unchanged alarms keep their state, changed ones start afresh.</summary>
    private void Apply(ConfigDocument document, bool rebuild)
    {
        // A tag's own definition changed or went (resource path = tag path): ask again, so a tag that no longer
        // exists shows as missing instead of keeping its last value.
        var previous = _document;
        var tagsTouched = previous is not null && _alarmsByTag.Keys.Any(tag =>
            previous.Resources.GetValueOrDefault(tag) != document.Resources.GetValueOrDefault(tag));
        _document = document;
        var definitions = new Dictionary<string, AlarmDefinition>(StringComparer.Ordinal);
        var invalid = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, json) in document.Resources)
        {
            if (!AlarmDefinition.IsAlarmPath(path)) continue;
            // An edit changes one resource: the others are taken as read last time, not parsed again.
            if (_texts.TryGetValue(path, out var text) && text == json)
            {
                texts[path] = json;
                if (_definitions.TryGetValue(path, out var known)) definitions[path] = known;
                else invalid[path] = _invalid[path];
                continue;
            }
            if (!AlarmDefinition.IsDefinition(path, json)) continue;
            texts[path] = json;
            if (AlarmDefinition.TryParse(path, json, out var definition, out var error)) definitions[path] = definition!;
            else invalid[path] = (TagOf(json), error);
        }
        Replace(_texts, texts);
        foreach (var (path, (_, error)) in invalid)
            if (!_invalid.TryGetValue(path, out var known) || known.Error != error)
                _log.Warning("Alarm {0} is not evaluated: {1}", path, error);

        var oldTags = _alarmsByTag.Keys.ToHashSet(StringComparer.Ordinal);
        var changed = new List<string>();
        foreach (var id in _definitions.Keys.Where(id => !definitions.ContainsKey(id)).ToList()) _states.Remove(id);
        foreach (var (id, definition) in definitions)
        {
            if (!rebuild && _definitions.TryGetValue(id, out var old) && old == definition && _states.ContainsKey(id)) continue;
            _states[id] = Seeded(id, AlarmState.Initial(NotEvaluatedReason()));
            changed.Add(id);
        }
        Replace(_definitions, definitions);
        Replace(_invalid, invalid);
        _alarmsByTag.Clear();
        foreach (var definition in _definitions.Values)
        {
            if (!_alarmsByTag.TryGetValue(definition.Tag, out var ids)) _alarmsByTag[definition.Tag] = ids = [];
            ids.Add(definition.Id);
        }
        foreach (var tag in _values.Keys.Where(tag => !_alarmsByTag.ContainsKey(tag)).ToList()) _values.Remove(tag);

        if (!Evaluates) return;
        if (rebuild || tagsTouched || !oldTags.SetEquals(_alarmsByTag.Keys)) Subscribe();
        else foreach (var id in changed) EvaluateFromCache(id);
        ScheduleTimers();
    }

    private void OnLevel(ActivityLevel level, IActorRef replyTo)
    {
        var evaluated = Evaluates;
        var evaluatedActive = _level == ActivityLevel.Active;
        _level = level;
        if (Evaluates && !evaluated) Subscribe();
        else if (!Evaluates)
        {
            // Nothing runs at cold: no subscription, no timers, and no state that would look current but is not.
            if (evaluated) _tagEngine.Tell(new UnsubscribeTags(Self));
            Timers.Cancel(TimerKey);
            _timerDue = null;
            _values.Clear();
            foreach (var id in _definitions.Keys) _states[id] = AlarmState.Initial(NotEvaluatedReason());
        }
        if (_level == ActivityLevel.Active && !evaluatedActive) SeedAll();
        replyTo.Tell(new RuntimeLevelApplied(level));
    }

    /// <summary>
    /// Asks the tag engine for exactly the tags the alarms need. Unsubscribing first keeps one subscription
    /// whatever the engine does with a second one; no tag at all is no subscription (an empty selection means all).
    /// </summary>
    private void Subscribe()
    {
        _snapshotReceived = false;
        _tagEngine.Tell(new UnsubscribeTags(Self));
        if (_alarmsByTag.Count == 0) return;
        var tags = _alarmsByTag.Keys.Order(StringComparer.Ordinal).ToList();
        _tagEngine.Tell(new SubscribeTags(new TagSelection(tags, null), Self));
    }

    private void OnSnapshot(TagSnapshot snapshot)
    {
        if (!Evaluates) return;
        if (snapshot.Level is ActivityLevel.Cold or ActivityLevel.Undecided)
        {
            // The tag engine has not reached its level yet: an empty snapshot says nothing about which tags exist.
            foreach (var id in _definitions.Keys)
                if (_states[id].EvaluatedAt is null)
                    _states[id] = _states[id] with { QualityReason = $"no tag values yet: the tag engine is {Lower(snapshot.Level)}" };
            return;
        }
        _snapshotReceived = true;
        _values.Clear();
        foreach (var value in snapshot.Values)
            if (_alarmsByTag.ContainsKey(value.Path)) _values[value.Path] = value;
        foreach (var id in _definitions.Keys) EvaluateFromCache(id);
        ScheduleTimers();
    }

    private void OnValues(IReadOnlyList<TagValue> values)
    {
        if (!Evaluates) return;
        var now = Now;
        foreach (var value in values)
        {
            if (!_alarmsByTag.TryGetValue(value.Path, out var ids)) continue;
            _values[value.Path] = value;
            foreach (var id in ids) Set(id, AlarmRules.Evaluate(_definitions[id], _states[id], value, now));
        }
        ScheduleTimers();
    }

    private void EvaluateFromCache(string id)
    {
        var definition = _definitions[id];
        if (_values.TryGetValue(definition.Tag, out var value)) Set(id, AlarmRules.Evaluate(definition, _states[id], value, Now));
        else if (_snapshotReceived) Set(id, AlarmRules.Evaluate(definition, _states[id], null, Now));
        else _states[id] = _states[id] with { QualityReason = "no tag values yet: waiting for the tag engine's snapshot" };
    }

    private void OnTimers()
    {
        _timerDue = null;
        if (!Evaluates) return;
        var now = Now;
        foreach (var (id, definition) in _definitions) Set(id, AlarmRules.Tick(definition, _states[id], now));
        ScheduleTimers();
    }

    /// <summary>One timer for the next delay or shelve that falls due (O(alarms) per batch of values).</summary>
    private void ScheduleTimers()
    {
        DateTimeOffset? next = null;
        foreach (var (id, definition) in _definitions)
            if (AlarmRules.NextDue(definition, _states[id]) is { } due && (next is null || due < next)) next = due;
        if (next == _timerDue) return;
        _timerDue = next;
        if (next is not { } at)
        {
            Timers.Cancel(TimerKey);
            return;
        }
        var delay = at - Now;
        delay = delay < MinTimer ? MinTimer : delay > MaxTimer ? MaxTimer : delay;
        Timers.StartSingleTimer(TimerKey, CheckAlarmTimers.Instance, delay);
    }

    private void Command(string id, Func<AlarmState, (AlarmState State, string? Error)> rule, Func<AlarmState, LocalAlarmChange> change)
    {
        if (!_definitions.TryGetValue(id, out var definition))
        {
            var error = _invalid.TryGetValue(id, out var invalid) ? $"alarm '{id}' has an invalid definition: {invalid.Error}" : $"no alarm '{id}'";
            Sender.Tell(new AlarmCommandResult(false, error, null));
            return;
        }
        if (_level != ActivityLevel.Active)
        {
            Sender.Tell(new AlarmCommandResult(false,
                $"this node is {Lower(_level)}: acknowledgements and shelves are taken only by the active node; nothing was changed here",
                AlarmStatus.Of(definition, _states[id])) { NotActive = true });
            return;
        }
        // The tick may itself change the alarm (a shelve ran out, a delay passed): reported like any evaluation.
        Set(id, AlarmRules.Tick(definition, _states[id], Now));
        var (state, refused) = rule(_states[id]);
        if (refused is null)
        {
            _states[id] = state;
            _stateReplicator?.Tell(change(state), Self);
        }
        Sender.Tell(new AlarmCommandResult(refused is null, refused, AlarmStatus.Of(definition, _states[id])));
        ScheduleTimers();
    }

    private List<AlarmStatus> List(AlarmFilter filter)
    {
        var list = new List<AlarmStatus>(_definitions.Count + _invalid.Count);
        foreach (var (id, definition) in _definitions) list.Add(AlarmStatus.Of(definition, Shown(id)));
        foreach (var (id, (tag, error)) in _invalid)
        {
            // Shown, not hidden: a definition that no longer reads is an alarm of bad quality with the reason.
            var placeholder = new AlarmDefinition(id, tag, AlarmCondition.BadQuality, 0, 0, TimeSpan.Zero, TimeSpan.Zero, AlarmPriority.Medium, id, "");
            list.Add(AlarmStatus.Of(placeholder, AlarmState.Initial($"invalid definition: {error}")));
        }
        return list.Where(filter.Matches).OrderBy(alarm => alarm.Id, StringComparer.Ordinal).ToList();
    }

    private string NotEvaluatedReason() =>
        Evaluates ? "no tag values yet: waiting for the tag engine's snapshot" : $"not evaluated: the node is {Lower(_level)}";

    private static string Lower(ActivityLevel level) => level.ToString().ToLowerInvariant();

    private static string TagOf(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("tag", out var tag) && tag.ValueKind == JsonValueKind.String ? tag.GetString()! : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static void Replace<TValue>(Dictionary<string, TValue> target, Dictionary<string, TValue> source)
    {
        target.Clear();
        foreach (var (key, value) in source) target[key] = value;
    }
}
