using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Scenario 3: the node link is cut (every byte crosses a <see cref="LinkProxy"/>): both nodes go active;
/// after healing exactly one stays active, without restarting either process.
/// </summary>
public sealed class PartitionTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Automatic_mode_keeps_the_master_after_a_healed_partition() => PartitionScenario("automatic");

    [Fact]
    public Task Manual_mode_keeps_the_node_active_before_the_partition() => PartitionScenario("manual");

    [Fact]
    public Task Manual_mode_keeps_the_backup_when_it_was_the_active_node_before_the_partition() =>
        PartitionScenario("manual", backupActiveBeforeCut: true);

    [Fact]
    public Task Automatic_mode_keeps_the_master_after_a_partition_long_enough_for_the_cluster_to_mark_the_peer_unreachable() =>
        PartitionScenario("automatic", untilClusterUnreachable: true);

    private Task PartitionScenario(string mode, bool untilClusterUnreachable = false, bool backupActiveBeforeCut = false) => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs(mode, viaProxies: true);
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (before, _) = await UntilPairSettledAsync(master, backup, "master", "the pair formed through the proxies with the master active");
        var proxies = Proxies;
        // Each node dials the other's proxy; Akka may use a single connection for both directions, so one proxy may carry it all.
        Assert.True(proxies.Sum(p => p.ForwardedBytes) > 0, "nothing crossed the proxies: the pair did not form through them");
        Log($"pair formed through the proxies ({string.Join(", ", proxies.Select(p => $"{p.Port}: {p.Connections} connections, {p.ForwardedBytes} bytes"))}); master epoch {before.Epoch}");

        var activeBefore = "master";
        if (backupActiveBeforeCut)
        {
            var (code, body) = await master.Api!.PostFailoverAsync();
            Log($"failover requested before the cut: {code} {body}");
            Assert.Equal(200, code);
            await UntilPairSettledAsync(master, backup, "backup", "the backup active and the master cold before the cut");
            activeBefore = "backup";
        }

        foreach (var proxy in proxies) proxy.Cut();
        var clock = Stopwatch.StartNew();
        var cutAt = DateTimeOffset.UtcNow;
        Log("link cut");
        await UntilAsync(async () =>
        {
            var m = await master.Api!.GetStatusAsync();
            var b = await backup.Api!.GetStatusAsync();
            return m is { IsActive: true } && b is { IsActive: true };
        }, "both nodes active while the link is cut");
        Log($"both active {clock.Elapsed.TotalMilliseconds:0} ms after the cut");
        if (untilClusterUnreachable)
        {
            // Longer than the pair's own failover timeout: until Akka's cluster failure detector (3 s pause) gave up too.
            await UntilAsync(() => Task.FromResult(new[] { master, backup }.All(n => n.Lines.Any(l => l.Time > cutAt && l.Text.Contains("UNREACHABLE")))),
                "both nodes' clusters marked the peer UNREACHABLE");
            Log($"both clusters marked the peer unreachable {clock.Elapsed.TotalMilliseconds:0} ms after the cut");
        }

        foreach (var proxy in proxies) proxy.Heal();
        clock.Restart();
        Log("link healed");
        // Automatic recovery keeps the master; manual keeps the node that was active before the cut.
        var expected = mode == "automatic" ? "master" : activeBefore;
        var (masterAfter, backupAfter) = await UntilPairSettledAsync(master, backup, expected,
            $"exactly one node ({expected}) active, the other cold, both connected, after healing", TimeSpan.FromSeconds(10));
        Log($"settled {clock.Elapsed.TotalMilliseconds:0} ms after healing: {masterAfter}; {backupAfter}");

        Assert.False(master.HasExited, "the master process exited");
        Assert.False(backup.HasExited, "the backup process exited");
        Assert.Equal(1, ProcessCount("master"));
        Assert.Equal(1, ProcessCount("backup"));
        Log($"rebuilds of the actor systems: master {masterAfter.Rebuilds}, backup {backupAfter.Rebuilds}");
        await LogEventsAsync(master);
        await LogEventsAsync(backup);
    });
}
