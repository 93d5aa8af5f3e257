using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

// Issue 4, configuration replication, with real node processes. Two classes:
//  - ConfigReplicationTests shares one pair (a class fixture) among the checks that leave it as it was
//    (modules, refused edits on the backup, re-sync, bad input): each waits for the pair in sync first.
//  - ConfigReplicationScenarioTests starts fresh nodes per test: the initial full transfer, catching up
//    after a stop, another identity, restarts and nodes without a backup.

/// <summary>Checks that share one master/backup pair (started once for the class, module scan every 500 ms).</summary>
public sealed class ConfigReplicationTests(ITestOutputHelper output, ConfigReplicationPairFixture pair)
    : ConfigReplicationTestBase(output), IClassFixture<ConfigReplicationPairFixture>
{
    protected override IEnumerable<NodeProcess> WatchedNodes => [pair.Master, pair.Backup];

    /// <summary>Issue 4: a module file added (then replaced) on the master is mirrored byte for byte; a deleted one is removed.</summary>
    [Fact]
    public Task A_module_added_on_the_master_reaches_the_backup_and_a_deleted_one_is_removed() => Shared(async () =>
    {
        var (master, backup) = (pair.Master, pair.Backup);
        await UntilInSyncAsync(master, backup, "the shared pair in sync before the module is added", StartupTimeout);
        var transfersBefore = (await EventsOfKindAsync(backup, "config-module-transfer")).Count;

        var name = $"plugin-{Guid.NewGuid():N}"[..20] + ".dll";
        var masterModules = Path.Combine(pair.MasterSpec.DataDir, "modules");
        var backupFile = Path.Combine(pair.BackupSpec.DataDir, "modules", name);
        var content = new byte[2 * 1024 * 1024 + 12_345];
        RandomNumberGenerator.Fill(content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        Directory.CreateDirectory(masterModules);
        // Written under a name the master ignores ('.' first), then renamed: the master never hashes half a file.
        var staged = Path.Combine(masterModules, "." + name + ".writing");
        await File.WriteAllBytesAsync(staged, content);
        File.Move(staged, Path.Combine(masterModules, name));
        Log($"module {name} ({content.Length} bytes, sha256 {sha[..12]}) written to the master's modules folder");

        var took = await WaitUntilAsync(async () =>
        {
            if (!File.Exists(backupFile) || HashFile(backupFile) != sha) return false;
            return (await EventsOfKindAsync(backup, "config-module-transfer")).Count > transfersBefore;
        }, "the module on the backup with the master's SHA-256, and a config-module-transfer event");
        Log($"module mirrored {took.TotalMilliseconds:0} ms after it was written");
        var added = (await EventsOfKindAsync(backup, "config-module-transfer"))[^1];
        Log($"backup event: {added}");
        var (m, b) = await UntilInSyncAsync(master, backup, "the modules digests equal after the module was added");
        Assert.Equal(m.Sync.ModulesDigest, b.Sync.ModulesDigest);
        Assert.Equal(m.Sync.Modules, b.Sync.Modules);
        Assert.Equal("module", b.Sync.LastTransfer?.Kind);
        Assert.True(b.Sync.LastTransfer!.Bytes >= content.Length, $"the module transfer counted {b.Sync.LastTransfer.Bytes} bytes, the module has {content.Length}");

        // A new version of the module, the same size: found by its time of change, hashed again, sent again.
        RandomNumberGenerator.Fill(content);
        var sha2 = Convert.ToHexStringLower(SHA256.HashData(content));
        await File.WriteAllBytesAsync(staged, content);
        File.Move(staged, Path.Combine(masterModules, name), overwrite: true);
        took = await WaitUntilAsync(async () =>
            HashFile(backupFile) == sha2 && (await EventsOfKindAsync(backup, "config-module-transfer")).Count > transfersBefore + 1,
            "the new version of the module (same size) on the backup, and a second config-module-transfer event");
        Log($"new version (sha256 {sha2[..12]}) mirrored {took.TotalMilliseconds:0} ms after it was written");

        File.Delete(Path.Combine(masterModules, name));
        took = await WaitUntilAsync(async () =>
            !File.Exists(backupFile) && (await EventsOfKindAsync(backup, "config-module-transfer")).Count > transfersBefore + 2,
            "the module removed from the backup after it was deleted on the master, and a third config-module-transfer event");
        Log($"module removed on the backup {took.TotalMilliseconds:0} ms after the master's copy was deleted");
        Log($"backup event: {(await EventsOfKindAsync(backup, "config-module-transfer"))[^1]}");
        (m, b) = await UntilInSyncAsync(master, backup, "the modules digests equal after the module was deleted");
        Assert.Equal(m.Sync.ModulesDigest, b.Sync.ModulesDigest);
        Assert.Equal(m.Sync.Modules, b.Sync.Modules);
    });

    /// <summary>Issue 4: the backup refuses PUT and DELETE with 409 naming the master; neither node changes.</summary>
    [Fact]
    public Task Edits_sent_to_the_backup_are_refused_and_change_nothing() => Shared(async () =>
    {
        var (master, backup) = (pair.Master, pair.Backup);
        await UntilInSyncAsync(master, backup, "the shared pair in sync before the edit", StartupTimeout);
        await PutAsync(master, "t5/existing", """{"unit":"bar","max":10}""");
        var (masterBefore, backupBefore) = await UntilInSyncAsync(master, backup, "t5/existing replicated to the backup");
        Assert.Equal("""{"unit":"bar","max":10}""", backupBefore.Config.Resources["t5/existing"]);
        var masterAddress = $"127.0.0.1:{pair.MasterSpec.ClusterPort}";
        var masterWeb = $"http://127.0.0.1:{pair.MasterSpec.WebPort}";

        var attempts = new (string What, Func<Task<HttpAnswer>> Send)[]
        {
            ("PUT of an existing resource", () => ConfigHttp.PutAsync(backup, "t5/existing", """{"unit":"psi","max":99}""")),
            ("PUT of a new resource", () => ConfigHttp.PutAsync(backup, "t5/new", "42")),
            ("DELETE of an existing resource", () => ConfigHttp.DeleteAsync(backup, "t5/existing")),
            ("DELETE of a missing resource", () => ConfigHttp.DeleteAsync(backup, "t5/missing")),
        };
        foreach (var (what, send) in attempts)
        {
            var answer = await send();
            Log($"{what} on the backup: {answer}");
            Assert.True(answer.Status == 409, $"{what} on the backup answered {answer}, expected 409");
            Assert.Contains(masterAddress, answer.Message ?? "");
            // Known once the master has answered a pull (t5/existing came that way).
            Assert.Contains(masterWeb, answer.Message ?? "");
            AssertSameConfig(backupBefore.Config, await GetConfigOrFailAsync(backup), $"the backup after the refused {what}");
            AssertSameConfig(masterBefore.Config, await GetConfigOrFailAsync(master), $"the master after the refused {what} on the backup");
        }
        var read = await ConfigHttp.SendAsync(backup, HttpMethod.Get, GatewayRoutes.Resource("t5/existing"));
        Assert.Equal(200, read.Status);
        Assert.Contains("""{"unit":"bar","max":10}""", read.Body);
    });

    /// <summary>Issue 4: POST /api/redundancy/resync on the backup, then on the master, each forces a full transfer.</summary>
    [Fact]
    public Task Resync_on_the_backup_or_on_the_master_forces_a_full_transfer() => Shared(async () =>
    {
        var (master, backup) = (pair.Master, pair.Backup);
        await UntilInSyncAsync(master, backup, "the shared pair in sync", StartupTimeout);
        await PutAsync(master, "t8/setpoint", "1");
        var (_, before) = await UntilInSyncAsync(master, backup, "the shared pair in sync before the re-sync");
        var fullBefore = (await EventsOfKindAsync(backup, "config-full-transfer")).Count;

        foreach (var (node, reasonPart) in new[] { (backup, "re-sync requested by REST"), (master, "re-sync requested by the master") })
        {
            var answer = await ConfigHttp.SendAsync(node, HttpMethod.Post, GatewayRoutes.Resync);
            Log($"resync on {node.Label}: {answer}");
            Assert.True(answer.Status == 202, $"resync on {node.Label} answered {answer}, expected 202");
            fullBefore++;
            var count = fullBefore;
            var took = await WaitUntilAsync(async () => (await EventsOfKindAsync(backup, "config-full-transfer")).Count >= count,
                $"a config-full-transfer event on the backup after the resync on {node.Label}");
            var transfer = (await EventsOfKindAsync(backup, "config-full-transfer"))[^1];
            Log($"full transfer {took.TotalMilliseconds:0} ms after the request: {transfer}");
            Assert.Contains(reasonPart, transfer.Reason ?? "");
            var (m, b) = await UntilInSyncAsync(master, backup, $"the pair in sync after the re-sync from {node.Label}");
            AssertSameConfig(m.Config, b.Config, "the backup after the re-sync");
            Assert.Equal("full", b.Sync.LastTransfer?.Kind);
            Assert.Contains("re-sync", b.Sync.LastTransfer?.Reason ?? "");
            Assert.Equal(m.Config.Revision, b.Sync.LastTransfer!.Revision);
        }
        var after = (await GetSyncOrFailAsync(backup));
        AssertTransfers(before.Sync, after, added: 2, "the backup after two re-syncs");
    });

    /// <summary>Issue 4: bad input is refused with 400 / 413 / 404 and a one-line message; neither node changes.</summary>
    [Fact]
    public Task Bad_input_is_refused_and_changes_nothing() => Shared(async () =>
    {
        var (master, backup) = (pair.Master, pair.Backup);
        await UntilInSyncAsync(master, backup, "the shared pair in sync", StartupTimeout);
        await PutAsync(master, "t9/valid", """{"v":1}""");
        var (masterBefore, backupBefore) = await UntilInSyncAsync(master, backup, "the shared pair in sync before the bad input");

        var oversized = "\"" + new string('x', 300 * 1024) + "\"";
        var cases = new (string What, int Expected, Func<Task<HttpAnswer>> Send)[]
        {
            ("PUT of invalid JSON", 400, () => ConfigHttp.PutAsync(master, "t9/bad", "{\"unit\": \"bar\",\n \"max\": }")),
            ("PUT of an empty body", 400, () => ConfigHttp.PutAsync(master, "t9/bad", "")),
            ("PUT to a path with a space", 400, () => ConfigHttp.PutAsync(master, "t9/a%20b", "1")),
            ("PUT to a path with a '*'", 400, () => ConfigHttp.PutAsync(master, "t9/a*b", "1")),
            ("PUT of a value larger than max-resource-size (with Content-Length)", 413, () => ConfigHttp.PutAsync(master, "t9/big", oversized)),
            ("PUT of a value larger than max-resource-size (chunked)", 413,
                () => ConfigHttp.SendAsync(master, HttpMethod.Put, GatewayRoutes.Resource("t9/big"), new ChunkedContent(Encoding.UTF8.GetBytes(oversized)))),
            ("PUT over an existing resource with invalid JSON", 400, () => ConfigHttp.PutAsync(master, "t9/valid", "[1,2")),
            ("GET of an unknown path", 404, () => ConfigHttp.SendAsync(master, HttpMethod.Get, GatewayRoutes.Resource("t9/unknown"))),
            ("GET of an unknown path on the backup", 404, () => ConfigHttp.SendAsync(backup, HttpMethod.Get, GatewayRoutes.Resource("t9/unknown"))),
            ("DELETE of an unknown path", 404, () => ConfigHttp.DeleteAsync(master, "t9/unknown")),
        };
        foreach (var (what, expected, send) in cases)
        {
            var answer = await send();
            Log($"{what}: {answer}");
            Assert.True(answer.Status == expected, $"{what} answered {answer}, expected {expected}");
            Assert.False(string.IsNullOrWhiteSpace(answer.Message), $"{what}: no message in {answer.Body}");
            Assert.DoesNotContain('\n', answer.Message!);
            AssertSameConfig(masterBefore.Config, await GetConfigOrFailAsync(master), $"the master after the {what}");
        }
        var (masterAfter, backupAfter) = await UntilInSyncAsync(master, backup, "the pair in sync after the bad input");
        AssertSameConfig(masterBefore.Config, masterAfter.Config, "the master after all bad input");
        AssertSameConfig(backupBefore.Config, backupAfter.Config, "the backup after all bad input");
        AssertTransfers(backupBefore.Sync, backupAfter.Sync, added: 0, "the backup after all bad input");
    });

    /// <summary>Runs a check on the shared pair; on failure writes both nodes' output (since the pair started) to the test output.</summary>
    private async Task Shared(Func<Task> body)
    {
        try { await body(); }
        catch (Exception)
        {
            foreach (var node in WatchedNodes)
            {
                Output.WriteLine($"===== {node.Label} pid {node.Pid} started {node.StartedAt:HH:mm:ss.fff} {(node.HasExited ? $"exited {node.ExitCode}" : "running")} =====");
                foreach (var line in node.Lines) Output.WriteLine($"{line.Time:HH:mm:ss.fff} {line}");
            }
            throw;
        }
    }
}

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
        var softRestarts = (await GetSyncOrFailAsync(backup)).NodeSoftRestarts;
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
            // A new actor system (soft restart, e.g. after the pair first formed two clusters) starts the list of
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
    /// difference and sends a full transfer instead of leaving the backup silently different.
    /// </summary>
    [Fact]
    public Task A_master_restored_from_an_older_copy_and_edited_again_sends_a_full_transfer() => Scenario(async () =>
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
        var full = await UntilEventsAsync(returned, "config-full-transfer", 1, StartupTimeout);
        var (m, b) = await UntilInSyncAsync(master, returned, "the backup in sync with the restored master");
        AssertSameConfig(m.Config, b.Config, "the backup after the restored master's transfer");
        Assert.DoesNotContain("t10/tag4", b.Config.Resources.Keys);
        Assert.Contains("differs", Assert.Single(full).Reason ?? "");
    });

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }

    /// <summary>Issue 4: a backup holding the configuration of another system (identity) is given the new master's by a full transfer.</summary>
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
        var masterB = Start(masterSpec with { DataDir = Path.Combine(TestDir, "master-b") });
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

