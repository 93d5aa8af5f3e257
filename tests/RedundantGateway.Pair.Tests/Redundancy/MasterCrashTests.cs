using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Scenario 1: kill -9 of the active master: the backup takes over; the master restarted with the same
/// data dir and ports takes over again (automatic) or stands by until an operator requests failover (manual).
/// </summary>
public sealed class MasterCrashTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Automatic_mode_the_restarted_master_becomes_active_again() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("automatic");
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        await CrashMasterAndWaitForBackupAsync(master, backup);

        var restarted = StartNode(masterSpec);
        var (m, b) = await UntilPairSettledAsync(restarted, backup, "master",
            "the restarted master active again and the backup back to cold");
        Log($"after fail-back: {m}; {b}");
        await LogEventsAsync(backup);
    });

    [Fact]
    public Task Manual_mode_the_backup_stays_active_until_an_operator_requests_failover() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("manual");
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        await CrashMasterAndWaitForBackupAsync(master, backup);

        // Alone, the backup refuses a failover: nobody to hand over to.
        var (alone, aloneBody) = await backup.Api!.PostFailoverAsync();
        Log($"failover requested while the master is down: {alone} {aloneBody}");
        Assert.Equal(409, alone);

        var restarted = StartNode(masterSpec);
        // The designator decided (the restarted master left 'undecided' for standby): the backup stays active.
        var (m, b) = await UntilPairSettledAsync(restarted, backup, "backup",
            "the restarted master standing by (cold) while the backup stays active, both connected");
        Log($"after the master's return: {m}; {b}");
        var masterEvents = await restarted.Api!.GetEventsAsync();
        Assert.NotNull(masterEvents);
        Assert.DoesNotContain(masterEvents, e => e.Level == "active");

        var (code, body) = await restarted.Api!.PostFailoverAsync();
        Log($"failover requested on the master: {code} {body}");
        Assert.Equal(200, code);
        Assert.Contains("\"accepted\":true", body);
        (m, b) = await UntilPairSettledAsync(restarted, backup, "master", "the master active and the backup cold after the failover request");
        Log($"after the failover request on the master: {m}; {b}");

    });

    private async Task CrashMasterAndWaitForBackupAsync(NodeProcess master, NodeProcess backup)
    {
        var clock = Stopwatch.StartNew();
        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        var status = await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        Log($"backup active {clock.Elapsed.TotalMilliseconds:0} ms after kill -9 of the master (epoch {status.Epoch})");
    }
}
