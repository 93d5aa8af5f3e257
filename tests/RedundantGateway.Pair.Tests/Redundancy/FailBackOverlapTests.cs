using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>Scenario 7: automatic fail-back to a restarted master never has both nodes active at once.</summary>
public sealed class FailBackOverlapTests(ITestOutputHelper output) : PairTest(output)
{
    private sealed record Sample(TimeSpan At, string? Master, string? Backup);

    [Fact]
    public Task Fail_back_to_the_restarted_master_never_overlaps() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("automatic");
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");

        var restarted = StartNode(masterSpec);
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        var stalledAtStart = StallClock.Touch();
        while (true)
        {
            // The master first, then the backup, about every 10 ms. In this order a sample with both active is a real
            // overlap: the master was already active when asked, and still is when the backup answers active after it
            // (asked at once, a late answer from the master could show a switch that happened after the backup's).
            var masterStatus = await restarted.Api!.GetStatusAsync();
            var backupStatus = await backup.Api!.GetStatusAsync();
            var sample = new Sample(clock.Elapsed, masterStatus?.ActivityLevel, backupStatus?.ActivityLevel);
            samples.Add(sample);
            if (sample is { Master: "active" } && sample.Backup is not null && sample.Backup != "active") break;
            if (clock.Elapsed - (StallClock.Stalled - stalledAtStart) > Deadline)
                throw new PollTimeoutException($"the restarted master did not become active with the backup standing by within {Deadline}; " +
                                               $"last sample {sample}\n{await DescribeNodesAsync()}");
            await Task.Delay(10);
        }
        var overlaps = samples.Where(s => s is { Master: "active", Backup: "active" }).ToList();
        Log($"{samples.Count} samples over {clock.Elapsed.TotalMilliseconds:0} ms; samples with both active: {overlaps.Count}");
        foreach (var change in samples.Where((s, i) => i == 0 || s.Master != samples[i - 1].Master || s.Backup != samples[i - 1].Backup))
            Output.WriteLine($"    +{change.At.TotalMilliseconds:0} ms: master {change.Master ?? "-"}, backup {change.Backup ?? "-"}");
        Assert.True(overlaps.Count == 0, $"{overlaps.Count} samples saw both nodes active, first at +{overlaps.FirstOrDefault()?.At.TotalMilliseconds:0} ms");

        // The events logs agree: the backup left active before the master entered it.
        var backupEvents = (await backup.Api!.GetEventsAsync())!.Reverse().ToList();
        var masterEvents = (await restarted.Api!.GetEventsAsync())!.Reverse().ToList();
        var backupLeft = backupEvents.SkipWhile(e => e.Level != "active").First(e => e.Level != "active");
        var masterEntered = masterEvents.First(e => e.Level == "active");
        Log($"backup left active:   {backupLeft}");
        Log($"master entered active: {masterEntered}");
        var gap = masterEntered.Time - backupLeft.Time;
        Log($"measured: gap between the backup leaving active and the master entering it: {gap.TotalMilliseconds:0.0} ms");
        Assert.True(backupLeft.Time < masterEntered.Time, $"the master entered active {-gap.TotalMilliseconds:0.0} ms before the backup left it");
    });
}
