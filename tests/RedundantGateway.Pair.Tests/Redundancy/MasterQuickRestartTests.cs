using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// A master killed (-9) and restarted at once (as a supervisor would), several times: every run must end in one
/// cluster with the master active (a quick restart once left Akka.Remote dropping what the backup sent).
/// </summary>
public sealed class MasterQuickRestartTests(ITestOutputHelper output) : PairTest(output)
{
    private const int Runs = 5;

    [Fact]
    public Task A_master_restarted_right_after_kill_9_always_rejoins_the_backup() => Scenario(async () =>
    {
        for (var run = 1; run <= Runs; run++)
        {
            var (masterSpec, backupSpec) = PairSpecs(dataRoot: Path.Combine(TestDir, $"run{run}"));
            var master = StartNode(masterSpec);
            var backup = StartNode(backupSpec);
            await UntilPairSettledAsync(master, backup, "master", $"run {run}: the pair formed");

            master.KillHard();
            await master.WaitForExitAsync(Deadline);
            var restarted = StartNode(masterSpec);
            var clock = Stopwatch.StartNew();
            await UntilPairSettledAsync(restarted, backup, "master", $"run {run}: the restarted master active again in one cluster with the backup cold");
            Log($"run {run}: settled {clock.Elapsed.TotalSeconds:0.0} s after the restart");
            KillAllHard();
        }
    });
}
