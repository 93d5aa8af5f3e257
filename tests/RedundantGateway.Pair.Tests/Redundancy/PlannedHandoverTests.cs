using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>Scenario 6: SIGTERM of the active master hands over to the backup before the master exits.</summary>
public sealed class PlannedHandoverTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Sigterm_of_the_active_master_hands_over_to_the_backup() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (formed, _) = await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        var sigtermAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        master.Terminate();
        var tookOver = await UntilStatusAsync(backup, s => s.IsActive, "the backup active after SIGTERM of the master",
            interval: TimeSpan.FromMilliseconds(20));
        Log($"measured: SIGTERM of the master -> the backup reports active after {clock.Elapsed.TotalMilliseconds:0} ms (epoch {formed.Epoch} -> {tookOver.Epoch})");

        var exit = await master.WaitForExitAsync(Deadline);
        Log($"the master exited with {exit} {clock.Elapsed.TotalMilliseconds:0} ms after SIGTERM");
        AssertExitedCleanly(master, exit);

        var exitedAt = clock.Elapsed;
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after the master exited");
        Log($"the backup is active {(clock.Elapsed - exitedAt).TotalMilliseconds:0} ms after the master's exit was seen");

        await LogEventsAsync(backup);
        var events = (await backup.Api!.GetEventsAsync())!.Reverse().Where(e => e.Time >= sigtermAt).ToList();
        var entered = events.FirstOrDefault(e => e.Level == "active");
        Assert.True(events.Any(e => e.Kind == "handover"),
            $"the backup's events since SIGTERM show no 'handover'; it became active by '{entered?.Kind}': {entered?.Reason}");
        // Once it took over, the backup stays active: nothing after that takes it back to standby.
        var left = events.SkipWhile(e => e.Level != "active").FirstOrDefault(e => e.Level != "active");
        Assert.True(left is null, $"the backup left active again while the master was stopping: {left}");
    });

    /// <summary>Issue 10: a clean stop of both nodes at once (Ctrl+C of the pair) says so plainly, with no exception name.</summary>
    [Fact]
    public Task Stopping_both_nodes_at_once_says_so_plainly() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        backup.Terminate();
        master.Terminate();
        AssertExitedCleanly(master, await master.WaitForExitAsync(Deadline));
        AssertExitedCleanly(backup, await backup.WaitForExitAsync(Deadline));

        var handover = master.Lines.Select(l => l.Text).Where(t => t.Contains("Redundancy handover")).ToList();
        foreach (var line in handover) Log($"master: {line}");
        Assert.DoesNotContain(handover, t => t.Contains("Exception"));
        // Either the backup took over before it stopped too, or it declined because it was stopping.
        Assert.Contains(handover, t => t.Contains("handed over to backup") || t.Contains("declined: it is stopping too (both nodes stop)"));
    });
}
