using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>Scenario 2: kill -9 of the backup changes nothing on the active master; the restarted backup rejoins as cold standby.</summary>
public sealed class BackupCrashTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task The_master_stays_active_with_the_same_epoch_and_the_restarted_backup_rejoins_cold() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var (formed, _) = await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");
        var epoch = formed.Epoch;
        Log($"pair formed, master epoch {epoch}");

        backup.KillHard();
        await backup.WaitForExitAsync(Deadline);
        var alone = await UntilStatusAsync(master, s => s.Peer?.State == "down" && !s.PeerConnected,
            "the master judged the killed backup down");
        Log($"master after the backup's death: {alone}");
        Assert.True(alone.IsActive, $"the master is not active any more: {alone}");
        Assert.Equal(epoch, alone.Epoch);

        var restarted = StartNode(backupSpec);
        var (m, b) = await UntilPairSettledAsync(master, restarted, "master", "the restarted backup rejoined as cold standby");
        Log($"after the backup's return: {m}; {b}");
        Assert.Equal(epoch, m.Epoch);
        var masterEvents = await master.Api!.GetEventsAsync();
        Assert.NotNull(masterEvents);
        // Since it first became active the master never left active.
        var left = masterEvents.Reverse().SkipWhile(e => e.Level != "active").FirstOrDefault(e => e.Level != "active");
        Assert.True(left is null, $"the master left active: {left}");
        await LogEventsAsync(master);
    });
}
