using Akka.Actor;
using Akka.Event;
using RedundantGateway.ConfigSync;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;

namespace RedundantGateway.History;

/// <summary>Who this node is, for history: the name it writes under and whether it is a backup in partial mode.</summary>
/// <param name="InitialEpoch">the designation epoch the node starts with (its memory), until the coordinator announces one.</param>
public sealed record HistoryNode(NodeRole Role, HistoryLevel BackupHistoryLevel, long InitialEpoch)
{
    /// <summary>"master", "backup" or "independent": the writer named in each row.</summary>
    public string Name => Role.ToString().ToLowerInvariant();
}

/// <summary>
/// /user/redundancy/history: the historian's store-and-forward. It samples the tags whose definition asks for history
/// (<see cref="HistorySampler"/>: onChange from the tag engine's changes, periodic on its own timers), appends every
/// sample to the durable <see cref="SegmentLog"/> first, and forwards the cache oldest first to the
/// <see cref="IHistoryStore"/>, one write in flight (HistoryCache.Forwarding.cs). Only the active node samples and
/// writes, each batch stamped with the epoch it is active under; a backup in partial mode only caches.
/// </summary>
public sealed partial class HistoryCache : ReceiveActor, IWithTimers
{
    public const string Name = "history";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HistorySettings _settings;
    private readonly HistoryNode _node;
    private readonly IActorRef _tagEngine;
    private readonly ICanTell _configReplicator;
    private readonly Func<IHistoryStore> _storeFactory;
    private readonly ICanTell? _events;
    private readonly TimeProvider _clock;
    private readonly ICanTell? _ledgerKeeper;
    private readonly ICanTell? _masterLedger;
    private readonly HistorySampler _sampler = new();
    private readonly HashSet<int> _tickRates = [];
    private readonly List<IActorRef> _restartRequesters = [];
    private SegmentLog _cache = null!;
    private QuarantineFile _quarantine = null!;
    private ConfigDocument? _document;
    private ActivityLevel _level = ActivityLevel.Undecided;
    private long _epoch;
    private long _sampled;
    private long _appendFailures;
    private long _syncs;
    private long _unsynced;
    private DateTimeOffset _lastSync;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="configReplicator">answers <see cref="GetConfigDocument"/> (the tag definitions).</param>
    /// <param name="storeFactory">makes the history database's store; called once for writes and once for queries.</param>
    /// <param name="events">the coordinator (or whatever takes <see cref="AppendRedundancyEvent"/>); null: no events log.</param>
    /// <param name="ledgerKeeper">a master's own <see cref="HistoryLedgerKeeper"/>, told when logging begins and ends.</param>
    /// <param name="masterLedger">a backup's way to the master's keeper (over the node link), asked in partial mode.</param>
    public static Props Props(HistorySettings settings, HistoryNode node, IActorRef tagEngine, ICanTell configReplicator,
        Func<IHistoryStore> storeFactory, ICanTell? events = null, TimeProvider? clock = null,
        ICanTell? ledgerKeeper = null, ICanTell? masterLedger = null) =>
        Akka.Actor.Props.Create(() => new HistoryCache(settings, node, tagEngine, configReplicator, storeFactory, events,
            clock ?? TimeProvider.System, ledgerKeeper, masterLedger));

    public HistoryCache(HistorySettings settings, HistoryNode node, IActorRef tagEngine, ICanTell configReplicator,
        Func<IHistoryStore> storeFactory, ICanTell? events, TimeProvider clock, ICanTell? ledgerKeeper, ICanTell? masterLedger)
    {
        _ledgerKeeper = ledgerKeeper;
        _masterLedger = masterLedger;
        _settings = settings;
        _node = node;
        _tagEngine = tagEngine;
        _configReplicator = configReplicator;
        _storeFactory = storeFactory;
        _events = events;
        _clock = clock;
        _epoch = node.InitialEpoch;

        Receive<ConfigurationChanged>(changed => OnDocument(changed.Document));
        Receive<ConfigDocumentView>(view => OnDocument(view.Document));
        Receive<ApplyRuntimeLevel>(apply =>
        {
            SetLevel(apply.Level);
            Sender.Tell(new RuntimeLevelApplied(apply.Level));
        });
        Receive<RestartRuntimeActor>(_ =>
        {
            _restartRequesters.Add(Sender);
            _configReplicator.Tell(GetConfigDocument.Instance, Self);
        });
        Receive<LocalActivityChanged>(changed => OnActivity(changed.Activity));
        Receive<TagSnapshot>(snapshot => Record(_sampler.OnValues(snapshot.Values, _node.Name, _epoch)));
        Receive<TagsChanged>(changed => Record(_sampler.OnValues(changed.Values, _node.Name, _epoch)));
        Receive<TagLevelChanged>(changed =>
        {
            if (changed.Level is ActivityLevel.Warm or ActivityLevel.Active) Subscribe();
            else _sampler.ClearValues();
        });
        Receive<PeriodicTick>(tick =>
        {
            if (ForwardingRules.Samples(_level)) Record(_sampler.OnTick(tick.RateMs, _clock.GetUtcNow(), _node.Name, _epoch));
        });
        Receive<SyncTick>(_ => SyncIfDue());
        Receive<GetHistoryCacheStatus>(_ => Sender.Tell(Status()));
        Receive<GetHistoryQuarantine>(_ => Sender.Tell(new HistoryQuarantine(_quarantine.Entries.ToList())));
        Receive<RetryHistoryQuarantine>(_ => Sender.Tell(RetryQuarantine()));
        Receive<ReconcileCachedHistory>(reconcile => Sender.Tell(Reconcile(reconcile)));
        ForwardingReceives();
        ReconciliationReceives();
    }

