using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>Scenarios that start their own nodes: initial transfer, catching up, identity, restarts, re-sync refused.</summary>
public sealed class ConfigReplicationScenarioTests(ITestOutputHelper output) : ConfigReplicationTestBase(output)
{
    /// <summary>
    /// Issue 4: 100 edits (puts, overwrites, deletes; the first 50 one by one while the backup joins, the
    /// last 50 from 5 concurrent clients) arrive on the backup in the master's revision order: after its
    /// first-contact full transfer ("replaced"), every later revision up to 100 once, in order,
    /// incrementally; both end with the same revision, digest and resources.
    /// </summary>
    [Fact]
    public Task Hundred_edits_on_the_master_arrive_on_the_backup_in_order_with_the_same_digest() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = Start(masterSpec);
        var backup = Start(backupSpec);

        // The first edit as soon as the master takes one: the backup's first-contact transfer falls somewhere in the first half.
        await WaitUntilAsync(async () => (await ConfigHttp.GetConfigAsync(master))?.Identity is not null, "the master's config store ready", StartupTimeout);
        var expected = new List<(long Revision, string Path, string Operation)>();
        var live = new List<string>();
        for (var i = 1; i <= 50; i++)
        {
            string path, operation;
            long revision;
            if (i % 9 == 0)
            {
                path = live[0];
                live.RemoveAt(0);
                operation = "delete";
                revision = await DeleteAsync(master, path);
            }
            else if (i % 13 == 0)
            {
                path = live[^1];
                operation = "put";
                revision = await PutAsync(master, path, $$"""{"n":{{i}},"overwritten":true}""");
            }
            else
            {
                path = $"tags/t{i:00}";
                live.Add(path);
                operation = "put";
                revision = await PutAsync(master, path, $$"""{"n":{{i}},"name":"tag {{i}}","scale":{{i * 0.25}},"on":{{(i % 2 == 0 ? "true" : "false")}},"limits":[{{i}},{{i * 2}}]}""");
            }
            Assert.True(revision == i, $"edit {i} ({operation} {path}) was given revision {revision}");
            expected.Add((revision, path, operation));
        }