/// <summary>Starts the master and the backup shared by <see cref="ConfigReplicationTests"/>; kills them at the end.</summary>
public sealed class ConfigReplicationPairFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rg-pair-tests", $"cfg-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid():N}"[..24]);

    public NodeSpec MasterSpec { get; private set; } = null!;
    public NodeSpec BackupSpec { get; private set; } = null!;
    public NodeProcess Master { get; private set; } = null!;
    public NodeProcess Backup { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        int masterLink = FreePort.Next(), backupLink = FreePort.Next();
        const string extra = "config-sync.module-scan-interval = 500ms";
        MasterSpec = new NodeSpec
        {
            Name = "master", Role = "master", DataDir = Path.Combine(_root, "master"), ClusterPort = masterLink, PeerPort = backupLink, Extra = extra,
        };
        BackupSpec = new NodeSpec
        {
            Name = "backup", Role = "backup", DataDir = Path.Combine(_root, "backup"), ClusterPort = backupLink, PeerPort = masterLink, Extra = extra,
        };
        Master = NodeProcess.Start("master", MasterSpec, Path.Combine(_root, "master.conf"), _root);
        Backup = NodeProcess.Start("backup", BackupSpec, Path.Combine(_root, "backup.conf"), _root);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Master?.Dispose();
        Backup?.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }
}

