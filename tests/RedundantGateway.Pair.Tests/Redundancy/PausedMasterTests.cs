using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 10 item 8: a master stopped with SIGSTOP until the backup took over, then continued, must never report
/// active next to the backup: it drops to undecided before it answers anything, and the pair decides again.
/// </summary>
public sealed class PausedMasterTests(ITestOutputHelper output) : PairTest(output)
{
    private static readonly TimeSpan PausedAfterTakeover = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SampledFor = TimeSpan.FromSeconds(8);

    private sealed record Sample(TimeSpan At, string? Master, string? Backup);

    [Fact]
    public Task A_paused_master_never_reports_active_next_to_the_backup_after_it_continues() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("automatic");
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        master.Pause();
        try
        {
            await UntilStatusAsync(backup, s => s.IsActive, "the backup active while the master is paused");
            // The pause itself is the scenario (as in the black-box check): the master stays stopped a while longer.
            await Task.Delay(PausedAfterTakeover);
        }
        finally
        {
            master.Resume();
        }
        Log("master continued (SIGCONT)");

        // /system/gwinfo of the master, then of the backup, every 5 ms: in this order a sample with both active is a
        // real overlap (the master was active when asked, and still was when the backup answered after it).
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < SampledFor)
        {
            var m = await master.Api!.GetGwInfoAsync();
            var b = await backup.Api!.GetGwInfoAsync();
            samples.Add(new Sample(clock.Elapsed, m?.GetValueOrDefault("RedundantNodeActiveStatus"), b?.GetValueOrDefault("RedundantNodeActiveStatus")));
            await Task.Delay(5);
        }
        var both = samples.Where(s => s is { Master: "Active", Backup: "Active" }).ToList();
        Log($"{samples.Count} samples over {clock.Elapsed.TotalMilliseconds:0} ms; with both active: {both.Count}");
        foreach (var change in samples.Where((s, i) => i == 0 || s.Master != samples[i - 1].Master || s.Backup != samples[i - 1].Backup))
            Output.WriteLine($"    +{change.At.TotalMilliseconds:0} ms: master {change.Master ?? "-"}, backup {change.Backup ?? "-"}");
        await LogEventsAsync(master);
        Assert.True(both.Count == 0, $"{both.Count} samples showed both nodes active, first at +{both.FirstOrDefault()?.At.TotalMilliseconds:0} ms after SIGCONT");

        // The master knew it had been paused, and the pair settles again with one active node.
        var events = await master.Api!.GetEventsAsync();
        Assert.Contains(events!, e => e.Kind == "pause-detected");
        await UntilPairSettledAsync(master, backup, null, "the pair settled again after the pause");
    });
}
