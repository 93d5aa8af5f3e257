using System.Globalization;

namespace RedundantGateway.StateSync;

/// <summary>
/// A hybrid logical clock reading: the wall clock in Unix milliseconds as the clock had it (never behind any
/// reading the node has seen), a counter that orders events within one millisecond, and the node that made it.
/// The order is total: wall, then counter, then node, so two nodes sort any two readings alike and the node id is
/// the deterministic tie rule (two nodes never make equal readings).
/// </summary>
public readonly record struct HybridTimestamp(long WallMs, uint Counter, ushort Node) : IComparable<HybridTimestamp>
{
    /// <summary>Below every reading: what an empty register holds.</summary>
    public static readonly HybridTimestamp Zero = new(0, 0, 0);

    public int CompareTo(HybridTimestamp other)
    {
        var byWall = WallMs.CompareTo(other.WallMs);
        if (byWall != 0) return byWall;
        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : Node.CompareTo(other.Node);
    }

    public static bool operator <(HybridTimestamp a, HybridTimestamp b) => a.CompareTo(b) < 0;
    public static bool operator >(HybridTimestamp a, HybridTimestamp b) => a.CompareTo(b) > 0;
    public static bool operator <=(HybridTimestamp a, HybridTimestamp b) => a.CompareTo(b) <= 0;
    public static bool operator >=(HybridTimestamp a, HybridTimestamp b) => a.CompareTo(b) >= 0;

    public static HybridTimestamp Max(HybridTimestamp a, HybridTimestamp b) => a >= b ? a : b;

    /// <summary>The wall part as a time (for display only: deciding by it alone is what the clock is for avoiding).</summary>
    public DateTimeOffset Wall => DateTimeOffset.FromUnixTimeMilliseconds(WallMs);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Wall.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}+{Counter}@{Node}");
}
