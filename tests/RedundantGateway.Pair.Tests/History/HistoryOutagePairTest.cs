using System.Globalization;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Store-and-forward on a real pair against one history database (the subclass says which, and how it goes away and
/// comes back): an outage of the database loses nothing and the backlog drains, and the helpers the scenarios share.
/// </summary>
public abstract class HistoryOutagePairTest(ITestOutputHelper output) : PairTest(output)
{
    /// <summary>A demo tag historised once a second.</summary>
    protected const string Tag = "projects/demo/tags/line2/batch-step";

    /// <summary>The HOCON that points both nodes at the database.</summary>
    protected abstract Task<string> StoreHocon();

    /// <summary>Makes the database unreachable for both nodes.</summary>
    protected abstract Task DatabaseAwayAsync();

    protected abstract Task DatabaseBackAsync();

    protected Task DatabaseOutageScenario() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = await HistorySpecsAsync();
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        await UntilWrittenAsync(master, "the master wrote history before the outage");

        var (outageFrom, outageTo) = await OutageAsync(master, TimeSpan.FromSeconds(30));
        await UntilDrainedAsync(master, "the master's cache drained after the database came back");

        await AssertEverySecondOnceAsync(master, outageFrom.AddSeconds(-3), outageTo.AddSeconds(3));
        await UntilAsync(async () => CountEvents(await master.Api!.GetEventsAsync(), outageFrom) is (1, 1),
            "the master's events log has one history-store-unavailable and one history-store-recovered event");
    });

    // ---------- helpers ----------

    protected async Task<(NodeSpec Master, NodeSpec Backup)> HistorySpecsAsync(bool viaProxies = false)
    {
        var (m, b) = PairSpecs(viaProxies: viaProxies);
        var extra = $$"""
              demo.enabled = on
              redundancy.backup-history-level = full
              {{await StoreHocon()}}
              history.forward { retry-min-backoff = 100ms, retry-max-backoff = 1s }
            """;
        return (m with { Extra = extra }, b with { Extra = extra });
    }

    /// <summary>Renames the database's folder away for <paramref name="length"/>, then back; returns when it went and came back.</summary>
    protected async Task<(DateTimeOffset From, DateTimeOffset To)> OutageAsync(NodeProcess active, TimeSpan length)
    {
        var from = DateTimeOffset.UtcNow;
        await DatabaseAwayAsync();
        await UntilAsync(async () => (await active.Api!.GetStatusAsync())?.History is { State: "unavailable" },
            "the active node reports the history store unavailable", length);
        var rest = length - (DateTimeOffset.UtcNow - from);
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        var status = (await active.Api!.GetStatusAsync())?.History;
        Log($"before the database is back: {status}");
        Assert.True(status is { Rows: >= 20 }, $"the cache did not hold the outage's samples: {status}");
        await DatabaseBackAsync();
        return (from, DateTimeOffset.UtcNow);
    }

    /// <summary>Until the node stored five seconds of every tag's samples (the window checked starts 3 s before the outage).</summary>
    protected Task UntilWrittenAsync(NodeProcess node, string what) =>
        UntilAsync(async () => (await node.Api!.GetStatusAsync())?.History is { Tags: > 0 } h && h.Written >= 5L * h.Tags, what);

    protected Task UntilDrainedAsync(NodeProcess node, string what) =>
        UntilAsync(async () => (await node.Api!.GetStatusAsync())?.History is { State: not "unavailable", Rows: <= 20, Written: > 0 }, what);

    /// <summary>The tag's stored samples in [from, to]: one per second (no gap past 1.5 s) and no timestamp twice.</summary>
    protected async Task AssertEverySecondOnceAsync(NodeProcess node, DateTimeOffset from, DateTimeOffset to)
    {
        // The window's last samples are taken and stored first (the node writes within a second or two once drained).
        await UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow > to.AddSeconds(3)), "the window is past");
        await UntilDrainedAsync(node, "the node's cache drained after the window");
        var answer = await node.Api!.Client.GetHistoryAsync(Tag, from, to);
        var times = answer.Samples.Select(s => DateTimeOffset.Parse(s.T, CultureInfo.InvariantCulture)).ToList();
        Log($"{times.Count} samples of {Tag} in {from:HH:mm:ss}..{to:HH:mm:ss}");
        Assert.Equal(times.Count, times.Distinct().Count());
        var sorted = times.Order().ToList();
        var missing = Slots(from, to).Except(sorted).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of the 1 s slots in {from:O}..{to:O} are not in the database: {string.Join(", ", missing.Select(m => m.ToString("HH:mm:ss")))}");
        Assert.True(sorted[0] - from < TimeSpan.FromSeconds(1.5), $"the first sample is at {sorted[0]:O}, {from:O} asked");
        for (var i = 1; i < sorted.Count; i++)
            Assert.True(sorted[i] - sorted[i - 1] < TimeSpan.FromSeconds(1.5), $"a gap from {sorted[i - 1]:O} to {sorted[i]:O}: samples lost");
        Assert.True(to - sorted[^1] < TimeSpan.FromSeconds(1.5), $"the last sample is at {sorted[^1]:O}, {to:O} asked");
    }

    /// <summary>The whole seconds in [from, to]: the periodic sampler's slots (rateMs 1000).</summary>
    private static IEnumerable<DateTimeOffset> Slots(DateTimeOffset from, DateTimeOffset to)
    {
        var first = DateTimeOffset.FromUnixTimeSeconds((long)Math.Ceiling(from.ToUnixTimeMilliseconds() / 1000.0));
        for (var t = first; t <= to; t = t.AddSeconds(1)) yield return t;
    }

    private static (int Unavailable, int Recovered) CountEvents(IReadOnlyList<RedundancyEventInfo>? events, DateTimeOffset since) =>
        events is null ? (-1, -1) : (
            events.Count(e => e.Time >= since && e.Kind == "history-store-unavailable"),
            events.Count(e => e.Time >= since && e.Kind == "history-store-recovered"));
}
