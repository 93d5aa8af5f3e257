using Akka.Actor;
using Akka.Event;
using RedundantGateway.ConfigSync;
using RedundantGateway.Runtime;

namespace RedundantGateway.Tags;

/// <summary>
/// /user/redundancy/tags: the node's current tag values. It follows the configuration (the store's
/// <see cref="ConfigurationChanged"/>, rebuilding only the tags whose definition changed), runs the providers only
/// at warm and active (cold and undecided: nothing started, nothing evaluated, empty snapshots), reads each tag on
/// its scan rate, keeps the last value that passed the deadband and pushes changes to its subscribers.
/// </summary>
public sealed class TagEngine : ReceiveActor, IWithTimers
{
    public const string Name = "tags";

    // Short: the first ask may reach the replicator before it exists (see the guardian); the store's recovery also publishes.

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TagsSettings _settings;
    private readonly ICanTell _config;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, ITagProvider> _providers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _disconnected;
    private readonly Dictionary<string, TagEntry> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<TagEntry>> _byScanRate = [];
    private readonly HashSet<int> _timerRates = [];
    private readonly Dictionary<string, TagValue> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, TagSelection> _subscribers = [];
    private readonly List<IActorRef> _pendingRestarts = [];
    private readonly HashSet<ITagProvider> _started = [];
    private ConfigDocument? _document;
    private ConfigDocument? _latest;
    private ActivityLevel _level = ActivityLevel.Undecided;
    private int _providerStarts;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="config">the config replicator (or whatever answers <see cref="GetConfigDocument"/>).</param>
    /// <param name="providers">the host's providers; the simulator is always there (a host's of the same name wins).</param>
    public static Props Props(TagsSettings settings, ICanTell config, IReadOnlyList<ITagProvider> providers, TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new TagEngine(settings, config, providers, clock ?? TimeProvider.System));

    public TagEngine(TagsSettings settings, ICanTell config, IReadOnlyList<ITagProvider> providers, TimeProvider clock)
    {
        _config = config;
        _clock = clock;
        _providers[TagDefinition.SimulatorProvider] = new SimulatorTagProvider();
        foreach (var provider in providers) _providers[provider.Name] = provider;
        _settings = settings;
        _disconnected = new HashSet<string>(settings.DisconnectedProviders, StringComparer.Ordinal);

        Receive<ConfigurationChanged>(changed =>
        {
            // A burst of commits (a full load, the backup applying a pull) is applied once, at its latest: each apply
            // looks at every resource.
            _latest = changed.Document;
            if (!Timers.IsTimerActive(nameof(ApplyLatest))) Timers.StartSingleTimer(nameof(ApplyLatest), ApplyLatest.Instance, _settings.ApplyInterval);
        });
        Receive<ApplyLatest>(_ =>
        {
            if (_latest is { } latest && IsNewer(latest)) Apply(latest, everything: false);
            _latest = null;
        });
        Receive<DocumentRead>(read => OnDocumentRead(read.View.Document));
        Receive<DocumentReadFailed>(OnDocumentReadFailed);
        Receive<ReadConfig>(_ => RequestDocument());
        Receive<ApplyRuntimeLevel>(apply =>
        {
            SetLevel(apply.Level);
            Sender.Tell(new RuntimeLevelApplied(apply.Level));
        });
        Receive<RestartRuntimeActor>(restart =>
        {
            _log.Info("Tag engine rebuilding from the configuration: {Reason} (revision {Revision})", restart.Restart.Reason, restart.Restart.ConfigRevision);
            _pendingRestarts.Add(Sender);
            RequestDocument();
        });
        Receive<ScanTick>(tick =>
        {
            if (Running && _byScanRate.TryGetValue(tick.ScanRateMs, out var entries)) Evaluate(entries);
        });
        Receive<GetTagValues>(query => Sender.Tell(Snapshot(query.Selection)));
        Receive<SubscribeTags>(subscribe =>
        {
            _subscribers[subscribe.Subscriber] = subscribe.Selection;
            Context.Watch(subscribe.Subscriber);
            subscribe.Subscriber.Tell(Snapshot(subscribe.Selection));
        });
        Receive<UnsubscribeTags>(unsubscribe =>
        {
            if (_subscribers.Remove(unsubscribe.Subscriber)) Context.Unwatch(unsubscribe.Subscriber);
        });
        Receive<Terminated>(terminated => _subscribers.Remove(terminated.ActorRef));
        Receive<SetTagProviderConnected>(OnSetConnected);
        Receive<GetTagEngineStatus>(_ => Sender.Tell(new TagEngineStatus(_level, _tags.Count,
            _tags.Values.Count(t => t.Definition is null), _providerStarts, _document?.Revision ?? 0,
            _providers.Keys.Order(StringComparer.Ordinal).ToList(), _disconnected.Order(StringComparer.Ordinal).ToList())));
    }

