using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>Scenario 5: master and backup started at the same instant, 20 times: every run ends in one cluster with exactly one active node.</summary>
public sealed class SimultaneousStartTests(ITestOutputHelper output) : PairTest(output)
{
    private const int Runs = 20;

    [Fact]
    public Task Twenty_simultaneous_starts_each_end_with_exactly_one_active_node() => Scenario(async () =>
    {
        var total = Stopwatch.StartNew();
        var results = new List<string>();
        for (var run = 1; run <= Runs; run++)
        {
            // Fresh ports and a fresh data dir per run.
            var (masterSpec, backupSpec) = PairSpecs(dataRoot: Path.Combine(TestDir, $"run{run}"));
            var clock = Stopwatch.StartNew();
            var master = StartNode(masterSpec);
            var backup = StartNode(backupSpec);

            NodeStatus? m = null, b = null;
            await UntilAsync(async () =>
            {
                var statuses = await Task.WhenAll(master.Api!.GetStatusAsync(), backup.Api!.GetStatusAsync());
                (m, b) = (statuses[0], statuses[1]);
                return m is { PeerConnected: true } && b is { PeerConnected: true } && (m.IsActive ? 1 : 0) + (b.IsActive ? 1 : 0) == 1;
            }, $"run {run}: one cluster (both peerConnected) with exactly one active node");
            var active = m!.IsActive ? m : b!;
            results.Add($"run {run}: {active.NodeName} active after {clock.Elapsed.TotalSeconds:0.0} s (epoch {active.Epoch}, actor system rebuilds {m.Rebuilds}/{b!.Rebuilds})");
            Log(results[^1]);

            master.KillHard();
            backup.KillHard();
            await Task.WhenAll(master.WaitForExitAsync(Deadline), backup.WaitForExitAsync(Deadline));
        }
        Log($"{Runs} runs in {total.Elapsed.TotalSeconds:0} s; the backup was the active one in {results.Count(r => r.Contains(": backup active"))} of them");
    });
}
