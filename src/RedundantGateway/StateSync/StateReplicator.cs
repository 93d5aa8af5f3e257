using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using RedundantGateway.Alarms;
using RedundantGateway.Liveness;

namespace RedundantGateway.StateSync;

/// <summary>
/// Owns this node's alarm runtime state (<see cref="AlarmStateSet"/>), its <see cref="HybridClock"/> and its
/// <see cref="StateLog"/>: stamps the alarm engine's local changes, stores them, ships them to the peer's replicator
/// as delta batches (or a full state, <see cref="ShippingRules"/> decide), merges what the peer ships, and tells the
/// alarm engine the merged state. One job: the state and its shipping; the engine keeps evaluating.
/// Both streams survive a restart (<see cref="ResumeRules"/>): the positions are stored in a
/// <see cref="StreamPositionFile"/> next to the log, with the log's sync policy, so a restarted node and its peer
/// exchange only the deltas each missed.
/// </summary>
public sealed partial class StateReplicator : ReceiveActor, IWithTimers
{
    public const string Name = RedundancyPaths.StateReplicator;

    // A batch must fit in one node link frame (akka.remote.dot-netty.tcp.maximum-frame-size, 1 MiB): a bigger one is split.
    private const int MaxPayloadBytes = 768 * 1024;
    private const string FlushTimer = "flush", ProbeTimer = "probe", SyncTimer = "sync", WaitTimer = "peer-state-wait";

    private readonly StateSyncSettings _settings;
    private readonly ushort _node;
    private readonly ActorSelection? _peer;
    private readonly ICanTell? _events;
    private readonly Func<FullTransferRecord, object>? _eventOf;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _subscribers = [];
    private readonly List<IActorRef> _waiters = [];

    private StateLog _store = null!;
    private StreamPositionFile _positions = null!;
    private StreamPositions _storedPositions = StreamPositions.None;
    private HybridClock _clock = null!;
    private AlarmStateSet _state = AlarmStateSet.Empty;
    // Local changes merged into _state and told to the subscribers, not yet logged nor shipped: they leave together
    // (one write, one fsync, delta batches) after the batch interval or when many (group commit).
    private AlarmStateSet _pending = AlarmStateSet.Empty;
    private long _pendingSinceMs;
    // Batches from the peer, each decoded on the thread pool, merged in the order they came (ShippingRules count them in order).
    private readonly Queue<IncomingBatch> _incoming = new();
    private ShippingState _shipping = ShippingState.Initial(Guid.NewGuid());
    private ReceivingState _receiving = ReceivingState.Initial;
    private bool _peerStateReceived;
    private bool _peerReachable;
    private long _deltaBatches, _fullTransfers;
    private FullTransferRecord? _lastFull;

