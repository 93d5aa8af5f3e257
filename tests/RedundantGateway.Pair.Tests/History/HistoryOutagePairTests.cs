using System.Globalization;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Store-and-forward on a real pair sharing one SQLite history file in the test's folder: the database made unreachable
/// (its folder renamed away: the store refuses a missing folder) and back, with and without a kill -9 of the active node
/// holding the backlog, and a node-link cut in full mode where both nodes write.
/// </summary>
public sealed class HistoryOutagePairTests(ITestOutputHelper output) : PairTest(output)
{
    /// <summary>A demo tag historised once a second.</summary>
    private const string Tag = "projects/demo/tags/line2/batch-step";

    private string DbFolder => Path.Combine(TestDir, "historydb");
    private string DbFolderAway => Path.Combine(TestDir, "historydb-away");

    [Fact]
    public Task Database_unreachable_for_30_s_loses_nothing_and_the_backlog_drains() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = HistorySpecs();
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

    [Fact]
    public Task Kill_9_of_the_active_node_with_a_full_cache_then_restart_drains_it_without_loss_or_duplicate() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = HistorySpecs();
        // The backup stays away: the restarted master takes up the same epoch's writes without a failover in between.
        var master = StartNode(masterSpec with { JoinWaitTime = TimeSpan.FromSeconds(1) });
        await UntilStatusAsync(master, s => s.IsActive, "the master active alone");
        await UntilWrittenAsync(master, "the master wrote history");

        var from = DateTimeOffset.UtcNow;
        Directory.Move(DbFolder, DbFolderAway);
        Log("database folder renamed away");
        await UntilAsync(async () => (await master.Api!.GetStatusAsync())?.History is { State: "unavailable" } h && h.Rows >= 8L * h.Tags,
            "the master's cache holds eight seconds of samples while the database is away", TimeSpan.FromSeconds(40));
        var cached = (await master.Api!.GetStatusAsync())!.History!.Rows;
        master.KillHard();
        var killedAt = DateTimeOffset.UtcNow;
        Log($"master killed (kill -9) with {cached} cached rows");
        Directory.Move(DbFolderAway, DbFolder);
        Log("database folder back");

        var restarted = StartNode(masterSpec with { JoinWaitTime = TimeSpan.FromSeconds(1) });
        await UntilStatusAsync(restarted, s => s.IsActive, "the restarted master active");
        await UntilDrainedAsync(restarted, "the restarted master drained its cache");
        var line = restarted.Lines.FirstOrDefault(l => l.Text.Contains("cached from before"));
        Assert.True(line is not null, "the restarted master did not say it found cached samples from before");
        Log(line!.Text);
        // Up to the kill: every second once (the restart's own gap is the node's downtime, not a loss).
        await AssertEverySecondOnceAsync(restarted, from.AddSeconds(-3), killedAt.AddSeconds(-1.5));
    });

    [Fact]
    public Task Full_mode_link_cut_writes_no_duplicate_row_and_the_backup_counts_the_rows_already_there() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = HistorySpecs(viaProxies: true);
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed through the proxies with the master active");
        await UntilWrittenAsync(master, "the master wrote history");

        foreach (var proxy in Proxies) proxy.Cut();
        var cutAt = DateTimeOffset.UtcNow;
        Log("link cut");
        await UntilAsync(async () => (await master.Api!.GetStatusAsync()) is { IsActive: true } && (await backup.Api!.GetStatusAsync()) is { IsActive: true },
            "both nodes active while the link is cut");
        await UntilAsync(async () => (await backup.Api!.GetStatusAsync())?.History is { Written: > 0 } or { Duplicates: > 0 },
            "the backup wrote to the database while the link is cut");
        await Task.Delay(TimeSpan.FromSeconds(20) - (DateTimeOffset.UtcNow - cutAt) is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        foreach (var proxy in Proxies) proxy.Heal();
        var healedAt = DateTimeOffset.UtcNow;
        Log("link healed");
        await UntilPairSettledAsync(master, backup, "master", "the master alone active after healing", TimeSpan.FromSeconds(20));

        // The simulator gives both nodes the same periodic second: whichever node writes a key second has its row refused
        // and counts it (usually the backup, whose store-and-forward starts later; either may be second for a given batch).
        NodeStatus? masterStatus = null, backupStatus = null;
        await UntilAsync(async () =>
        {
            (masterStatus, backupStatus) = (await master.Api!.GetStatusAsync(), await backup.Api!.GetStatusAsync());
            return (masterStatus?.History?.Duplicates ?? 0) + (backupStatus?.History?.Duplicates ?? 0) > 0;
        }, "the rows written twice counted as duplicates on either node");
        Log($"master history: {masterStatus!.History}; backup history: {backupStatus!.History}");
        var counter = backupStatus.History!.Duplicates > 0 ? backup : master;
        await UntilAsync(() => Task.FromResult(counter.Lines.Any(l => l.Text.Contains("History store already had"))),
            "the node that counted duplicates says so in its log");
        await AssertEverySecondOnceAsync(master, cutAt.AddSeconds(-3), healedAt);
    });

    // ---------- helpers ----------

    private (NodeSpec Master, NodeSpec Backup) HistorySpecs(bool viaProxies = false)
    {
        Directory.CreateDirectory(DbFolder);
        var (m, b) = PairSpecs(viaProxies: viaProxies);
        var db = Path.Combine(DbFolder, "history.db").Replace("\\", "/");
        var extra = $$"""
              demo.enabled = on
              redundancy.backup-history-level = full
              history {
                sqlite-path = "{{db}}"
                forward { retry-min-backoff = 100ms, retry-max-backoff = 1s }
              }
            """;
        return (m with { Extra = extra }, b with { Extra = extra });
    }

    /// <summary>Renames the database's folder away for <paramref name="length"/>, then back; returns when it went and came back.</summary>
    private async Task<(DateTimeOffset From, DateTimeOffset To)> OutageAsync(NodeProcess active, TimeSpan length)
    {
        var from = DateTimeOffset.UtcNow;
        Directory.Move(DbFolder, DbFolderAway);
        Log("database folder renamed away");
        await UntilAsync(async () => (await active.Api!.GetStatusAsync())?.History is { State: "unavailable" },
            "the active node reports the history store unavailable", length);
        var rest = length - (DateTimeOffset.UtcNow - from);
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        var status = (await active.Api!.GetStatusAsync())?.History;
        Log($"before the database is back: {status}");
        Assert.True(status is { Rows: >= 20 }, $"the cache did not hold the outage's samples: {status}");
        Directory.Move(DbFolderAway, DbFolder);
        Log("database folder back");
        return (from, DateTimeOffset.UtcNow);
    }

    /// <summary>Until the node stored five seconds of every tag's samples (the window checked starts 3 s before the outage).</summary>
    private Task UntilWrittenAsync(NodeProcess node, string what) =>
        UntilAsync(async () => (await node.Api!.GetStatusAsync())?.History is { Tags: > 0 } h && h.Written >= 5L * h.Tags, what);

    private Task UntilDrainedAsync(NodeProcess node, string what) =>
        UntilAsync(async () => (await node.Api!.GetStatusAsync())?.History is { State: not "unavailable", Rows: <= 20, Written: > 0 }, what);

    /// <summary>The tag's stored samples in [from, to]: one per second (no gap past 1.5 s) and no timestamp twice.</summary>
    private async Task AssertEverySecondOnceAsync(NodeProcess node, DateTimeOffset from, DateTimeOffset to)
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
