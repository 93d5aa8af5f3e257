using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 10, item 1: a master behind its backup never overwrites it. A master restored to an older copy of
/// its store, or started on an empty one, takes the backup's configuration (a transfer in the other
/// direction) and then serves edits again; with --start-over it keeps its own and the backup keeps a copy.
/// </summary>
public sealed class OlderMasterStoreTests(ITestOutputHelper output) : ConfigReplicationTestBase(output)
{
    private static string Edit(int i) => $$"""{"n":{{i}}}""";

    private async Task PutEditsAsync(NodeProcess master, int from, int to)
    {
        for (var i = from; i <= to; i++) Assert.Equal(i, await PutAsync(master, $"bars/old/e{i}", Edit(i)));
    }

    /// <summary>
    /// The safe-operations check, part 3, on free ports: 10 edits, SIGTERM of the master, a copy of its data
    /// dir, restart, 10 more edits that reach the backup, kill -9, the old data dir back, start: the backup
    /// keeps revision 20, the master takes it (config-adopted) and serves edit 21, which reaches the backup.
    /// </summary>
    [Fact]
    public Task A_master_restored_to_an_older_store_takes_the_backups_newer_configuration() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(master, backup, "the pair in sync", StartupTimeout);
        await PutEditsAsync(master, 1, 10);
        await UntilInSyncAsync(master, backup, "edits 1 to 10 on the backup");

        master.Terminate();
        AssertExitedCleanly(master, await master.WaitForExitAsync(Deadline));
        var oldCopy = Path.Combine(TestDir, "master-old");
        CopyDirectory(masterSpec.DataDir, oldCopy);

        var master2 = Start(masterSpec);
        await UntilInSyncAsync(master2, backup, "the pair in sync after the master's restart", StartupTimeout);
        await PutEditsAsync(master2, 11, 20);
        var (newer, _) = await UntilInSyncAsync(master2, backup, "edits 11 to 20 on the backup");
        Assert.Equal(20, newer.Config.Revision);

        master2.KillHard();
        await master2.WaitForExitAsync(Deadline);
        Directory.Delete(masterSpec.DataDir, recursive: true);
        CopyDirectory(oldCopy, masterSpec.DataDir);
        var fullTransfersBefore = (await EventsOfKindAsync(backup, "config-full-transfer")).Count;

        var master3 = Start(masterSpec);
        var adopted = Assert.Single(await UntilEventsAsync(master3, "config-adopted", 1, StartupTimeout));
        Log($"master#3: {adopted}");
        var (m, b) = await UntilInSyncAsync(master3, backup, "the restored master holding the backup's revision 20");
        AssertSameConfig(newer.Config, b.Config, "the backup after the master came back with an older store");
        AssertSameConfig(newer.Config, m.Config, "the restored master after taking the backup's configuration");
        Assert.Equal(Edit(15), b.Config.Resources["bars/old/e15"]);
        Assert.Equal(Edit(20), b.Config.Resources["bars/old/e20"]);
        Assert.Null(m.Sync.Status.EditsRefused);
        Assert.True((await EventsOfKindAsync(backup, "config-full-transfer")).Count == fullTransfersBefore, "the backup was sent a full transfer");

        // The master serves edits again, from revision 21, and they reach the backup.
        Assert.Equal(21, await PutAsync(master3, "bars/old/e21", Edit(21)));
        var (_, after) = await UntilInSyncAsync(master3, backup, "edit 21 on the backup");
        Assert.Equal(21, after.Config.Revision);
        Assert.Equal(Edit(20), after.Config.Resources["bars/old/e20"]);
    });

    /// <summary>
    /// A master whose data dir is gone starts on an empty store: instead of a new system identity that wipes
    /// the backup, it takes the backup's configuration (same identity and revision) and serves edits on it.
    /// </summary>
    [Fact]
    public Task A_master_started_on_an_empty_store_takes_the_backups_configuration() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(master, backup, "the pair in sync", StartupTimeout);
        await PutEditsAsync(master, 1, 6);
        var (before, _) = await UntilInSyncAsync(master, backup, "edits 1 to 6 on the backup");

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        Directory.Delete(masterSpec.DataDir, recursive: true);

        var empty = Start(masterSpec);
        Assert.Single(await UntilEventsAsync(empty, "config-adopted", 1, StartupTimeout));
        var (m, b) = await UntilInSyncAsync(empty, backup, "the emptied master holding the backup's configuration");
        AssertSameConfig(before.Config, b.Config, "the backup after the master started on an empty store");
        AssertSameConfig(before.Config, m.Config, "the emptied master after taking the backup's configuration");
        Assert.Empty(await EventsOfKindAsync(backup, "config-saved"));

        Assert.Equal(7, await PutAsync(empty, "bars/old/e7", Edit(7)));
        var (_, after) = await UntilInSyncAsync(empty, backup, "edit 7 on the backup");
        Assert.Equal(before.Config.Identity, after.Config.Identity);
        Assert.Equal(Edit(6), after.Config.Resources["bars/old/e6"]);
    });

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
