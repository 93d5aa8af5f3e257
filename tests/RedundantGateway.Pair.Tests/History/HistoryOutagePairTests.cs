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
public sealed class HistoryOutagePairTests(ITestOutputHelper output) : HistoryOutagePairTest(output)
{
    private string DbFolder => Path.Combine(TestDir, "historydb");
    private string DbFolderAway => Path.Combine(TestDir, "historydb-away");

    protected override Task<string> StoreHocon()
    {
        Directory.CreateDirectory(DbFolder);
        return Task.FromResult($"history.sqlite-path = \"{Path.Combine(DbFolder, "history.db").Replace("\\", "/")}\"");
    }

    protected override Task DatabaseAwayAsync()
    {
        Directory.Move(DbFolder, DbFolderAway);
        Log("database folder renamed away");
        return Task.CompletedTask;
    }

    protected override Task DatabaseBackAsync()
    {
        Directory.Move(DbFolderAway, DbFolder);
        Log("database folder back");
        return Task.CompletedTask;
    }

    [Fact]
    public Task Database_unreachable_for_30_s_loses_nothing_and_the_backlog_drains() => DatabaseOutageScenario();

    [Fact]
    public Task Kill_9_of_the_active_node_with_a_full_cache_then_restart_drains_it_without_loss_or_duplicate() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = await HistorySpecsAsync();
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
        var (masterSpec, backupSpec) = await HistorySpecsAsync(viaProxies: true);
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
}
