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
