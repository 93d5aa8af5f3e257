using RedundantGateway.Tags;

namespace RedundantGateway.History;

/// <summary>
/// Turns tag values into history samples, by each tag's <see cref="TagHistory"/>: onChange logs a value that moved past
/// the history deadband from the last one logged (or changed quality); periodic logs the tag's current value once per
/// period, stamped with the start of the period (both nodes give the same sample the same natural key). No actor, no
/// clock: the HistoryCache feeds it values and ticks. One owner.
/// </summary>
public sealed class HistorySampler
{
    private readonly Dictionary<string, TagHistory> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagValue> _current = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagValue> _lastLogged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastSlot = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, TagHistory> Tags => _tags;

    /// <summary>The distinct periods of the periodic tags (one timer each).</summary>
    public IReadOnlySet<int> PeriodicRates => _tags.Values.Where(h => h.Mode == TagHistoryMode.Periodic).Select(h => h.RateMs).ToHashSet();

    /// <summary>Takes the tags that log history now; a tag whose setting changed starts afresh.</summary>
    public void Configure(IReadOnlyDictionary<string, TagHistory> tags)
    {
        foreach (var path in _tags.Keys.ToList())
            if (!tags.TryGetValue(path, out var setting) || setting != _tags[path]) Forget(path, keepCurrent: tags.ContainsKey(path));
        _tags.Clear();
        foreach (var (path, setting) in tags) _tags[path] = setting;
    }

    /// <summary>Forgets what was logged (after the node stopped logging): the next value of each tag is logged.</summary>
    public void Restart()
    {
        _lastLogged.Clear();
        _lastSlot.Clear();
    }

    /// <summary>Forgets the current values too (the tag engine stopped).</summary>
    public void ClearValues()
    {
        Restart();
        _current.Clear();
    }

    /// <summary>Takes new values; returns the onChange samples they make.</summary>
    public List<HistorySample> OnValues(IEnumerable<TagValue> values, string node, long epoch)
    {
        var samples = new List<HistorySample>();
        foreach (var value in values)
        {
            if (!_tags.TryGetValue(value.Path, out var setting)) continue;
            _current[value.Path] = value;
            if (setting.Mode != TagHistoryMode.OnChange) continue;
            _lastLogged.TryGetValue(value.Path, out var last);
            if (last is not null && value.Timestamp <= last.Timestamp) continue;
            if (!TagDeadband.IsChange(last, value.Value, value.Quality, setting.Deadband)) continue;
            _lastLogged[value.Path] = value;
            samples.Add(new HistorySample(value.Path, value.Timestamp, value.Value, value.Quality, node, epoch));
        }
        return samples;
    }

    /// <summary>The samples of the periodic tags of period <paramref name="rateMs"/> at <paramref name="now"/> (none twice in one period).</summary>
    public List<HistorySample> OnTick(int rateMs, DateTimeOffset now, string node, long epoch)
    {
        var samples = new List<HistorySample>();
        var slot = now.ToUnixTimeMilliseconds() / rateMs * rateMs;
        foreach (var (path, setting) in _tags)
        {
            if (setting.Mode != TagHistoryMode.Periodic || setting.RateMs != rateMs) continue;
            if (!_current.TryGetValue(path, out var value)) continue;
            if (_lastSlot.TryGetValue(path, out var last) && last >= slot) continue;
            _lastSlot[path] = slot;
            samples.Add(new HistorySample(path, DateTimeOffset.FromUnixTimeMilliseconds(slot), value.Value, value.Quality, node, epoch));
        }
        return samples;
    }

    private void Forget(string path, bool keepCurrent)
    {
        if (!keepCurrent) _current.Remove(path);
        _lastLogged.Remove(path);
        _lastSlot.Remove(path);
    }
}
