using RedundantGateway.Redundancy;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>The events log's numbering (kept across rebuilds) and its newest-first paging and search.</summary>
public sealed class RedundancyEventQuerySpec
{
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static RedundancyEvent Event(long sequence, string kind, string reason = "r") => new(At, kind, reason, 1, "active", Sequence: sequence);

    private static readonly IReadOnlyList<RedundancyEvent> Log =
    [
        Event(1, "started", "node a started"), Event(2, "peer-reachable", "peer b answers"), Event(3, "designation", "pair formed"),
        Event(4, "config-saved", "Peer sent revision 4"), Event(5, "failover", "taking over"),
    ];

    [Fact]
    public void Unnumbered_events_get_the_next_sequences_and_numbered_ones_keep_theirs()
    {
        var carried = RedundancyEventQuery.Numbered([Event(7, "a"), Event(8, "b"), Event(0, "soft-restart")]);
        Assert.Equal([7L, 8, 9], carried.Select(e => e.Sequence));
        Assert.Equal(10, RedundancyEventQuery.NextSequence(carried));
        Assert.Equal([1L, 2], RedundancyEventQuery.Numbered([Event(0, "a"), Event(0, "b")]).Select(e => e.Sequence));
        Assert.Equal(1, RedundancyEventQuery.NextSequence([]));
    }

    [Fact]
    public void A_page_is_newest_first_below_the_given_id()
    {
        Assert.Equal([5L, 4], RedundancyEventQuery.Select(Log, new GetRedundancyEvents(2)).Select(e => e.Sequence));
        Assert.Equal([3L, 2], RedundancyEventQuery.Select(Log, new GetRedundancyEvents(2, Before: 4)).Select(e => e.Sequence));
        Assert.Equal([1L], RedundancyEventQuery.Select(Log, new GetRedundancyEvents(2, Before: 2)).Select(e => e.Sequence));
        Assert.Empty(RedundancyEventQuery.Select(Log, new GetRedundancyEvents(2, Before: 1)));
        Assert.Empty(RedundancyEventQuery.Select(Log, new GetRedundancyEvents(0)));
    }

    [Fact]
    public void After_gives_only_what_is_newer()
    {
        Assert.Equal([5L, 4], RedundancyEventQuery.Select(Log, new GetRedundancyEvents(100, After: 3)).Select(e => e.Sequence));
        Assert.Empty(RedundancyEventQuery.Select(Log, new GetRedundancyEvents(100, After: 5)));
    }

    [Fact]
    public void The_search_finds_the_text_in_the_kind_or_the_reason_ignoring_case()
    {
        Assert.Equal([4L, 2], RedundancyEventQuery.Select(Log, new GetRedundancyEvents(100, Text: "PEER")).Select(e => e.Sequence));
        Assert.Equal([5L], RedundancyEventQuery.Select(Log, new GetRedundancyEvents(100, Text: "Failover")).Select(e => e.Sequence));
        Assert.Equal([2L], RedundancyEventQuery.Select(Log, new GetRedundancyEvents(100, Before: 4, Text: "peer")).Select(e => e.Sequence));
        Assert.Equal(5, RedundancyEventQuery.Select(Log, new GetRedundancyEvents(100, Text: "  ")).Count);
    }
}