    protected override void PreStart()
    {
        IReadOnlyList<string> warnings, quarantineWarnings;
        try
        {
            _cache = SegmentLog.Open(_settings.CacheDirectory, _settings.SegmentBytes, out warnings);
            _quarantine = QuarantineFile.Open(_settings.CacheDirectory, out quarantineWarnings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The node goes on without history rather than stall every level change on an actor that is not there.
            _log.Error("History cache {Directory} cannot be opened ({Reason}): no history is recorded until the node restarts",
                _settings.CacheDirectory, e.Message);
            Become(() => Failed(e.Message));
            return;
        }
        foreach (var warning in warnings.Concat(quarantineWarnings)) _log.Warning("{Warning}", warning);
        _lastSync = _clock.GetUtcNow();
        if (_cache.Rows > 0)
            _log.Info("History cache {Directory}: {Rows} samples ({Bytes} bytes) cached from before, to be forwarded", _settings.CacheDirectory, _cache.Rows, _cache.Bytes);
        if (_settings.SyncInterval > TimeSpan.Zero) Timers.StartPeriodicTimer(nameof(SyncTick), SyncTick.Instance, _settings.SyncInterval);
        // Subscribe first, then read: a commit between the two is seen either way.
        Context.System.EventStream.Subscribe(Self, typeof(ConfigurationChanged));
        Context.System.EventStream.Subscribe(Self, typeof(LocalActivityChanged));
        _configReplicator.Tell(GetConfigDocument.Instance, Self);
        OpenStore();
        AskMasterLedgerIfDue();
    }

    protected override void PostStop()
    {
        TellLogging(false);
        Context.System.EventStream.Unsubscribe(Self);
        // Null when the cache could not be opened.
        _cache?.Dispose();
        DisposeStores();
    }

    private void OnDocument(ConfigDocument document)
    {
        var stale = _document is { } current && current.Identity == document.Identity && document.Revision < current.Revision;
        if (!stale || _restartRequesters.Count > 0) Apply(stale ? _document! : document);
        foreach (var requester in _restartRequesters) requester.Tell(new RuntimeActorRestarted(_document!.Revision));
        _restartRequesters.Clear();
    }

    private void Apply(ConfigDocument document)
    {
        _document = document;
        var tags = new Dictionary<string, TagHistory>(StringComparer.Ordinal);
        foreach (var (path, json) in document.Resources)
        {
            if (!TagDefinition.IsTagDefinition(path, json)) continue;
            // A bad history setting is the tag engine's to report (the whole definition is refused there).
            if (TagHistory.TryRead(path, json, out var history, out _) && history is not null) tags[path] = history;
        }
        var before = _sampler.Tags.Keys.ToHashSet(StringComparer.Ordinal);
        _sampler.Configure(tags);
        UpdateTickTimers();
        if (!before.SetEquals(tags.Keys)) Subscribe();
    }

    /// <summary>Subscribes to the tags with history (and to none when there are none: an empty selection means all tags).</summary>
    private void Subscribe()
    {
        if (_sampler.Tags.Count == 0) _tagEngine.Tell(new UnsubscribeTags(Self));
        else _tagEngine.Tell(new SubscribeTags(new TagSelection(_sampler.Tags.Keys.Order(StringComparer.Ordinal).ToList(), null), Self));
    }

    private void UpdateTickTimers()
    {
        var rates = ForwardingRules.Samples(_level) ? _sampler.PeriodicRates : new HashSet<int>();
        foreach (var rate in _tickRates.Where(r => !rates.Contains(r)).ToList())
        {
            Timers.Cancel(TickKey(rate));
            _tickRates.Remove(rate);
        }
        foreach (var rate in rates.Where(r => !_tickRates.Contains(r)))
        {
            // The first tick at once: a node that just went active logs the current period now, not a period later
            // (the hand-over from the other node leaves a gap of that much less in the history).
            Timers.StartPeriodicTimer(TickKey(rate), new PeriodicTick(rate), TimeSpan.FromMilliseconds(Math.Min(rate, 50)), TimeSpan.FromMilliseconds(rate));
            _tickRates.Add(rate);
        }
    }

    private static string TickKey(int rateMs) => $"history-{rateMs}";

    private void SetLevel(ActivityLevel level)
    {
        if (level == _level) return;
        var wasSampling = ForwardingRules.Samples(_level);
        _level = level;
        if (wasSampling && !ForwardingRules.Samples(level))
        {
            // Leaving active: nothing more is written from here (what is cached stays for the next active period).
            _activeEpoch = null;
            StopForwarding();
            _sampler.Restart();
            TellLogging(false);
        }
        UpdateTickTimers();
        _log.Info("History cache at level {Level}", level);
        TryForward();
        AskMasterLedgerIfDue();
    }

    private void OnActivity(PeerActivity activity)
    {
        _epoch = Math.Max(_epoch, activity.Epoch);
        var active = activity.Level == ActivityLevel.Active ? activity.Epoch : (long?)null;
        if (active == _activeEpoch) return;
        _activeEpoch = active;
        if (active is null) StopForwarding();
        TryForward();
    }

    /// <summary>Appends new samples to the cache (on disk before anything forwards them), then forwards.</summary>
    private void Record(List<HistorySample> samples)
    {
        if (samples.Count == 0 || !ForwardingRules.Samples(_level)) return;
        try { _cache.Append(samples); }
        catch (IOException e)
        {
            // A full or failing disk: these samples are lost (said once per run of failures), the node goes on.
            if (_appendFailures++ == 0) _log.Error("History cache cannot append ({Reason}): samples are lost until it can", e.Message);
            return;
        }
        if (_appendFailures > 0)
        {
            _log.Info("History cache appends again after {Failures} failed appends", _appendFailures);
            _appendFailures = 0;
        }
        _sampled += samples.Count;
        _unsynced += samples.Count;
        // Logging begins in the ledger with the first sample on disk, not with the level: a master that has no values
        // yet must not claim an interval the backup's samples would then be dropped for.
        TellLogging(true);
        SyncIfDue();
        TryForward();
    }

    private void SyncIfDue()
    {
        var now = _clock.GetUtcNow();
        if (!ForwardingRules.SyncNow(_unsynced, now - _lastSync, _settings.SyncInterval, _settings.SyncRecords)) return;
        _cache.Sync();
        _syncs++;
        _unsynced = 0;
        _lastSync = now;
    }

    private HistoryQuarantineRetried RetryQuarantine()
    {
        var samples = _quarantine.Entries.Select(e => e.Sample).ToList();
        if (samples.Count == 0) return new HistoryQuarantineRetried(0);
        // Back in the cache (and on disk) before the quarantine forgets them.
        _cache.Append(samples);
        _cache.Sync();
        _quarantine.Clear();
        _log.Info("History quarantine: {Count} samples put back in the cache to be written again", samples.Count);
        TryForward();
        return new HistoryQuarantineRetried(samples.Count);
    }

    private HistoryCacheStatus Status()
    {
        var now = _clock.GetUtcNow();
        return new HistoryCacheStatus(
            Rows: _cache.Rows,
            Bytes: _cache.Bytes,
            OldestAgeMs: _cache.OldestTimestamp is { } oldest ? Math.Max(0, (now - oldest).TotalMilliseconds) : null,
            ForwardRatePerSecond: ForwardRate(now),
            Quarantined: _quarantine.Count,
            Written: _written,
            Duplicates: _duplicates,
            Rejected: _rejected,
            State: State(),
            Store: _store?.Description ?? "",
            OutageSince: _outageSince,
            FencedBy: _fencedBy,
            Tags: _sampler.Tags.Count,
            Sampled: _sampled,
            Syncs: _syncs);
    }

    /// <summary>The cache could not be opened: the actor answers the coordinator and the API, and records nothing.</summary>
    private void Failed(string reason)
    {
        Receive<ApplyRuntimeLevel>(apply => Sender.Tell(new RuntimeLevelApplied(apply.Level)));
        Receive<RestartRuntimeActor>(restart => Sender.Tell(new RuntimeActorRestarted(restart.Restart.ConfigRevision)));
        Receive<GetHistoryCacheStatus>(_ => Sender.Tell(new HistoryCacheStatus(0, 0, null, 0, 0, 0, 0, 0, "failed",
            $"the cache cannot be opened: {reason}", null, null, 0, 0, 0)));
        Receive<QueryHistory>(query => Sender.Tell(new HistoryQueryResult(query.Tag, [], $"the history cache cannot be opened: {reason}")));
        Receive<GetHistoryQuarantine>(_ => Sender.Tell(new HistoryQuarantine([])));
        Receive<RetryHistoryQuarantine>(_ => Sender.Tell(new HistoryQuarantineRetried(0)));
        Receive<ReconcileCachedHistory>(_ => Sender.Tell(new CachedHistoryReconciled(0, 0)));
        ReceiveAny(_ => { });
    }

    private sealed record PeriodicTick(int RateMs);

    private sealed record SyncTick
    {
        public static readonly SyncTick Instance = new();
    }
}
