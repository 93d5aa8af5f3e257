namespace RedundantGateway.StateSync;

/// <summary>
/// A hybrid logical clock (Kulkarni et al.): readings follow the wall clock when it moves forward, never go back,
/// and a node that receives a reading moves past it, so an event caused by another sorts after it whatever the two
/// wall clocks say. With the peer 5 minutes ahead, this node's readings jump 5 minutes ahead after it sees one and
/// count on from there: skew shifts the readings, it never reorders cause and effect.
/// The two steps are pure (<see cref="Next"/>, <see cref="Merge"/>); this class holds the last reading for the one
/// actor that owns it (not thread-safe, by design: one owner).
/// </summary>
public sealed class HybridClock
{
    private readonly TimeProvider _time;
    private HybridTimestamp _last;

    /// <param name="node">this node's id in every reading; the two nodes of a pair must differ.</param>
    /// <param name="last">the greatest reading made or seen before (e.g. the greatest in the loaded state), so a
    /// restarted node with a clock that went back still moves forward.</param>
    public HybridClock(TimeProvider time, ushort node, HybridTimestamp last = default)
    {
        _time = time;
        Node = node;
        _last = last;
    }

    public ushort Node { get; }

    /// <summary>The last reading made or observed.</summary>
    public HybridTimestamp Last => _last;

    /// <summary>A reading for a local event (a transition, an acknowledgement, a shelve).</summary>
    public HybridTimestamp Now() => _last = Next(_last, PhysicalMs(), Node);

    /// <summary>Takes in a reading received from the peer; answers the reading of the receive event.</summary>
    public HybridTimestamp Observe(HybridTimestamp received) => _last = Merge(_last, received, PhysicalMs(), Node);

    private long PhysicalMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The reading after <paramref name="last"/> for a local event at wall time <paramref name="physicalMs"/>.</summary>
    public static HybridTimestamp Next(HybridTimestamp last, long physicalMs, ushort node) =>
        physicalMs > last.WallMs ? new HybridTimestamp(physicalMs, 0, node) : Bump(last.WallMs, last.Counter, node);

    /// <summary>The reading after both <paramref name="last"/> and <paramref name="received"/>.</summary>
    public static HybridTimestamp Merge(HybridTimestamp last, HybridTimestamp received, long physicalMs, ushort node)
    {
        var wall = Math.Max(physicalMs, Math.Max(last.WallMs, received.WallMs));
        if (wall == physicalMs && wall > last.WallMs && wall > received.WallMs) return new HybridTimestamp(wall, 0, node);
        uint counter = 0;
        if (wall == last.WallMs) counter = last.Counter;
        if (wall == received.WallMs) counter = Math.Max(counter, received.Counter);
        return Bump(wall, counter, node);
    }

    // A counter that would overflow (4 billion events in one millisecond: only a reading that came in corrupt)
    // moves to the next millisecond rather than wrap, so the order still holds.
    private static HybridTimestamp Bump(long wall, uint counter, ushort node) =>
        counter == uint.MaxValue ? new HybridTimestamp(wall + 1, 0, node) : new HybridTimestamp(wall, counter + 1, node);
}