        // The second half goes incrementally for sure (the backup has had its first transfer), and concurrently:
        // 5 clients, 10 edits each; the master orders them, the backup must apply them in the master's order.
        await WaitUntilAsync(async () => (await ConfigHttp.GetConfigAsync(backup))?.Identity is not null,
            "the backup's first-contact full transfer done", StartupTimeout);
        Log($"backup after the first 50 edits: {(await ConfigHttp.GetConfigAsync(backup))?.Summary}");
        var toDelete = live.Take(5).ToList();
        live.RemoveRange(0, 5);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(w => Task.Run(async () =>
        {
            var done = new List<(long Revision, string Path, string Operation)>();
            for (var j = 0; j < 10; j++)
            {
                var path = j switch { 4 => toDelete[w], 8 => $"tags/c{w}-7", _ => $"tags/c{w}-{j}" };
                var revision = j == 4
                    ? await DeleteAsync(master, path)
                    : await PutAsync(master, path, $$"""{"client":{{w}},"edit":{{j}},"text":"edit {{j}} of client {{w}}"}""");
                done.Add((revision, path, j == 4 ? "delete" : "put"));
            }
            return done;
        })));
        expected.AddRange(concurrent.SelectMany(c => c).OrderBy(e => e.Revision));
        live.AddRange(concurrent.SelectMany(c => c).Where(e => e.Operation == "put").Select(e => e.Path).Distinct());
        Assert.Equal(Enumerable.Range(1, 100).Select(r => (long)r), expected.Select(e => e.Revision));
        Log($"100 edits accepted by the master ({live.Count} resources remain)");

        var (m, b) = await UntilInSyncAsync(master, backup, "the backup at revision 100 with the master's digest");
        AssertSameConfig(m.Config, b.Config, "the backup after 100 edits");
        Assert.Equal(100, b.Config.Revision);
        Assert.Equal(live.Count, b.Config.Count);

        var masterChanges = await GetChangesOrFailAsync(master, after: 0);
        Assert.Equal(expected, masterChanges.Select(c => (c.Revision, c.Path, c.Operation)).ToList());

        var changes = await GetChangesOrFailAsync(backup, after: -1);
        Log($"backup changes: {changes.Count}, first {changes[0]}, max lag {changes.Where(c => c.Operation != "replaced").Select(c => c.LagMs).DefaultIfEmpty().Max():0.0} ms");
        for (var k = 1; k < changes.Count; k++)
            Assert.True(changes[k].Revision > changes[k - 1].Revision, $"backup change {k} ({changes[k]}) does not follow {changes[k - 1]}");
        // The backup starts without any configuration: its first change is the first-contact full transfer.
        var replaced = changes.Where(c => c.Operation == "replaced").ToList();
        var softRestarts = (await GetSyncOrFailAsync(backup)).NodeRebuilds;
        long transferredAt;
        if (softRestarts == 0)
        {
            Assert.True(replaced.Count == 1 && changes[0].Operation == "replaced",
                $"expected exactly one 'replaced' (the first-contact transfer) first, got: {string.Join("; ", replaced)}");
            transferredAt = changes[0].Revision;
            Assert.True(transferredAt <= 50, $"the first-contact transfer came at revision {transferredAt}, after edit 51 was made");
        }
        else
        {
            // A new actor system (a rebuild, e.g. after the pair first formed two clusters) starts the list of
            // changes afresh: the transfer may be missing from it, what follows must still be every revision in order.
            Log($"the backup's runtime soft-restarted {softRestarts} time(s): its list of changes starts at {changes[0]}");
            Assert.True(replaced.Count == 0 || replaced.Count == 1 && changes[0].Operation == "replaced",
                $"expected at most one 'replaced', first, got: {string.Join("; ", replaced)}");
            transferredAt = changes[0].Operation == "replaced" ? changes[0].Revision : changes[0].Revision - 1;
        }
        var incremental = changes.SkipWhile(c => c.Operation == "replaced").Select(c => (c.Revision, c.Path, c.Operation)).ToList();
        Assert.Equal(expected.Where(e => e.Revision > transferredAt).ToList(), incremental);
        Log($"first-contact transfer at revision {transferredAt}; revisions {transferredAt + 1}..100 applied one by one, in order");

        var full = await UntilEventsAsync(backup, "config-full-transfer", 1);
        Assert.Single(full);
        Assert.Contains("first contact", full[0].Reason ?? "");
        AssertTransfers(FreshNode, await GetSyncOrFailAsync(backup), added: 1, "the backup after 100 edits");
    });

    /// <summary>Issue 4: a backup that was stopped while more edits were made than the master's queue holds gets a full transfer.</summary>
    [Fact]
    public Task A_backup_too_far_behind_gets_a_full_transfer() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        masterSpec = masterSpec with { Extra = "redundancy.max-queued-updates = 20" };
        var master = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(master, backup, "the pair in sync", StartupTimeout);
        for (var i = 1; i <= 5; i++) await PutAsync(master, $"t2/early{i}", i.ToString());
        await UntilInSyncAsync(master, backup, "the first 5 edits on the backup");

        backup.Terminate();
        AssertExitedCleanly(backup, await backup.WaitForExitAsync(Deadline));
        for (var i = 1; i <= 30; i++) await PutAsync(master, $"t2/while-stopped{i % 17}", $$"""{"i":{{i}}}""");
        var masterSync = await GetSyncOrFailAsync(master);
        Log($"master after 30 edits without the backup: revision {masterSync.Revision}, queue {masterSync.QueueLength} from revision {masterSync.QueueOldestRevision}");
        Assert.Equal(20, masterSync.QueueLength);

        var restarted = Start(backupSpec);
        var full = await UntilEventsAsync(restarted, "config-full-transfer", 1, StartupTimeout);
        Log($"backup full transfers: {string.Join("; ", full)}");
        await AssertInSyncRightAfterTheTransferAsync(restarted, masterSync.Revision);
        var (m, b) = await UntilInSyncAsync(master, restarted, "the restarted backup in sync with the master");
        AssertSameConfig(m.Config, b.Config, "the restarted backup");
        var transfer = Assert.Single(full);
        Assert.Contains("too far behind", transfer.Reason ?? "");
        AssertLastFullTransfer(b.Sync, "too far behind", m.Config.Revision);
    });

    /// <summary>
    /// Issue 4, consistency check: a master restored from an older copy of its store and edited again reaches the
    /// backup's revision with other content; the backup's pull carries its digest, so the master sees the
    /// difference. Since issue 10 it does not overwrite the backup's acknowledged edits: it refuses edits and
    /// says why until an operator restarts it with --start-over; then it sends a full transfer and the backup
    /// keeps a copy of what it held.
    /// </summary>
    [Fact]
    public Task A_master_restored_from_an_older_copy_and_edited_again_refuses_edits_until_started_over() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(master, backup, "the pair in sync", StartupTimeout);
        for (var i = 1; i <= 3; i++) await PutAsync(master, $"t10/tag{i}", i.ToString());
        await UntilInSyncAsync(master, backup, "the first 3 edits on the backup");

        // A copy of the master's store at revision 3 (taken while it is stopped, WAL files included).
        master.Terminate();
        AssertExitedCleanly(master, await master.WaitForExitAsync(Deadline));
        var store = Path.Combine(masterSpec.DataDir, "config-store");
        var copy = Path.Combine(TestDir, "store-at-3");
        CopyDirectory(store, copy);

        master = Start(masterSpec);
        await WaitUntilAsync(async () => (await ConfigHttp.GetConfigAsync(master))?.Revision == 3, "the restarted master at revision 3", StartupTimeout);
        for (var i = 4; i <= 5; i++) await PutAsync(master, $"t10/tag{i}", i.ToString());
        var (_, before) = await UntilInSyncAsync(master, backup, "edits 4 and 5 on the backup", StartupTimeout);
        Assert.Equal(5, before.Config.Revision);

        // Both stop; the master comes back from the old copy and makes two other edits 4 and 5 before the backup returns.
        backup.Terminate();
        AssertExitedCleanly(backup, await backup.WaitForExitAsync(Deadline));
        master.Terminate();
        AssertExitedCleanly(master, await master.WaitForExitAsync(Deadline));
        Directory.Delete(store, recursive: true);
        CopyDirectory(copy, store);
        master = Start(masterSpec);
        await WaitUntilAsync(async () => (await ConfigHttp.GetConfigAsync(master))?.Revision == 3, "the restored master at revision 3", StartupTimeout);
        for (var i = 4; i <= 5; i++) await PutAsync(master, $"t10/other{i}", i.ToString());
        var restored = await GetConfigOrFailAsync(master);
        Assert.Equal(5, restored.Revision);
        Assert.NotEqual(before.Config.Digest, restored.Digest);

        var returned = Start(backupSpec);
        // Both hold revisions 4 and 5, of other content: neither is taken without an operator.
        var refusal = Assert.Single(await UntilEventsAsync(master, "config-edits-refused", 1, StartupTimeout));
        Log($"master: {refusal}");
        Assert.Contains("differs", refusal.Reason ?? "");
        Assert.Contains("differs", (await GetSyncOrFailAsync(master)).Status.EditsRefused ?? "");
        var refused = await ConfigHttp.PutAsync(master, "t10/refused", "1");
        Assert.True(refused.Status == 409 && (refused.Message ?? "").Contains("refused"), $"an edit on the refusing master answered {refused}");
        AssertSameConfig(before.Config, await GetConfigOrFailAsync(returned), "the backup while the master refuses edits");
        Assert.Empty(await EventsOfKindAsync(returned, "config-full-transfer"));

        // The operator keeps the master's configuration.
        master.Terminate();
        AssertExitedCleanly(master, await master.WaitForExitAsync(Deadline));
        master = Start(masterSpec with { Args = ["--start-over"] });
        var full = await UntilEventsAsync(returned, "config-full-transfer", 1, StartupTimeout);
        var (m, b) = await UntilInSyncAsync(master, returned, "the backup in sync with the restored master");
        AssertSameConfig(m.Config, b.Config, "the backup after the restored master's transfer");
        Assert.DoesNotContain("t10/tag4", b.Config.Resources.Keys);
        Assert.Contains("differs", Assert.Single(full).Reason ?? "");
        var saved = Assert.Single(await UntilEventsAsync(returned, "config-saved", 1));
        Assert.Contains("revision 5", saved.Reason ?? "");
    });

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }

    /// <summary>
    /// Issue 4: a backup holding the configuration of another system (identity) is given the new master's by a full
    /// transfer. Since issue 10 a master started on an empty store does that only when told to (--start-over):
    /// otherwise it would take the backup's configuration, or refuse edits once it has taken some of its own.
    /// </summary>
    [Fact]
    public Task A_backup_with_another_identity_gets_a_full_transfer() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var masterA = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(masterA, backup, "the pair with master A in sync", StartupTimeout);
        for (var i = 1; i <= 8; i++) await PutAsync(masterA, $"t3/from-a{i}", i.ToString());
        var (a, _) = await UntilInSyncAsync(masterA, backup, "master A's 8 edits on the backup");
        var identityA = a.Config.Identity!;
        // The backup stops while master A still runs (quick and clean); master A's configuration stays in its data dir.
        backup.Terminate();
        AssertExitedCleanly(backup, await backup.WaitForExitAsync(Deadline));
        masterA.KillHard();
        await masterA.WaitForExitAsync(Deadline);

        // Master B: same address, a fresh data dir, so a new system identity.
        var masterB = Start(masterSpec with { DataDir = Path.Combine(TestDir, "master-b"), Args = ["--start-over"] });
        await WaitUntilAsync(async () => (await ConfigHttp.GetConfigAsync(masterB))?.Identity is not null, "master B's config store ready", StartupTimeout);
        for (var i = 1; i <= 3; i++) await PutAsync(masterB, $"t3/from-b{i}", $"\"b{i}\"");
        var configB = await GetConfigOrFailAsync(masterB);
        var identityB = configB.Identity!;
        Log($"identity A {identityA}, identity B {identityB}");
        Assert.NotEqual(identityA, identityB);

        var backup2 = Start(backupSpec);
        var transfer = Assert.Single(await UntilEventsAsync(backup2, "config-full-transfer", 1, StartupTimeout));
        await AssertInSyncRightAfterTheTransferAsync(backup2, configB.Revision);
        var (m, b) = await UntilInSyncAsync(masterB, backup2, "the backup in sync with master B");
        AssertSameConfig(m.Config, b.Config, "the backup after joining master B");
        Assert.Equal(identityB, b.Config.Identity);
        Assert.DoesNotContain(b.Config.Resources.Keys, k => k.Contains("from-a"));
        Log($"backup: {transfer}");
        Assert.Contains("identity", transfer.Reason ?? "");
        Assert.Contains(identityA, transfer.Reason ?? "");
        Assert.Contains(identityB, transfer.Reason ?? "");
        AssertLastFullTransfer(b.Sync, identityA, m.Config.Revision);

        // Master A's configuration is not lost: the backup kept a copy before replacing it.
        var saved = Assert.Single(await UntilEventsAsync(backup2, "config-saved", 1, Deadline));
        Assert.Contains(identityA, saved.Reason ?? "");
        var copy = Assert.Single(Directory.GetFiles(Path.Combine(backupSpec.DataDir, "config-saved"), $"config-{identityA}-r8-*.zip"));
        using var zip = System.IO.Compression.ZipFile.OpenRead(copy);
        using var config = System.Text.Json.JsonDocument.Parse(zip.GetEntry("config.json")!.Open());
        Assert.Equal(identityA, config.RootElement.GetProperty("identity").GetString());
        Assert.Equal(8, config.RootElement.GetProperty("resources").EnumerateObject().Count(r => r.Name.StartsWith("t3/from-a", StringComparison.Ordinal)));
    });

    /// <summary>Issue 4: a backup started again while the master is down serves the last configuration it had and goes active.</summary>
    [Fact]
    public Task A_backup_restarted_while_the_master_is_down_serves_the_last_configuration() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(master, backup, "the pair in sync", StartupTimeout);
        for (var i = 1; i <= 12; i++)
        {
            if (i % 4 == 0) await DeleteAsync(master, $"t6/tag{i - 2}");
            else await PutAsync(master, $"t6/tag{i}", $$"""{"address":"40{{i:000}}","enabled":{{(i % 3 == 0 ? "false" : "true")}}}""");
        }
        var (_, before) = await UntilInSyncAsync(master, backup, "the 12 edits on the backup");

        // The backup stopped first (a cold standby stops at once; an active one whose peer is gone waits
        // 10 s for Akka's cluster-exiting phase), then the master crashes: the backup comes back alone.
        backup.Terminate();
        AssertExitedCleanly(backup, await backup.WaitForExitAsync(Deadline));
        master.KillHard();
        await master.WaitForExitAsync(Deadline);

        var alone = Start(backupSpec with { JoinWaitTime = TimeSpan.FromSeconds(2) });
        ConfigView? served = null;
        var took = await WaitUntilAsync(async () => (served = await ConfigHttp.GetConfigAsync(alone)) is not null, "the restarted backup serving /api/config", StartupTimeout);
        Log($"the restarted backup serves {served!.Summary} {took.TotalMilliseconds:0} ms after the poll began");
        AssertSameConfig(before.Config, served, "the backup restarted alone");
        var status = await UntilStatusAsync(alone, s => s.IsActive, "the backup restarted alone active after its join wait");
        Log($"restarted backup: {status}; sync {await ConfigHttp.GetSyncAsync(alone)}");
        AssertSameConfig(before.Config, await GetConfigOrFailAsync(alone), "the backup restarted alone, once active");
        var sync = await GetSyncOrFailAsync(alone);
        Assert.Equal(before.Config.Revision, sync.Revision);
        Assert.Equal(before.Config.Digest, sync.Digest);
    });

    /// <summary>
    /// Issue 4: the master's configuration survives kill -9 (recovered from a snapshot plus later events),
    /// and the backup, which was in sync, is not sent a full transfer when the master is back.
    /// </summary>
    [Fact]
    public Task The_master_configuration_survives_kill_9_and_the_in_sync_backup_gets_no_full_transfer() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        // A short long poll: the backup's first pull answered by the restarted master comes back within 1 s, not 5.
        masterSpec = masterSpec with { Extra = "config-store.snapshot-every = 25\nconfig-sync.long-poll-timeout = 1s" };
        backupSpec = backupSpec with { Extra = "config-sync.long-poll-timeout = 1s" };
        var master = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(master, backup, "the pair in sync", StartupTimeout);
        const int edits = 65;
        for (var i = 1; i <= edits; i++)
        {
            if (i % 10 == 0) await DeleteAsync(master, $"t7/r{i - 5}");
            else await PutAsync(master, $"t7/r{i}", $$"""{"i":{{i}},"text":"value {{i}}"}""");
        }
        var (before, backupBefore) = await UntilInSyncAsync(master, backup, $"the {edits} edits on the backup");
        Assert.Equal(edits, before.Config.Revision);
        var fullBefore = (await EventsOfKindAsync(backup, "config-full-transfer")).Count;
        Log($"before the crash: master {before.Config.Summary}; backup {backupBefore.Sync}, full-transfer events {fullBefore}");

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        var restartedAt = DateTimeOffset.UtcNow;
        var restarted = Start(masterSpec);

        ConfigView? recovered = null;
        await WaitUntilAsync(async () => (recovered = await ConfigHttp.GetConfigAsync(restarted)) is not null, "the restarted master serving /api/config", StartupTimeout);
        AssertSameConfig(before.Config, recovered!, "the master after kill -9 and restart");
        var masterSync = await GetSyncOrFailAsync(restarted);
        Log($"restarted master: {recovered!.Summary}; queue {masterSync.QueueLength} from revision {masterSync.QueueOldestRevision}");
        // Only the changes after the last snapshot were replayed (they refill the queue): recovery used the snapshot.
        Assert.True(masterSync.QueueLength is > 0 and < edits,
            $"the restarted master's queue holds {masterSync.QueueLength} updates: expected only those after a snapshot (snapshot-every = 25)");

        await UntilBackupPullsFromRestartedMasterAsync(restarted, backup, restartedAt);
        var (_, backupAfter) = await UntilInSyncAsync(restarted, backup, "the pair in sync after the master's restart");
        AssertSameConfig(before.Config, backupAfter.Config, "the backup after the master's restart");
        AssertTransfers(backupBefore.Sync, backupAfter.Sync, added: 0, "the backup after the master's restart");
        var full = await EventsOfKindAsync(backup, "config-full-transfer");
        Assert.True(full.Count == fullBefore, $"the backup was sent a full transfer after the master's restart: {string.Join("; ", full.Skip(fullBefore))}");
    });

    /// <summary>Issue 4: re-sync is refused (409) where there is nobody to re-sync with: an independent node, a master without backup.</summary>
    [Fact]
    public Task Resync_is_refused_on_an_independent_node_and_on_a_master_without_backup() => Scenario(async () =>
    {
        var independent = Start(new NodeSpec { Name = "solo", Role = "independent", DataDir = Path.Combine(TestDir, "solo") });
        var lone = Start(new NodeSpec { Name = "lone-master", Role = "master", DataDir = Path.Combine(TestDir, "lone-master"), JoinWaitTime = TimeSpan.FromSeconds(1) });
        foreach (var node in new[] { independent, lone })
        {
            await WaitUntilAsync(async () => (await ConfigHttp.GetConfigAsync(node))?.Identity is not null, $"{node.Label}'s config store ready", StartupTimeout);
            Assert.Equal(1, await PutAsync(node, "t8/edit", "true"));
            var answer = await ConfigHttp.SendAsync(node, HttpMethod.Post, GatewayRoutes.Resync);
            Log($"resync on {node.Label}: {answer}");
            Assert.True(answer.Status == 409, $"resync on {node.Label} answered {answer}, expected 409");
            Assert.False(string.IsNullOrWhiteSpace(answer.Message));
            var sync = await GetSyncOrFailAsync(node);
            Log($"{node.Label} config: {sync}");
            Assert.Equal(0, sync.Transfers);
        }
        Assert.Equal("independent", (await GetSyncOrFailAsync(independent)).State);
        Assert.Equal("no-backup", (await GetSyncOrFailAsync(lone)).State);
    });
}
