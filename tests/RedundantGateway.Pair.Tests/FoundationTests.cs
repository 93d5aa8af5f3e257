using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>A pair forms: master active, backup cold standby, both connected; SIGTERM stops both cleanly.</summary>
public sealed class FoundationTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Pair_forms_with_master_active_and_backup_cold_then_both_stop_cleanly() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);

        await AssertFormedAsync(master, backup);
        await StopBothAsync(master, backup);
    });

    [Fact]
    public Task Pair_forms_when_the_backup_starts_5s_before_the_master() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var backup = StartNode(backupSpec);
        await Task.Delay(TimeSpan.FromSeconds(5)); // input: the start offset, not a wait for an outcome
        var master = StartNode(masterSpec);

        await AssertFormedAsync(master, backup);
        await StopBothAsync(master, backup);
    });

    private async Task AssertFormedAsync(NodeProcess master, NodeProcess backup)
    {
        var took = await UntilAsync(async () =>
        {
            var m = await master.Api!.GetStatusAsync();
            var b = await backup.Api!.GetStatusAsync();
            return m is { PeerConnected: true, Role: "master", ActivityLevel: "active" }
                   && b is { PeerConnected: true, Role: "backup", ActivityLevel: "cold" };
        }, "the master reports active and the backup cold, both with peerConnected");
        Log($"pair formed {took.TotalSeconds:0.0} s after the poll began");

        var masterInfo = await master.Api!.GetGwInfoAsync();
        var backupInfo = await backup.Api!.GetGwInfoAsync();
        Assert.NotNull(masterInfo);
        Assert.NotNull(backupInfo);
        Assert.Equal("Master", masterInfo["RedundancyStatus"]);
        Assert.Equal("Active", masterInfo["RedundantNodeActiveStatus"]);
        Assert.Equal("Backup", backupInfo["RedundancyStatus"]);
        Assert.Equal("Cold", backupInfo["RedundantNodeActiveStatus"]);
    }

    private async Task StopBothAsync(NodeProcess master, NodeProcess backup)
    {
        master.Terminate();
        backup.Terminate();
        var codes = await Task.WhenAll(master.WaitForExitAsync(Deadline), backup.WaitForExitAsync(Deadline));
        Log($"exit codes: master {codes[0]}, backup {codes[1]}");
        AssertExitedCleanly(master, codes[0]);
        AssertExitedCleanly(backup, codes[1]);
    }
}
