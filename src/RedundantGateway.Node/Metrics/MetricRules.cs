using RedundantGateway.Redundancy;

namespace RedundantGateway.Node.Metrics;

/// <summary>The decisions behind the series, apart from the collectors: which events count as failovers, and counters over restarts.</summary>
internal static class MetricRules
{
    /// <summary>
    /// The cause label of an event in which this node became active, or null for any other event:
    /// <c>peer-down</c> (it took over from a silent or gone peer), <c>designation</c> (the designator chose it: pair
    /// start, fail-back, an operator's request), <c>handover</c> (the peer handed over as it stopped), <c>alone</c>
    /// (no peer within the join wait time, or an independent node).
    /// </summary>
    public static string? FailoverCause(RedundancyEvent e)
    {
        if (e.Level != "active") return null;
        return e.Kind switch
        {
            RedundancyEventKinds.Failover => "peer-down",
            RedundancyEventKinds.Designation => "designation",
            RedundancyEventKinds.Handover => "handover",
            RedundancyEventKinds.ActivityChanged => "alone",
            _ => null,
        };
    }

    /// <summary>Every cause label, so that each series exists (at 0) from the first scrape on.</summary>
    public static readonly IReadOnlyList<string> FailoverCauses = ["peer-down", "designation", "handover", "alone"];

    /// <summary>
    /// How much a counter grew between two readings of an actor's running total. A total lower than the last one
    /// means the actor started over (its actor system was rebuilt): all of it is new.
    /// </summary>
    public static long Growth(long last, long now) => now >= last ? now - last : now;
}

/// <summary>A Prometheus counter fed from an actor's running total, which starts over when the actor does.</summary>
internal sealed class RunningTotal(Prometheus.Counter counter)
{
    private long _last;

    public void Observe(long total)
    {
        var growth = MetricRules.Growth(_last, total);
        _last = total;
        if (growth > 0) counter.Inc(growth);
    }
}