/// <summary>Waiting for and comparing the configuration of nodes.</summary>
public abstract class ConfigReplicationTestBase(ITestOutputHelper output) : PairTest(output)
{
    /// <summary>For waits that include starting nodes, a pair forming and a first full transfer.</summary>
    protected static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private readonly List<NodeProcess> _started = new();

    /// <summary>The nodes a timed-out wait describes: by default the last started of each name.</summary>
    protected virtual IEnumerable<NodeProcess> WatchedNodes
    {
        get { lock (_started) return _started.GroupBy(n => n.Spec!.Name).Select(g => g.Last()).ToList(); }
    }

    /// <summary>The restarted master is active again, and the backup pulls from it (since <paramref name="restartedAt"/>) and is in sync.</summary>
    protected async Task UntilBackupPullsFromRestartedMasterAsync(NodeProcess restarted, NodeProcess backup, DateTimeOffset restartedAt)
    {
        await UntilPairSettledAsync(restarted, backup, "master", "the restarted master active again and the backup cold");
        await WaitUntilAsync(async () =>
        {
            var m = await ConfigHttp.GetSyncAsync(restarted);
            var b = await ConfigHttp.GetSyncAsync(backup);
            return m is { State: "backup-in-sync", LastPullAt: { } pulled } && pulled > restartedAt
                   && b is { State: "in-sync" } && b.Revision == m.Revision && b.LastPullAt > restartedAt;
        }, "the backup pulling from the restarted master, in sync");
    }

