namespace RedundantGateway.ConfigSync;

/// <summary>
/// The master's queue of recent updates for the backup, in revision order, bounded by count and bytes (the
/// oldest go first). Owned by one actor; not thread-safe.
/// </summary>
public sealed class UpdateQueue(int maxCount, long maxBytes)
{
    private readonly List<ConfigUpdate> _items = [];
    private int _head;

    public int Count => _items.Count - _head;

    public long Bytes { get; private set; }

    public long? OldestRevision => Count > 0 ? _items[_head].Revision : null;

    public void Add(ConfigUpdate update)
    {
        // Revisions are contiguous; anything else (a replaced config) starts the queue afresh.
        if (Count > 0 && update.Revision != _items[^1].Revision + 1) Clear();
        _items.Add(update);
        Bytes += update.Bytes;
        while (Count > 0 && (Count > maxCount || Bytes > maxBytes))
        {
            Bytes -= _items[_head].Bytes;
            _items[_head++] = null!;
        }
        if (_head > 1024 && _head > _items.Count / 2)
        {
            _items.RemoveRange(0, _head);
            _head = 0;
        }
    }

    public void Clear()
    {
        _items.Clear();
        _head = 0;
        Bytes = 0;
    }

    /// <summary>Whether the queue holds every revision after <paramref name="revision"/> up to <paramref name="latest"/>.</summary>
    public bool Covers(long revision, long latest) =>
        revision >= latest || (Count > 0 && _items[_head].Revision <= revision + 1 && _items[^1].Revision >= latest);

    /// <summary>The digest after <paramref name="revision"/>, if the queue holds that revision.</summary>
    public string? DigestAfter(long revision)
    {
        if (Count == 0 || revision < _items[_head].Revision || revision > _items[^1].Revision) return null;
        return _items[_head + (int)(revision - _items[_head].Revision)].DigestAfter;
    }

    /// <summary>The updates after <paramref name="revision"/>, at most <paramref name="maxCount"/> and about <paramref name="maxBytes"/> (at least one).</summary>
    public IReadOnlyList<ConfigUpdate> After(long revision, int maxCount, long maxBytes)
    {
        if (Count == 0) return [];
        var start = _head + (int)Math.Max(0, revision + 1 - _items[_head].Revision);
        var result = new List<ConfigUpdate>();
        long bytes = 0;
        for (var i = start; i < _items.Count && result.Count < maxCount; i++)
        {
            var update = _items[i];
            if (result.Count > 0 && bytes + update.Bytes > maxBytes) break;
            result.Add(update);
            bytes += update.Bytes;
        }
        return result;
    }
}