    private bool Running => _level is ActivityLevel.Warm or ActivityLevel.Active;

    protected override void PreStart()
    {
        // Subscribed before asking, so no commit falls between the answer and the subscription.
        Context.System.EventStream.Subscribe(Self, typeof(ConfigurationChanged));
        RequestDocument();
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        StopProviders();
    }

    private void RequestDocument() =>
        _config.Ask<ConfigDocumentView>(GetConfigDocument.Instance, _settings.ConfigReadTimeout)
            .PipeTo(Self, success: view => new DocumentRead(view), failure: e => new DocumentReadFailed(e.Message));

    private void OnDocumentRead(ConfigDocument document)
    {
        var restarting = _pendingRestarts.Count > 0;
        // An answer older than a commit already applied is skipped (unless a restart asked for a full rebuild).
        if (restarting || IsNewer(document)) Apply(document, everything: restarting);
        AnswerRestarts(document.Revision);
    }

    /// <summary>Not older than what the engine runs (another identity, as after a full transfer, always counts as newer).</summary>
    private bool IsNewer(ConfigDocument document) =>
        _document is null || _document.Identity != document.Identity || document.Revision >= _document.Revision;

    private void OnDocumentReadFailed(DocumentReadFailed failed)
    {
        _log.Warning("Tag engine could not read the configuration ({Reason}); asking again", failed.Reason);
        if (_pendingRestarts.Count > 0) AnswerRestarts(_document?.Revision ?? 0);
        if (_document is null) Timers.StartSingleTimer(nameof(ReadConfig), ReadConfig.Instance, _settings.ConfigReadRetry);
    }

    private void AnswerRestarts(long revision)
    {
        foreach (var requester in _pendingRestarts) requester.Tell(new RuntimeActorRestarted(revision));
        _pendingRestarts.Clear();
    }

    /// <summary>Takes a new configuration: only tags whose definition text changed are rebuilt (all of them when <paramref name="everything"/>).</summary>
    private void Apply(ConfigDocument document, bool everything)
    {
        _document = document;
        var definitions = document.Resources
            .Where(r => (_tags.TryGetValue(r.Key, out var known) && known.Json == r.Value) || TagDefinition.IsTagDefinition(r.Key, r.Value))
            .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        var removed = _tags.Keys.Where(path => !definitions.ContainsKey(path)).ToList();
        foreach (var path in removed)
        {
            _tags.Remove(path);
            _values.Remove(path);
        }
        var known = _providers.Keys.ToHashSet(StringComparer.Ordinal);
        var rebuilt = new List<TagEntry>();
        foreach (var (path, json) in definitions)
        {
            if (!everything && _tags.TryGetValue(path, out var existing) && existing.Json == json) continue;
            // A definition that was valid when written may no longer resolve (say, a host provider gone): the tag
            // stays, with bad quality and the reason, and nothing else stops.
            var entry = TagDefinition.TryParse(path, json, known, out var definition, out var error)
                ? new TagEntry(path, json, definition, null)
                : new TagEntry(path, json, null, error);
            _tags[path] = entry;
            _values.Remove(path);
            rebuilt.Add(entry);
        }
        if (removed.Count == 0 && rebuilt.Count == 0) return;
        _byScanRate.Clear();
        foreach (var entry in _tags.Values)
        {
            var rate = entry.Definition?.ScanRateMs ?? TagDefinition.MaxScanRateMs;
            if (!_byScanRate.TryGetValue(rate, out var group)) _byScanRate[rate] = group = [];
            group.Add(entry);
        }
        // Info for a whole (re)build, debug for each edit that follows (a replicated load is hundreds of them).
        if (everything || rebuilt.Count == _tags.Count)
            _log.Info("Tag engine at configuration revision {Revision}: {Tags} tags, {Rebuilt} rebuilt, {Removed} removed", document.Revision, _tags.Count, rebuilt.Count, removed.Count);
        else
            _log.Debug("Tag engine at configuration revision {Revision}: {Tags} tags, {Rebuilt} rebuilt, {Removed} removed", document.Revision, _tags.Count, rebuilt.Count, removed.Count);
        if (!Running) return;
        UpdateTimers();
        Evaluate(rebuilt);
    }

    private void SetLevel(ActivityLevel level)
    {
        if (level == _level) return;
        var wasRunning = Running;
        _level = level;
        if (Running && !wasRunning)
        {
            StartProviders();
            UpdateTimers();
            Evaluate(_tags.Values);
        }
        else if (!Running && wasRunning)
        {
            StopProviders();
            foreach (var rate in _timerRates) Timers.Cancel(TimerKey(rate));
            _timerRates.Clear();
            _values.Clear();
        }
        _log.Info("Tag engine at level {Level}", level);
        foreach (var subscriber in _subscribers.Keys) subscriber.Tell(new TagLevelChanged(level));
    }

