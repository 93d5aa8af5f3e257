using System.Diagnostics;
using System.Globalization;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.History;

/// <summary>
/// The partial backup history level on real processes (issue 12): both nodes run the demo (every demo tag logged
/// once a second) with <c>backup-history-level = partial</c> and write one history database. The nodes' working
/// directory is the test's folder (<see cref="PairTest.StartNode"/>), so each scenario names the database explicitly
/// (<see cref="StoreHocon"/>): one SQLite file in that folder, or one PostgreSQL database.
/// </summary>
public abstract class PartialHistoryPairTest(ITestOutputHelper output) : PairTest(output)
{
    /// <summary>The demo's 1 s ramp (any demo tag is logged every second).</summary>
    protected const string DemoTag = "projects/demo/tags/line1/level";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    /// <summary>The history database keys both nodes get (inside redundant-gateway { }).</summary>
    protected abstract Task<string> StoreHocon();

    /// <summary>Where the nodes' data dirs go (master and backup below it); null: the test's folder itself.</summary>
    protected virtual string? DataRoot => null;

    private async Task<(NodeSpec Master, NodeSpec Backup)> Specs(bool viaProxies)
    {
        var (master, backup) = PairSpecs(viaProxies: viaProxies, dataRoot: DataRoot);
        var extra = $"""
              demo.enabled = on
              redundancy.backup-history-level = partial
              {await StoreHocon()}
            """;
        return (master with { Extra = extra }, backup with { Extra = extra });
    }