    /// <summary>Starts a node and watches it.</summary>
    protected NodeProcess Start(NodeSpec spec)
    {
        var node = StartNode(spec);
        lock (_started) _started.Add(node);
        return node;
    }

    protected Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(condition, timeout ?? Deadline, what, DescribeConfigAsync);

    /// <summary>Each watched node's status, config status and the tail of its output.</summary>
    private async Task<string> DescribeConfigAsync()
    {
        var text = new StringBuilder();
        foreach (var node in WatchedNodes)
        {
            var state = node.HasExited ? $"exited with {node.ExitCode}" : "running";
            var status = node.HasExited ? null : await node.Api!.GetStatusAsync();
            var sync = node.HasExited ? null : await ConfigHttp.GetSyncAsync(node);
            text.AppendLine($"--- {node.Label} (pid {node.Pid}, {state}): {status?.ToString() ?? "no status"}");
            text.AppendLine($"    config: {sync?.ToString() ?? "-"}");
            foreach (var line in node.Tail(25)) text.AppendLine($"    {line}");
        }
        return text.ToString();
    }

    /// <summary>
    /// Waits until the backup has the master's configuration (identity, revision, digest, resources) and
    /// modules, and reports config.state "in-sync"; returns what both served then.
    /// </summary>
    protected async Task<(NodeConfig Master, NodeConfig Backup)> UntilInSyncAsync(NodeProcess master, NodeProcess backup, string what, TimeSpan? timeout = null)
    {
        (NodeConfig, NodeConfig)? seen = null;
        await WaitUntilAsync(async () =>
        {
            var mc = await ConfigHttp.GetConfigAsync(master);
            var ms = await ConfigHttp.GetSyncAsync(master);
            var bc = await ConfigHttp.GetConfigAsync(backup);
            var bs = await ConfigHttp.GetSyncAsync(backup);
            if (mc is null || ms is null || bc is null || bs is null) return false;
            if (!mc.SameAs(bc) || bs.State != "in-sync" || bs.ModulesDigest != ms.ModulesDigest
                || ms.Revision != mc.Revision || bs.Revision != bc.Revision) return false;
            seen = (new NodeConfig(mc, ms), new NodeConfig(bc, bs));
            return true;
        }, what, timeout);
        Log($"{what}: {seen!.Value.Item1.Config.Summary}; backup state {seen.Value.Item2.Sync.State}");
        return seen.Value;
    }

