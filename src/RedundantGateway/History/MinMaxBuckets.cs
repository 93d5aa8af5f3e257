namespace RedundantGateway.History;

/// <summary>
/// Reduces samples given in time order to at most maxPoints for a chart: [from, to] is cut into maxPoints / 2 equal
/// buckets and each bucket keeps its lowest and highest sample (in time order; one when they are the same sample). A
/// bucket without a plottable value (text, or no value with bad quality) keeps its first sample instead. With maxPoints 1
/// there is one bucket and it keeps its highest sample. Pure; holds one bucket besides what it kept.
/// </summary>
public sealed class MinMaxBuckets
{
    private readonly long _fromMicros;
    private readonly decimal _span;
    private readonly int _buckets;
    private readonly int _maxPoints;
    private readonly List<SampleColumns> _kept = new();
    private long _current = -1;
    private SampleColumns? _first, _low, _high;

    public MinMaxBuckets(long fromMicros, long toMicros, int maxPoints)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toMicros, fromMicros);
        (_fromMicros, _span, _maxPoints) = (fromMicros, (decimal)toMicros - fromMicros + 1, maxPoints);
        _buckets = Math.Max(1, maxPoints / 2);
    }

    /// <summary>The next row, later than (or as late as) the one before, within [from, to].</summary>
    public void Add(SampleColumns row)
    {
        var bucket = (long)Math.Clamp(Math.Floor((row.Micros - _fromMicros) * _buckets / _span), 0, _buckets - 1);
        if (bucket != _current)
        {
            Flush();
            (_current, _first, _low, _high) = (bucket, row, null, null);
        }
        if (row.Plotted is not { } value) return;
        if (_low is null || value < _low.Value.Plotted) _low = row;
        if (_high is null || value > _high.Value.Plotted) _high = row;
    }

    /// <summary>The rows kept, in time order; at most maxPoints.</summary>
    public IReadOnlyList<SampleColumns> Finish()
    {
        Flush();
        (_current, _first) = (-1, null);
        return _kept;
    }

    private void Flush()
    {
        if (_first is not { } first) return;
        if (_low is not { } low || _high is not { } high) _kept.Add(first);
        else if (_maxPoints == 1 || low.Micros == high.Micros) _kept.Add(high);
        else if (low.Micros < high.Micros) { _kept.Add(low); _kept.Add(high); }
        else { _kept.Add(high); _kept.Add(low); }
    }
}
