using Akka.Actor;

namespace RedundantGateway.Tags;

/// <summary>What a stream writer takes from its buffer at once: the snapshot if one came, the latest value per path, the last level.</summary>
/// <param name="Ended">why the stream must end (the engine stopped, the client fell too far behind), or null.</param>
public sealed record TagStreamBatch(TagSnapshot? Snapshot, IReadOnlyList<TagValue> Changes, ActivityLevel? Level, string? Ended);

/// <summary>
/// Between the engine and one slow consumer (an SSE client): the latest value per path, never a queue, so a client
/// that cannot keep up skips intermediate values instead of holding memory. Filled by a <see cref="TagStreamBridge"/>,
/// drained by one writer loop with <see cref="TakeAsync"/>.
/// </summary>
public sealed class TagStreamBuffer(int maxPaths)
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private OrderedDictionary<string, TagValue> _pending = new(StringComparer.Ordinal);
    private TagSnapshot? _snapshot;
    private ActivityLevel? _level;
    private string? _ended;

    /// <summary>Values waiting for the writer (one per path).</summary>
    public int PendingPaths { get { lock (_gate) return _pending.Count; } }

    public void OnSnapshot(TagSnapshot snapshot)
    {
        lock (_gate)
        {
            _snapshot = snapshot;
            _pending.Clear(); // the snapshot holds newer values than anything pending
        }
        Signal();
    }

    public void OnChanges(IReadOnlyList<TagValue> changes)
    {
        lock (_gate)
        {
            foreach (var value in changes) _pending[value.Path] = value;
            if (_pending.Count > maxPaths) _ended ??= $"the client fell behind on more than {maxPaths} tags";
        }
        Signal();
    }

    public void OnLevel(ActivityLevel level)
    {
        lock (_gate) _level = level;
        Signal();
    }

    public void End(string reason)
    {
        lock (_gate) _ended ??= reason;
        Signal();
    }

    /// <summary>Waits until something is there, then takes all of it.</summary>
    public async Task<TagStreamBatch> TakeAsync(CancellationToken cancellationToken) =>
        (await TakeAsync(Timeout.InfiniteTimeSpan, cancellationToken))!;

    /// <summary>As <see cref="TakeAsync(CancellationToken)"/>, but null when nothing came within <paramref name="idle"/> (time for a heartbeat).</summary>
    public async Task<TagStreamBatch?> TakeAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_snapshot is not null || _pending.Count > 0 || _level is not null || _ended is not null)
                {
                    var batch = new TagStreamBatch(_snapshot, _pending.Values.ToList(), _level, _ended);
                    _snapshot = null;
                    _level = null;
                    if (_pending.Count > 0) _pending = new OrderedDictionary<string, TagValue>(StringComparer.Ordinal);
                    return batch;
                }
            }
            if (!await _signal.WaitAsync(idle, cancellationToken)) return null;
        }
    }

    private void Signal()
    {
        // At most one wake-up pending: the writer takes everything each time it wakes.
        try { if (_signal.CurrentCount == 0) _signal.Release(); }
        catch (SemaphoreFullException) { }
    }
}

/// <summary>
/// Subscribes to the engine for one stream client and moves what it gets into the client's <see cref="TagStreamBuffer"/>;
/// stopping it (the client went away) unsubscribes.
/// </summary>
public sealed class TagStreamBridge : ReceiveActor
{
    private readonly IActorRef _engine;
    private readonly TagSelection _selection;

    public static Props Props(IActorRef engine, TagSelection selection, TagStreamBuffer buffer) =>
        Akka.Actor.Props.Create(() => new TagStreamBridge(engine, selection, buffer));

    public TagStreamBridge(IActorRef engine, TagSelection selection, TagStreamBuffer buffer)
    {
        _engine = engine;
        _selection = selection;
        Receive<TagSnapshot>(buffer.OnSnapshot);
        Receive<TagsChanged>(changed => buffer.OnChanges(changed.Values));
        Receive<TagLevelChanged>(level => buffer.OnLevel(level.Level));
        Receive<Terminated>(_ => buffer.End("the tag engine stopped (the node's runtime is restarting)"));
    }

    protected override void PreStart()
    {
        Context.Watch(_engine);
        _engine.Tell(new SubscribeTags(_selection, Self));
    }

    protected override void PostStop() => _engine.Tell(new UnsubscribeTags(Self));
}