    /// <param name="node">this node's clock id (master 1, backup 2: the two must differ).</param>
    /// <param name="peerPath">the path of the peer node's replicator (<see cref="RedundancyPaths.StateReplicatorPath"/>);
    /// null: no peer (an independent node).</param>
    /// <param name="events">where full transfers are recorded (the coordinator's events log), with the message for one
    /// (<paramref name="eventOf"/>, given by the host: this folder does not know the coordinator's protocol); null: only logged.</param>
    public StateReplicator(StateSyncSettings settings, ushort node, string? peerPath, ICanTell? events, Func<FullTransferRecord, object>? eventOf,
        TimeProvider time)
    {
        _eventOf = eventOf;
        _settings = settings;
        _node = node;
        _events = events;
        _time = time;
        _peer = peerPath is null ? null : Context.ActorSelection(peerPath);

        Receive<LocalAlarmChange>(OnLocalChange);
        Receive<FlushDue>(_ => Flush());
        Receive<StateBatch>(OnBatch);
        Receive<BatchDecoded>(_ => MergeDecoded());
        Receive<StateBatchAck>(OnAck);
        Receive<ProbeDue>(_ => _peer?.Tell(new StateBatchAck(_receiving.Stream, _receiving.Held, Probe: true, NeedsState: !_peerStateReceived), Self));
        Receive<SyncDue>(_ =>
        {
            if (_store.NeedsSync) _store.Sync();
            StorePositions();
        });
        Receive<SubscribeAlarmState>(_ =>
        {
            if (!_subscribers.Contains(Sender)) _subscribers.Add(Sender);
            Context.Watch(Sender);
            Sender.Tell(Replicated(_state.Entries));
        });
        Receive<Terminated>(t => { _subscribers.Remove(t.ActorRef); _waiters.Remove(t.ActorRef); });
        Receive<AwaitPeerState>(_ => OnAwait());
        Receive<PeerReachable>(_ => _peerReachable = true);
        Receive<PeerUnreachable>(_ => PeerLost("the peer became unreachable"));
        Receive<PeerDown>(_ => PeerLost("the peer is down"));
        Receive<PeerStateWaitOver>(_ => ReleaseWaiters($"no full state from the peer within {_settings.PeerStateWait.TotalSeconds:0.#} s"));
        Receive<GetStateSyncStatus>(_ => Sender.Tell(Status()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StateSyncSettings settings, ushort node, string? peerPath, ICanTell? events = null,
        Func<FullTransferRecord, object>? eventOf = null, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new StateReplicator(settings, node, peerPath, events, eventOf, time ?? TimeProvider.System));

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    protected override void PreStart()
    {
        // Whether the peer answers (the failure detector's word): only a reachable peer's state is worth waiting for.
        // First, before the store loads, so that no word published meanwhile is missed.
        Context.System.EventStream.Subscribe(Self, typeof(PeerReachable));
        Context.System.EventStream.Subscribe(Self, typeof(PeerUnreachable));
        Context.System.EventStream.Subscribe(Self, typeof(PeerDown));
        var (store, report) = StateLog.Open(_settings, _time);
        _store = store;
        _state = store.State;
        if (report.Problem is { } problem)
            _log.Warning("Alarm state store {Directory}: {Problem}; loaded {Alarms} alarms", _settings.Directory, problem, report.Alarms);
        else
            _log.Info("Alarm state store {Directory} loaded: {Alarms} alarms ({SnapshotRecords} snapshot and {LogRecords} log records)",
                _settings.Directory, report.Alarms, report.SnapshotRecords, report.LogRecords);
        ResumeStreams(report);
        if (_peer is not null)
        {
            Timers.StartPeriodicTimer(ProbeTimer, ProbeDue.Instance, TimeSpan.Zero, _settings.ProbeInterval);
        }
        if (_settings.SyncInterval > TimeSpan.Zero) Timers.StartPeriodicTimer(SyncTimer, SyncDue.Instance, _settings.SyncInterval);
    }

    private void PeerLost(string why)
    {
        _peerReachable = false;
        ReleaseWaiters(why);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        if (_store is null) return;
        // The local changes not written yet (at most a batch interval's worth) go to the log before it closes.
        Flush();
        if (_store.NeedsSync) _store.Sync();
        if (_positions is not null)
        {
            StorePositions();
            _positions.Dispose();
        }
        _store.Dispose();
    }

    private void OnLocalChange(LocalAlarmChange change)
    {
        var stamp = _clock.Now();
        var now = _time.GetUtcNow();
        AlarmStateSet delta;
        switch (change)
        {
            case LocalTransition t:
                delta = AlarmStateChanges.Transition(_state, t.Id, t.Active, t.Transition, stamp);
                break;
            case LocalAck a:
                (delta, var refused) = AlarmStateChanges.Acknowledge(_state, a.Id, a.By, a.Note, a.At, stamp, now);
                if (refused is not null) _log.Debug("Acknowledgement of {Alarm} not recorded in the replicated state: {Reason}", a.Id, refused);
                break;
            case LocalShelve s:
                delta = AlarmStateChanges.Shelve(s.Id, s.By, s.At, s.Until, stamp);
                break;
            case LocalUnshelve u:
                delta = AlarmStateChanges.Unshelve(u.Id, u.By, u.At, stamp);
                break;
            default:
                return;
        }
        if (delta.IsEmpty) return;
        _state = _state.Merge(delta);
        Notify(delta.Entries);
        // Logged and shipped together with the others of the batch interval (group commit: one write, one fsync).
        if (_pending.IsEmpty)
        {
            _pendingSinceMs = NowMs;
            Timers.StartSingleTimer(FlushTimer, FlushDue.Instance, _settings.Shipping.BatchInterval);
        }
        _pending = _pending.Merge(delta);
        if (ShippingRules.ShouldStore(_pending.Count, TimeSpan.FromMilliseconds(NowMs - _pendingSinceMs), _settings.Shipping)) Flush();
    }

    private void Notify(IEnumerable<KeyValuePair<string, AlarmEntry>> changed)
    {
        if (_subscribers.Count == 0) return;
        var merged = Replicated(changed);
        foreach (var subscriber in _subscribers) subscriber.Tell(merged);
    }

    /// <summary>The alarms of <paramref name="delta"/> as the merged state now shows them, in the engine's terms.</summary>
    private ReplicatedAlarmsChanged Replicated(IEnumerable<KeyValuePair<string, AlarmEntry>> delta)
    {
        var now = _time.GetUtcNow();
        // One alarm (every local change): no builders, one node of each map.
        if (delta is ImmutableDictionary<string, AlarmEntry> { Count: 1 } single)
        {
            var (id, fragment) = single.First();
            return new ReplicatedAlarmsChanged(NoAlarms.Add(id, AlarmViews.ToReplicated(AlarmViews.Derive(_state[id], now))),
                fragment.Shelve is null ? NoShelves : NoShelves.Add(id));
        }
        var changed = ImmutableDictionary.CreateBuilder<string, ReplicatedAlarm>(StringComparer.Ordinal);
        var shelves = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var (id, fragment) in delta)
        {
            changed[id] = AlarmViews.ToReplicated(AlarmViews.Derive(_state[id], now));
            if (fragment.Shelve is not null) shelves.Add(id);
        }
        return new ReplicatedAlarmsChanged(changed.ToImmutable(), shelves.ToImmutable());
    }

    private void OnAck(StateBatchAck ack)
    {
        // A restarted peer asks for this node's whole state: the local changes still waiting for their batch interval are
        // part of it, so they leave now and the sync point (or catch-up) that answers comes after them.
        if (ack.NeedsState) Flush();
        (_shipping, var decision) = ShippingRules.OnAck(_shipping, ack, NowMs, _settings.Shipping);
        switch (decision)
        {
            case ShippingDecision.Resend resend:
                foreach (var retained in resend.Batches)
                    Sender.Tell(new StateBatch(_shipping.Stream, retained.Sequence, false, false, retained.Payload), Self);
                break;
            case ShippingDecision.SyncPoint sync:
                foreach (var retained in sync.Missing)
                    Sender.Tell(new StateBatch(_shipping.Stream, retained.Sequence, false, false, retained.Payload), Self);
                SendSyncPoint(Sender);
                break;
            case ShippingDecision.ResumeStream resume:
                SendCatchUp(resume, ack.Held, Sender);
                break;
            case ShippingDecision.FullTransfer full:
                // The full state holds every local change stamped up to the clock's reading now.
                var covers = _clock.Last;
                SendFull(full.Why, Sender);
                _shipping = _shipping with { FullStamp = covers };
                break;
        }
        if (SyncsEveryBatch) StorePositions();
    }

    private void OnAwait()
    {
        if (ShippingRules.ActivationGoesNow(_peer is not null, _peerReachable, _peerStateReceived, _settings.PeerStateWait) is { } now)
            Sender.Tell(new PeerStateReady(now));
        else
        {
            _waiters.Add(Sender);
            if (!Timers.IsTimerActive(WaitTimer)) Timers.StartSingleTimer(WaitTimer, PeerStateWaitOver.Instance, _settings.PeerStateWait);
        }
    }

    private void ReleaseWaiters(string why)
    {
        Timers.Cancel(WaitTimer);
        if (_waiters.Count > 0) _log.Info("Alarm state ready for activation: {Why}", why);
        foreach (var waiter in _waiters) waiter.Tell(new PeerStateReady(why));
        _waiters.Clear();
    }

    private StateSyncStatus Status() => new(_shipping.LastSent, _shipping.Acked, ShippingRules.LagMs(_shipping, NowMs),
        _shipping.RetainedCount, _shipping.RetainedBytes, _deltaBatches, _fullTransfers, _state.Count, _lastFull);

    private static readonly ImmutableDictionary<string, ReplicatedAlarm> NoAlarms = ImmutableDictionary<string, ReplicatedAlarm>.Empty.WithComparers(StringComparer.Ordinal);
    private static readonly ImmutableHashSet<string> NoShelves = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    private sealed record FlushDue { public static readonly FlushDue Instance = new(); }
    private sealed record ProbeDue { public static readonly ProbeDue Instance = new(); }
    private sealed record SyncDue { public static readonly SyncDue Instance = new(); }
    private sealed record PeerStateWaitOver { public static readonly PeerStateWaitOver Instance = new(); }
}