    /// <summary>
    /// Once a full transfer has ended (its event is recorded), the backup reports "in-sync" at once, not
    /// "never-synced" / "behind" until the master answers its next pull up to long-poll-timeout later (fixed in fe1cf5c).
    /// </summary>
    protected static async Task AssertInSyncRightAfterTheTransferAsync(NodeProcess backup, long masterRevision)
    {
        var sync = await GetSyncOrFailAsync(backup);
        Assert.True(sync.State == "in-sync" && sync.Revision == masterRevision && sync.PeerRevision == masterRevision,
            $"{backup.Label} right after its full transfer: {sync}; expected in-sync at revision {masterRevision}");
    }

    /// <summary>A node's config status before anything happened: no transfer, no soft restart.</summary>
    protected static readonly ConfigSyncInfo FreshNode = new(new ConfigReplicationStatus(null, 0, "", "", null, null, null, 0, 0, 0, null, 0, "", 0, null), 0);

    /// <summary>
    /// config.transfers grew by <paramref name="added"/>. It counts the transfers of the current actor system:
    /// a soft restart of the node's runtime (e.g. when a starting pair first forms two clusters) starts it
    /// again at 0 (the events are kept), so then it can only be checked to be at most <paramref name="added"/>.
    /// </summary>
    protected void AssertTransfers(ConfigSyncInfo before, ConfigSyncInfo after, int added, string what)
    {
        if (after.NodeSoftRestarts == before.NodeSoftRestarts)
        {
            Assert.True(after.Transfers == before.Transfers + added, $"{what}: config.transfers {after.Transfers}, expected {before.Transfers} + {added}");
            return;
        }
        Log($"{what}: the runtime soft-restarted ({before.NodeSoftRestarts} -> {after.NodeSoftRestarts}) meanwhile: config.transfers {before.Transfers} -> {after.Transfers}");
        Assert.True(after.Transfers <= added, $"{what}: config.transfers {after.Transfers} after a soft restart, expected at most {added}");
    }