    /// <summary>kill -9 of the master for 20 s, then started again: every second of the window is in the database once.</summary>
    protected Task MasterKilledScenario() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = await Specs(viaProxies: false);
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active", TimeSpan.FromSeconds(60));
        await UntilMasterLogsAsync(master);
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(8));

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        var killedAt = DateTimeOffset.UtcNow;
        Log("master killed (-9)");
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        await Task.Delay(Outage - (DateTimeOffset.UtcNow - killedAt));
        master = StartNode(masterSpec);
        var restartedAt = DateTimeOffset.UtcNow;
        await UntilPairSettledAsync(master, backup, "master", "the restarted master active again, the backup cold", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(8));
        var to = DateTimeOffset.UtcNow.AddSeconds(-2);

        var reconciled = await UntilReconciledAsync(backup);
        Log($"backup: {reconciled.Reason}");
        // Everything of the window written: the backup's cache forwarded what the master missed.
        var samples = await UntilCompleteAsync(master, from, to);
        AssertOncePerSecond(samples, from, to);
        var outage = samples.Where(s => Time(s) > killedAt.AddSeconds(5) && Time(s) < restartedAt).ToList();
        Assert.True(outage.Count >= 10, $"only {outage.Count} samples between the kill and the restart");
        Assert.All(outage, s => Assert.Equal("backup", s.Node));
        Assert.Contains(samples, s => s.Node == "master" && Time(s) > restartedAt);
        Log($"{samples.Count} samples of {DemoTag} over {(to - from).TotalSeconds:0} s: {samples.Count(s => s.Node == "backup")} the backup's, the rest the master's");
    });

    /// <summary>The node link cut for 20 s (both active), healed: the master's samples of the window stay, the backup's go.</summary>
    protected Task LinkCutScenario() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = await Specs(viaProxies: true);
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed through the proxies with the master active", TimeSpan.FromSeconds(60));
        await UntilMasterLogsAsync(master);
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(4));

        foreach (var proxy in Proxies) proxy.Cut();
        var cutAt = Stopwatch.StartNew();
        Log("link cut");
        await UntilAsync(async () =>
        {
            var m = await master.Api!.GetStatusAsync();
            var b = await backup.Api!.GetStatusAsync();
            return m is { IsActive: true } && b is { IsActive: true };
        }, "both nodes active while the link is cut");
        await Task.Delay(TimeSpan.FromSeconds(20) - cutAt.Elapsed);
        foreach (var proxy in Proxies) proxy.Heal();
        Log("link healed");
        await UntilPairSettledAsync(master, backup, "master", "the master active, the backup cold after healing", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(4));
        var to = DateTimeOffset.UtcNow.AddSeconds(-2);

        var reconciled = await UntilReconciledAsync(backup);
        Log($"backup: {reconciled.Reason}");
        Assert.Contains(" 0 samples forwarded", reconciled.Reason);
        Assert.DoesNotContain(" 0 dropped", reconciled.Reason);
        var samples = await UntilCompleteAsync(master, from, to);
        AssertOncePerSecond(samples, from, to);
        Assert.All(samples, s => Assert.Equal("master", s.Node));
        Log($"{samples.Count} samples of {DemoTag}, all the master's");
    });

    /// <summary>The demo is loaded a moment after the pair forms: the window starts once the master's samples are stored.</summary>
    private Task UntilMasterLogsAsync(NodeProcess master) =>
        UntilAsync(async () => (await Samples(master, DateTimeOffset.UtcNow.AddSeconds(-10), DateTimeOffset.UtcNow)).Count >= 2,
            "the master's demo history in the database", TimeSpan.FromSeconds(30));

    private async Task<RedundancyEventInfo> UntilReconciledAsync(NodeProcess backup)
    {
        RedundancyEventInfo? seen = null;
        await UntilAsync(async () =>
        {
            seen = (await backup.Api!.GetEventsAsync())?.FirstOrDefault(e => e.Kind == "history-reconciled");
            return seen is not null;
        }, "the backup reconciled its cached history with the master's ledger", TimeSpan.FromSeconds(30));
        return seen!;
    }

    /// <summary>Waits until the window's history has no gap over 3 s (forwarding takes a moment); returns it.</summary>
    private async Task<IReadOnlyList<HistoryPoint>> UntilCompleteAsync(NodeProcess node, DateTimeOffset from, DateTimeOffset to)
    {
        IReadOnlyList<HistoryPoint> samples = [];
        await UntilAsync(async () =>
        {
            samples = await Samples(node, from, to);
            return samples.Count > 0 && LongestGap(samples, from, to) <= TimeSpan.FromSeconds(3);
        }, $"{DemoTag}'s history from {from:O} to {to:O} without a gap over 3 s", TimeSpan.FromSeconds(30));
        return samples;
    }

    private static async Task<IReadOnlyList<HistoryPoint>> Samples(NodeProcess node, DateTimeOffset from, DateTimeOffset to)
    {
        try { return (await node.Api!.Client.GetHistoryAsync(DemoTag, from, to)).Samples; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or GatewayException) { return []; }
    }

    private void AssertOncePerSecond(IReadOnlyList<HistoryPoint> samples, DateTimeOffset from, DateTimeOffset to)
    {
        var times = samples.Select(Time).ToList();
        Assert.Equal(times.Count, times.Distinct().Count());
        // A 1 s periodic tag: one sample per second of the window, never two in the same second.
        var seconds = times.GroupBy(t => t.ToUnixTimeSeconds()).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(seconds.Count == 0, $"two samples within the same second at {string.Join(", ", seconds)}");
        var gap = LongestGap(samples, from, to);
        Assert.True(gap <= TimeSpan.FromSeconds(3), $"a gap of {gap.TotalSeconds:0.0} s in the window");
        Assert.True(samples.Count >= (to - from).TotalSeconds - 4, $"{samples.Count} samples over {(to - from).TotalSeconds:0} s");
    }

    private static TimeSpan LongestGap(IReadOnlyList<HistoryPoint> samples, DateTimeOffset from, DateTimeOffset to)
    {
        var times = samples.Select(Time).Order().ToList();
        var edges = times.Prepend(from).Append(to).ToList();
        return edges.Zip(edges.Skip(1), (a, b) => b - a).Max();
    }

    private static DateTimeOffset Time(HistoryPoint sample) =>
        DateTimeOffset.Parse(sample.T, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
