using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The Akka.Hosting seam: a host that only calls WithRedundantGateway (tests/RedundantGateway.EmbeddedHost, a
/// separate process) pairs with a stock node and takes over when that master is killed.
/// </summary>
public sealed class EmbeddedHostTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task An_embedded_backup_pairs_with_a_stock_master_and_takes_over_after_kill_9() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("automatic");
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec, NodeProcess.EmbeddedHostDll);
        await UntilPairSettledAsync(master, backup, "master", "the stock master active and the embedded backup cold, connected");

        var clock = Stopwatch.StartNew();
        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        var status = await UntilStatusAsync(backup, s => s.IsActive, "the embedded backup active after kill -9 of the master");
        Log($"embedded backup active {clock.Elapsed.TotalMilliseconds:0} ms after kill -9 of the master (epoch {status.Epoch})");
        Assert.Equal("backup", status.Role);
        Assert.Contains(status.Subsystems!, s => s.Name == "embedded" && s.Level == "active");
    });
}