    /// <summary>
    /// config.lastTransfer is the full transfer to <paramref name="revision"/> whose reason has <paramref name="reasonPart"/>.
    /// Like config.transfers it is forgotten by a soft restart of the runtime (the event stays): then it may be null.
    /// </summary>
    protected void AssertLastFullTransfer(ConfigSyncInfo sync, string reasonPart, long revision)
    {
        if (sync.LastTransfer is null && sync.NodeSoftRestarts > 0)
        {
            Log($"config.lastTransfer is null after {sync.NodeSoftRestarts} soft restart(s) of the runtime: not checked");
            return;
        }
        Assert.True(sync.LastTransfer is { Kind: "full" } last && last.Revision == revision && (last.Reason ?? "").Contains(reasonPart),
            $"config.lastTransfer {sync.LastTransfer}: expected a full transfer to revision {revision} with '{reasonPart}' in its reason");
    }

    protected static void AssertSameConfig(ConfigView expected, ConfigView actual, string what)
    {
        Assert.True(expected.Identity == actual.Identity, $"{what}: identity {actual.Identity}, expected {expected.Identity}");
        Assert.True(expected.Revision == actual.Revision, $"{what}: revision {actual.Revision}, expected {expected.Revision}");
        Assert.True(expected.Digest == actual.Digest, $"{what}: digest {actual.Digest}, expected {expected.Digest}");
        Assert.Equal(expected.Resources.OrderBy(r => r.Key, StringComparer.Ordinal), actual.Resources.OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Count, actual.Count);
    }