    private void StartProviders()
    {
        foreach (var provider in _providers.Values)
        {
            try
            {
                provider.Start();
                _started.Add(provider);
                _providerStarts++;
            }
            catch (Exception e)
            {
                _log.Error(e, "Tag provider {Provider} failed to start; its tags are bad quality", provider.Name);
            }
        }
    }

    private void StopProviders()
    {
        foreach (var provider in _started)
        {
            try { provider.Stop(); }
            catch (Exception e) { _log.Warning("Tag provider {Provider} failed to stop: {Reason}", provider.Name, e.Message); }
        }
        _started.Clear();
    }

    /// <summary>One periodic timer per scan rate in use: values are quantised to it, so ticks need no alignment.</summary>
    private void UpdateTimers()
    {
        foreach (var rate in _timerRates.Where(r => !_byScanRate.ContainsKey(r)).ToList())
        {
            Timers.Cancel(TimerKey(rate));
            _timerRates.Remove(rate);
        }
        foreach (var rate in _byScanRate.Keys.Where(r => !_timerRates.Contains(r)))
        {
            Timers.StartPeriodicTimer(TimerKey(rate), new ScanTick(rate), TimeSpan.FromMilliseconds(rate));
            _timerRates.Add(rate);
        }
    }

    private static string TimerKey(int scanRateMs) => $"scan-{scanRateMs}";

    private void Evaluate(IEnumerable<TagEntry> entries)
    {
        var now = _clock.GetUtcNow();
        List<TagValue>? changes = null;
        foreach (var entry in entries)
        {
            var reading = Read(entry, now);
            _values.TryGetValue(entry.Path, out var last);
            if (!TagDeadband.IsChange(last, reading.Value, reading.Quality, entry.Definition?.Deadband ?? 0)) continue;
            var value = new TagValue(entry.Path, reading.Value, reading.Quality, reading.Timestamp, reading.Reason);
            _values[entry.Path] = value;
            (changes ??= []).Add(value);
        }
        if (changes is not null) Publish(changes);
    }

    private TagReading Read(TagEntry entry, DateTimeOffset now)
    {
        if (entry.Definition is not { } definition) return new TagReading(null, TagQuality.Bad, now, entry.Error);
        if (!_providers.TryGetValue(definition.Provider, out var provider))
            return new TagReading(null, TagQuality.Bad, now, $"no provider '{definition.Provider}'");
        if (_disconnected.Contains(provider.Name))
            return new TagReading(null, TagQuality.Bad, now, $"provider '{provider.Name}' is disconnected");
        if (!_started.Contains(provider))
            return new TagReading(null, TagQuality.Bad, now, $"provider '{provider.Name}' failed to start");
        try { return provider.Read(definition, now); }
        catch (Exception e) { return new TagReading(null, TagQuality.Bad, now, $"provider '{provider.Name}' failed: {e.Message}"); }
    }

    private void Publish(List<TagValue> changes)
    {
        foreach (var (subscriber, selection) in _subscribers)
        {
            var selected = changes.Where(v => selection.Matches(v.Path)).ToList();
            if (selected.Count > 0) subscriber.Tell(new TagsChanged(selected));
        }
    }

    private TagSnapshot Snapshot(TagSelection selection) =>
        new(_level, Running
            ? _values.Values.Where(v => selection.Matches(v.Path)).OrderBy(v => v.Path, StringComparer.Ordinal).ToList()
            : []);

    private void OnSetConnected(SetTagProviderConnected request)
    {
        if (!_providers.ContainsKey(request.Provider))
        {
            Sender.Tell(new TagProviderConnection(false, $"no provider '{request.Provider}' (known: {string.Join(", ", _providers.Keys.Order(StringComparer.Ordinal))})"));
            return;
        }
        var changed = request.Connected ? _disconnected.Remove(request.Provider) : _disconnected.Add(request.Provider);
        _log.Info("Tag provider {Provider} {State}", request.Provider, request.Connected ? "connected" : "disconnected");
        // At once, not on the next scan: a disconnected provider's tags go bad now.
        if (changed && Running) Evaluate(_tags.Values.Where(t => t.Definition?.Provider == request.Provider).ToList());
        Sender.Tell(new TagProviderConnection(true, $"provider '{request.Provider}' is {(request.Connected ? "connected" : "disconnected")}"));
    }

    private sealed record TagEntry(string Path, string Json, TagDefinition? Definition, string? Error);

    private sealed record ScanTick(int ScanRateMs);

    private sealed record DocumentRead(ConfigDocumentView View);

    private sealed record DocumentReadFailed(string Reason);

    private sealed record ApplyLatest
    {
        public static readonly ApplyLatest Instance = new();
    }

    private sealed record ReadConfig
    {
        public static readonly ReadConfig Instance = new();
    }
}
