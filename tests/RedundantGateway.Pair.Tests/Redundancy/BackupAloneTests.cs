using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>Scenario 4: a backup started alone goes active after its join wait time; the master started later joins it and takes over.</summary>
public sealed class BackupAloneTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task A_lone_backup_goes_active_after_the_join_wait_and_the_later_master_takes_over() => Scenario(async () =>
    {
        var joinWait = TimeSpan.FromSeconds(3);
        var (masterSpec, backupSpec) = PairSpecs(joinWaitTime: joinWait);
        var backup = StartNode(backupSpec);

        var alone = await UntilStatusAsync(backup, s => s.IsActive, "the lone backup active after its join wait time");
        Log($"lone backup: {alone}");
        Assert.False(alone.PeerConnected);
        var events = (await backup.Api!.GetEventsAsync())!.Reverse().ToList();
        var started = events.First(e => e.Kind == "started");
        var activated = events.First(e => e.Level == "active");
        var waited = activated.Time - started.Time;
        Log($"went active {waited.TotalMilliseconds:0} ms after its start event: {activated}");
        Assert.True(waited >= joinWait - TimeSpan.FromMilliseconds(50), $"active after {waited.TotalMilliseconds:0} ms, before the join wait time {joinWait}");

        var master = StartNode(masterSpec);
        var (m, b) = await UntilPairSettledAsync(master, backup, "master", "one cluster with the master active and the backup cold");
        Log($"after the master joined: {m}; {b}");
        await LogEventsAsync(backup);
    });
}