    /// <summary>PUT a value on a node that must take it; returns the revision it answered.</summary>
    protected static async Task<long> PutAsync(NodeProcess node, string path, string json)
    {
        var answer = await ConfigHttp.PutAsync(node, path, json);
        Assert.True(answer.Status == 200 && answer.Revision is not null, $"PUT {path} on {node.Label} answered {answer}");
        return answer.Revision!.Value;
    }

    protected static async Task<long> DeleteAsync(NodeProcess node, string path)
    {
        var answer = await ConfigHttp.DeleteAsync(node, path);
        Assert.True(answer.Status == 200 && answer.Revision is not null, $"DELETE {path} on {node.Label} answered {answer}");
        return answer.Revision!.Value;
    }

    protected static async Task<ConfigView> GetConfigOrFailAsync(NodeProcess node) =>
        await ConfigHttp.GetConfigAsync(node) ?? throw new Xunit.Sdk.XunitException($"{node.Label} did not answer GET /api/config");

    protected static async Task<ConfigSyncInfo> GetSyncOrFailAsync(NodeProcess node) =>
        await ConfigHttp.GetSyncAsync(node) ?? throw new Xunit.Sdk.XunitException($"{node.Label} did not answer GET /api/redundancy with a config object");

    protected static async Task<IReadOnlyList<ConfigChangeInfo>> GetChangesOrFailAsync(NodeProcess node, long after) =>
        await ConfigHttp.GetChangesAsync(node, after) ?? throw new Xunit.Sdk.XunitException($"{node.Label} did not answer GET /api/redundancy/config-changes");

    /// <summary>Waits until the node has at least <paramref name="count"/> events of <paramref name="kind"/>; returns them, oldest first.</summary>
    protected async Task<IReadOnlyList<RedundancyEventInfo>> UntilEventsAsync(NodeProcess node, string kind, int count, TimeSpan? timeout = null)
    {
        IReadOnlyList<RedundancyEventInfo> seen = [];
        await WaitUntilAsync(async () => (seen = await EventsOfKindAsync(node, kind)).Count >= count, $"{count} {kind} event(s) on {node.Label}", timeout);
        return seen;
    }

    /// <summary>The node's events of <paramref name="kind"/>, oldest first (none when it does not answer).</summary>
    protected static async Task<IReadOnlyList<RedundancyEventInfo>> EventsOfKindAsync(NodeProcess node, string kind) =>
        (await node.Api!.GetEventsAsync(10_000) ?? []).Where(e => e.Kind == kind).Reverse().ToList();

    protected static string HashFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (IOException) { return ""; }
    }
}

/// <summary>What a node served: GET /api/config and the config object of GET /api/redundancy.</summary>
public sealed record NodeConfig(ConfigView Config, ConfigSyncInfo Sync);

/// <summary>GET /api/config: resources as their (canonical) JSON text.</summary>
public sealed record ConfigView(string? Identity, long Revision, string Digest, int Count, IReadOnlyDictionary<string, string> Resources)
{
    public static ConfigView From(ConfigSnapshot snapshot) =>
        new(snapshot.Identity, snapshot.Revision, snapshot.Digest, snapshot.Count, snapshot.Resources);

    public bool SameAs(ConfigView other) =>
        Identity == other.Identity && Revision == other.Revision && Digest == other.Digest && Count == other.Count
        && Resources.Count == other.Resources.Count
        && Resources.All(r => other.Resources.TryGetValue(r.Key, out var value) && value == r.Value);

    public string Summary => $"identity {Identity ?? "-"} revision {Revision} digest {(Digest.Length > 12 ? Digest[..12] : Digest)} ({Count} resources)";
}

