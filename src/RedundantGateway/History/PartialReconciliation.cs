namespace RedundantGateway.History;

/// <summary>How one cached window of a backup in partial mode was settled against the master's ledger.</summary>
/// <param name="Forward">samples the master did not log (outside every interval of its ledger): to the database.</param>
/// <param name="Drop">samples inside the master's logging intervals: the master has its own.</param>
public sealed record ReconciliationPlan(IReadOnlyList<HistorySample> Forward, IReadOnlyList<HistorySample> Drop)
{
    /// <summary>For the events log: the time span of what is forwarded and of what is dropped (null: none).</summary>
    public LoggingInterval? ForwardedSpan => Span(Forward);
    public LoggingInterval? DroppedSpan => Span(Drop);

    private static LoggingInterval? Span(IReadOnlyList<HistorySample> samples) =>
        samples.Count == 0 ? null : new LoggingInterval(samples.Min(s => s.Timestamp), samples.Max(s => s.Timestamp));
}

/// <summary>
/// Partial backup history level, the reference's rule made exact: a backup forwards only what it logged while the
/// master was not logging. Pure: the cache feeds it its samples and the master's ledger.
/// </summary>
public static class PartialReconciliation
{
    /// <summary>Sorted, overlapping or touching intervals merged, so a lookup is one binary search.</summary>
    public static IReadOnlyList<LoggingInterval> Normalise(IEnumerable<LoggingInterval> intervals)
    {
        var merged = new List<LoggingInterval>();
        foreach (var interval in intervals.Where(i => i.To >= i.From).OrderBy(i => i.From))
        {
            if (merged.Count > 0 && interval.From <= merged[^1].To)
            {
                if (interval.To > merged[^1].To) merged[^1] = merged[^1] with { To = interval.To };
            }
            else merged.Add(interval);
        }
        return merged;
    }

    /// <summary>Whether the master was logging at <paramref name="at"/> (<paramref name="normalised"/> from <see cref="Normalise"/>).</summary>
    public static bool MasterLogged(IReadOnlyList<LoggingInterval> normalised, DateTimeOffset at)
    {
        int low = 0, high = normalised.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var interval = normalised[middle];
            if (at < interval.From) high = middle - 1;
            else if (at > interval.To) low = middle + 1;
            else return true;
        }
        return false;
    }

    public static ReconciliationPlan Plan(IEnumerable<HistorySample> cached, IEnumerable<LoggingInterval> masterLedger)
    {
        var intervals = Normalise(masterLedger);
        var forward = new List<HistorySample>();
        var drop = new List<HistorySample>();
        foreach (var sample in cached) (MasterLogged(intervals, sample.Timestamp) ? drop : forward).Add(sample);
        return new ReconciliationPlan(forward, drop);
    }
}
