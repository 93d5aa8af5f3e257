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
    private AlarmStateSet _pending = AlarmStateSet.Empty;
    private long _pendingSinceMs;
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
            Sender.Tell(Replicated(_state));
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
        Store(delta);
        if (_peer is null || !ShippingRules.ShipsDeltas(_shipping)) return;
        if (_pending.IsEmpty)
        {
            _pendingSinceMs = NowMs;
            Timers.StartSingleTimer(FlushTimer, FlushDue.Instance, _settings.Shipping.BatchInterval);
        }
        _pending = _pending.Merge(delta);
        if (ShippingRules.ShouldFlush(_pending.Count, TimeSpan.FromMilliseconds(NowMs - _pendingSinceMs), _settings.Shipping)) Flush();
    }

    /// <summary>Merges a delta (local or the peer's) into the state, stores it, and tells the subscribers.</summary>
    private void Store(AlarmStateSet delta)
    {
        _state = _state.Merge(delta);
        _store.Append(delta);
        if (_store.CompactionDue)
        {
            var bytes = _store.Compact();
            _log.Info("Alarm state log compacted into a snapshot of {Bytes} bytes ({Alarms} alarms)", bytes, _state.Count);
        }
        if (_subscribers.Count == 0) return;
        var merged = Replicated(delta);
        foreach (var subscriber in _subscribers) subscriber.Tell(merged);
    }

    /// <summary>The alarms of <paramref name="delta"/> as the merged state now shows them, in the engine's terms.</summary>
    private ReplicatedAlarmsChanged Replicated(AlarmStateSet delta)
    {
        var now = _time.GetUtcNow();
        var changed = ImmutableDictionary.CreateBuilder<string, ReplicatedAlarm>(StringComparer.Ordinal);
        var shelves = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var (id, fragment) in delta.Entries)
        {
            changed[id] = AlarmViews.ToReplicated(AlarmViews.Derive(_state[id], now));
            if (fragment.Shelve is not null) shelves.Add(id);
        }
        return new ReplicatedAlarmsChanged(changed.ToImmutable(), shelves.ToImmutable());
    }

    private void Flush()
    {
        Timers.Cancel(FlushTimer);
        if (_pending.IsEmpty || _peer is null) return;
        var pending = _pending;
        _pending = AlarmStateSet.Empty;
        ShipDeltas(pending, _peer);
    }

    /// <summary>
    /// Sends a delta as the stream's next batches. The last one covers every local change stamped up to the clock's
    /// reading now (all of them are in it or before it), which the peer's acknowledgement of it stores.
    /// </summary>
    private void ShipDeltas(AlarmStateSet delta, ICanTell peer)
    {
        // A flush is within the bound already; a catch-up after a restart may be the whole state.
        IEnumerable<AlarmStateSet> parts = delta.Count <= _settings.Shipping.MaxBatchEntries ? [delta] : delta.Batches(_settings.Shipping.MaxBatchEntries);
        var payloads = parts.SelectMany(Encode).ToList();
        for (var i = 0; i < payloads.Count; i++)
        {
            var batch = new StateBatch(_shipping.Stream, _shipping.NextSequence, false, false, payloads[i]);
            _shipping = ShippingRules.Sent(_shipping, payloads[i], NowMs, _settings.Shipping, i == payloads.Count - 1 ? _clock.Last : default);
            _deltaBatches++;
            peer.Tell(batch, Self);
        }
    }

    private void OnBatch(StateBatch batch)
    {
        AlarmStateSet delta;
        try
        {
            delta = StateCodec.Decode(ImmutableCollectionsMarshal.AsArray(batch.Payload)!);
        }
        catch (InvalidDataException e)
        {
            // Not counted as held: the peer sends it again (or the full state) after the next probe.
            _log.Warning("State batch {Sequence} from the peer is unreadable and was dropped: {Reason}", batch.Sequence, e.Message);
            return;
        }
        if (!delta.IsEmpty)
        {
            _clock.Observe(delta.MaxStamp);
            Store(delta);
        }
        var before = _receiving;
        (_receiving, var fullComplete) = ShippingRules.OnBatch(_receiving, batch);
        if (SyncsEveryBatch) StorePositions();
        Sender.Tell(new StateBatchAck(_receiving.Stream, _receiving.Held, Probe: false), Self);
        if (!fullComplete) return;
        // Unchanged by the batch: a sync point (a restarted node resumed the peer's stream and holds all of it).
        var caughtUp = before == _receiving;
        if (caughtUp)
            _log.Info("Caught up with the peer's alarm state stream at {Sequence} (this node holds {Alarms} alarms)", batch.Sequence, _state.Count);
        else
            _log.Info("Full alarm state from the peer merged ({Batches} batches; this node holds {Alarms} alarms)", batch.Sequence, _state.Count);
        _peerStateReceived = true;
        // The same word either way: a node going active asks whether it holds the peer's whole state, not how it came.
        ReleaseWaiters("the peer's full state is merged");
    }

    private void OnAck(StateBatchAck ack)
    {
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

    /// <summary>The whole state as the first batches of a new stream (the deltas pending are part of it).</summary>
    // Sent as chunked codec batches on the node link rather than through Transfer/: the receiver merges each batch
    // as it comes (no file to assemble), each batch carries its own CRC, and a lost one is caught by the sequence.
    private void SendFull(string why, IActorRef peer)
    {
        var started = Stopwatch.GetTimestamp();
        Timers.Cancel(FlushTimer);
        _pending = AlarmStateSet.Empty;
        var payloads = new List<ImmutableArray<byte>>();
        foreach (var part in _state.Batches(_settings.Shipping.MaxBatchEntries)) payloads.AddRange(Encode(part));
        if (payloads.Count == 0) payloads.Add(ImmutableCollectionsMarshal.AsImmutableArray(StateCodec.Encode(AlarmStateSet.Empty)));
        var stream = Guid.NewGuid();
        long bytes = 0;
        for (var i = 0; i < payloads.Count; i++)
        {
            bytes += payloads[i].Length;
            peer.Tell(new StateBatch(stream, i + 1, i == 0, i == payloads.Count - 1, payloads[i]), Self);
        }
        _shipping = ShippingRules.StartFull(stream, payloads.Count, NowMs);
        _fullTransfers++;
        var millis = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _lastFull = new FullTransferRecord(why, _state.Count, bytes, payloads.Count, millis, _time.GetUtcNow());
        _log.Info("Full alarm state sent to the peer ({Why}): {Alarms} alarms, {Bytes} bytes in {Batches} batches, {Millis} ms",
            why, _state.Count, bytes, payloads.Count, millis);
        if (_eventOf is not null) _events?.Tell(_eventOf(_lastFull), Self);
    }

    /// <summary>Codec batches of at most <see cref="MaxPayloadBytes"/> (a batch too big is split in halves).</summary>
    private static IEnumerable<ImmutableArray<byte>> Encode(AlarmStateSet set)
    {
        var bytes = StateCodec.Encode(set);
        if (bytes.Length <= MaxPayloadBytes || set.Count <= 1)
        {
            yield return ImmutableCollectionsMarshal.AsImmutableArray(bytes);
            yield break;
        }
        foreach (var half in set.Batches((set.Count + 1) / 2))
            foreach (var part in Encode(half)) yield return part;
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

    private sealed record FlushDue { public static readonly FlushDue Instance = new(); }
    private sealed record ProbeDue { public static readonly ProbeDue Instance = new(); }
    private sealed record SyncDue { public static readonly SyncDue Instance = new(); }
    private sealed record PeerStateWaitOver { public static readonly PeerStateWaitOver Instance = new(); }
}
