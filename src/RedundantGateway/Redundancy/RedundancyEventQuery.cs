namespace RedundantGateway.Redundancy;

/// <summary>
/// The events log's numbering and queries, apart from the coordinator that keeps it: sequences that only grow
/// (also across rebuilds, whose carried events keep theirs), and the newest-first selection with paging and search.
/// </summary>
public static class RedundancyEventQuery
{
    /// <summary>
    /// The events with a sequence each: those numbered keep theirs, the others (handed over unnumbered, e.g. the host's
    /// rebuild event) get the next ones, in order.
    /// </summary>
    public static List<RedundancyEvent> Numbered(IEnumerable<RedundancyEvent> events)
    {
        var numbered = new List<RedundancyEvent>();
        long last = 0;
        foreach (var e in events)
        {
            var entry = e.Sequence > last ? e : e with { Sequence = last + 1 };
            last = entry.Sequence;
            numbered.Add(entry);
        }
        return numbered;
    }

    /// <summary>The sequence the next event gets after <paramref name="events"/> (oldest first).</summary>
    public static long NextSequence(IReadOnlyList<RedundancyEvent> events) => events.Count == 0 ? 1 : events[^1].Sequence + 1;

    /// <summary>
    /// <paramref name="events"/> (oldest first) as <paramref name="query"/> asks: newest first, sequence below Before and
    /// above After, the text found in the kind or the reason ignoring case, at most Limit.
    /// </summary>
    public static List<RedundancyEvent> Select(IReadOnlyList<RedundancyEvent> events, GetRedundancyEvents query)
    {
        var text = string.IsNullOrWhiteSpace(query.Text) ? null : query.Text.Trim();
        var selected = new List<RedundancyEvent>();
        for (var i = events.Count - 1; i >= 0 && selected.Count < query.Limit; i--)
        {
            var e = events[i];
            if (query.Before is { } before && e.Sequence >= before) continue;
            if (query.After is { } after && e.Sequence <= after) break; // older ones are all below too
            if (text is not null && !Matches(e, text)) continue;
            selected.Add(e);
        }
        return selected;
    }

    private static bool Matches(RedundancyEvent e, string text) =>
        e.Kind.Contains(text, StringComparison.OrdinalIgnoreCase) || e.Reason.Contains(text, StringComparison.OrdinalIgnoreCase);
}