/// <summary>The config object of GET /api/redundancy, with the node's softRestarts beside it.</summary>
public sealed record ConfigSyncInfo(ConfigReplicationStatus Status, int NodeSoftRestarts)
{
    public string? Identity => Status.Identity;
    public long Revision => Status.Revision;
    public string Digest => Status.Digest;
    public string State => Status.State;
    public long? PeerRevision => Status.PeerRevision;
    public DateTimeOffset? LastPullAt => Status.LastPullAt;
    public int QueueLength => Status.QueueLength;
    public long? QueueOldestRevision => Status.QueueOldestRevision;
    public int Modules => Status.Modules;
    public string ModulesDigest => Status.ModulesDigest;
    public int Transfers => Status.Transfers;
    public ConfigTransfer? LastTransfer => Status.LastTransfer;

    public override string ToString() =>
        $"state={State} revision={Revision} digest={(Digest.Length > 12 ? Digest[..12] : Digest)} peerRevision={PeerRevision} lastPull={LastPullAt:HH:mm:ss.fff} " +
        $"queue={QueueLength}@{QueueOldestRevision} modules={Modules} transfers={Transfers} last={LastTransfer?.Kind}:{LastTransfer?.Reason} softRestarts={NodeSoftRestarts}";
}

/// <summary>An answer: status code (0: no answer) and body, with the message and revision the body carries.</summary>
public sealed record HttpAnswer(int Status, string Body)
{
    private GatewayResponse Response => new(Status, Body);

    public string? Message => Response.Message;
    public long? Revision => Response.TryRead<ConfigEditAnswer>()?.Revision;

    public override string ToString() => $"{Status} {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}

/// <summary>A body sent without Content-Length (chunked).</summary>
internal sealed class ChunkedContent(byte[] data) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(data).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>The config REST surface of a node through <see cref="GatewayClient"/>; reads answer null when the node does not answer (or answers 503).</summary>
internal static class ConfigHttp
{
    // Shared by the clients of every node (one per call: they hold no state of their own).
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        // Nodes restart on the same port: never reuse a connection for long.
        PooledConnectionLifetime = TimeSpan.FromSeconds(2),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    }) { Timeout = TimeSpan.FromSeconds(10) };

    private static GatewayClient Client(NodeProcess node) => new(Http, new Uri($"http://127.0.0.1:{node.Spec!.WebPort}"));

    public static async Task<HttpAnswer> SendAsync(NodeProcess node, HttpMethod method, string route, HttpContent? content = null)
    {
        try
        {
            var answer = await Client(node).SendAsync(method, route, content);
            return new HttpAnswer(answer.StatusCode, answer.Body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new HttpAnswer(0, $"{e.GetType().Name}: {e.Message}");
        }
    }

    // Sent raw (not PutResourceAsync): the tests read the status and body of refusals as well as of successes.
    public static Task<HttpAnswer> PutAsync(NodeProcess node, string path, string body) =>
        SendAsync(node, HttpMethod.Put, GatewayRoutes.Resource(path), new StringContent(body, Encoding.UTF8, "application/json"));

    public static Task<HttpAnswer> DeleteAsync(NodeProcess node, string path) =>
        SendAsync(node, HttpMethod.Delete, GatewayRoutes.Resource(path));

    public static async Task<ConfigView?> GetConfigAsync(NodeProcess node) =>
        await OrNull(ct => Client(node).GetConfigAsync(ct)) is { } snapshot ? ConfigView.From(snapshot) : null;

    public static async Task<ConfigSyncInfo?> GetSyncAsync(NodeProcess node) =>
        await OrNull(ct => Client(node).GetStatusAsync(ct)) is { Config: { } config } status ? new ConfigSyncInfo(config, status.SoftRestarts) : null;

    public static Task<IReadOnlyList<ConfigChangeInfo>?> GetChangesAsync(NodeProcess node, long after) =>
        OrNull(ct => Client(node).GetConfigChangesAsync(after, 100_000, ct));

    private static async Task<T?> OrNull<T>(Func<CancellationToken, Task<T>> call) where T : class
    {
        try { return await call(CancellationToken.None); }
        catch (Exception e) when (e is GatewayException or HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return null;
        }
    }
}
