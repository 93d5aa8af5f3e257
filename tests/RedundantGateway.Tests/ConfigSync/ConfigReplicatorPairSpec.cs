using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Data.Sqlite;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Redundancy;
using RedundantGateway.Transfer;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>
/// A master and a backup replicator in two actor systems of this process, linked by Akka remoting on loopback
/// (so every message between them goes through <see cref="ConfigSyncSerializer"/>), each at
/// /user/redundancy/config-replicator like in the product, with a probe as the coordinator that grants runtime restarts.
/// </summary>
public sealed class ConfigReplicatorPairSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly ITestOutputHelper _output;
    private readonly string _dir = TestSupport.TempDir();
    private readonly List<PairNode> _nodes = [];

    public ConfigReplicatorPairSpec(ITestOutputHelper output) : base(output: output)
    {
        _output = output;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // The backup first, so the master does not log a lost link for nothing.
        for (var i = _nodes.Count - 1; i >= 0; i--) await _nodes[i].DisposeAsync();
        SqliteConnection.ClearAllPools();
        TestSupport.DeleteQuietly(_dir);
    }

    /// <summary>One node: its actor system, its replicator (through the /user/redundancy parent), and what its coordinator was told.</summary>
    private sealed class PairNode(ActorSystem system, IActorRef guardian, GatewaySettings settings, ConcurrentQueue<object> coordinatorLog) : IAsyncDisposable
    {
        public ActorSystem System { get; } = system;

        /// <summary>/user/redundancy: forwards to the replicator.</summary>
        public IActorRef Replicator { get; } = guardian;

        public GatewaySettings Settings { get; } = settings;

        public ConcurrentQueue<object> CoordinatorLog { get; } = coordinatorLog;

        public int Port => ((ExtendedActorSystem)System).Provider.DefaultAddress.Port!.Value;

        public IEnumerable<RestartRuntime> Restarts => CoordinatorLog.OfType<RestartRuntime>();

        public IEnumerable<AppendRedundancyEvent> Events => CoordinatorLog.OfType<AppendRedundancyEvent>();

        public ConfigDocument Document =>
            Replicator.Ask<ConfigDocumentView>(GetConfigDocument.Instance, Deadline).GetAwaiter().GetResult().Document;

        public ConfigSyncStatus Status =>
            Replicator.Ask<ConfigSyncStatus>(GetConfigSyncStatus.Instance, Deadline).GetAwaiter().GetResult();

        public EditResult Edit(string path, string? value) =>
            Replicator.Ask<EditResult>(new EditConfig(path, value), Deadline).GetAwaiter().GetResult();

        public bool Stopped { get; private set; }

        public async ValueTask DisposeAsync()
        {
            if (Stopped) return;
            Stopped = true;
            await System.Terminate().WaitAsync(Deadline);
        }
    }

    private string NodeDir(string name) => Path.Combine(_dir, name);

    private PairNode Start(GatewaySettings settings)
    {
        ConfigStorePersistence.Prepare(settings.ConfigStore, settings.DataDir);
        var config = ConfigStorePersistence.Hocon(settings.ConfigStore, settings.DataDir)
            .WithFallback(ConfigurationFactory.ParseString($"""
                akka.loglevel = WARNING
                akka.stdout-loglevel = WARNING
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp.hostname = 127.0.0.1
                akka.remote.dot-netty.tcp.port = 0
                """))
            .WithFallback(GatewayConfig.Reference)
            .WithFallback(Akka.TestKit.Configs.TestConfigs.DefaultConfig);
        var system = ActorSystem.Create(RedundancyPaths.SystemName, config);
        var log = new ConcurrentQueue<object>();
        var coordinator = CreateTestProbe(system, "coordinator");
        coordinator.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            log.Enqueue(message);
            // The runtime restarts at once (in the product: a new actor system; here the replicator goes on).
            if (message is RestartRuntime restart) sender.Tell(new RuntimeRestarted(1.0, restart.RequestId));
            return AutoPilot.KeepRunning;
        }));
        var guardian = system.ActorOf(NamedParent.Props(ConfigReplicator.Props(settings.ConfigSync, settings.ConfigStore, settings.ReplicationNode, coordinator.Ref, null), ConfigReplicator.Name),
            RedundancyPaths.Guardian);
        var node = new PairNode(system, guardian, settings, log);
        _nodes.Add(node);
        // Started once the store has recovered (the replicator answers with its document).
        Assert.NotNull(node.Document);
        return node;
    }

    private const string Sync = """
        config-sync {
          long-poll-timeout = 2s
          pull-retry-interval = 200ms
          module-scan-interval = 200ms
          chunk-size = 64KiB
        }
        """;

    private PairNode StartMaster(string extra = "") => Start(TestSupport.Settings($$"""
        node-name = "node-m"
        role = master
        data-dir = "{{NodeDir("master")}}"
        {{Sync}}
        {{extra}}
        """));

    private PairNode StartBackup(PairNode master, string name = "backup") => Start(TestSupport.Settings($$"""
        node-name = "node-b"
        role = backup
        data-dir = "{{NodeDir(name)}}"
        redundancy.master-address = "127.0.0.1:{{master.Port}}"
        {{Sync}}
        """));

    private static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void WriteModule(PairNode node, string name, byte[] bytes)
    {
        Directory.CreateDirectory(node.Settings.ModulesDir);
        File.WriteAllBytes(Path.Combine(node.Settings.ModulesDir, name), bytes);
    }

    private static Dictionary<string, string> ModuleHashes(PairNode node) =>
        Directory.Exists(node.Settings.ModulesDir)
            ? Directory.GetFiles(node.Settings.ModulesDir)
                .Where(f => ModuleFolder.IsModuleName(Path.GetFileName(f)))
                .ToDictionary(f => Path.GetFileName(f), ModuleFolder.HashFile)
            : [];

    private void AwaitSameConfig(PairNode master, PairNode backup, long revision)
    {
        AwaitAssert(() =>
        {
            var expected = master.Document;
            Assert.Equal(revision, expected.Revision);
            var actual = backup.Document;
            Assert.Equal(expected.Digest, actual.Digest);
            StoreNode.AssertSame(expected, actual);
        }, Deadline, TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public void A_new_backup_takes_a_full_transfer_then_follows_every_edit()
    {
        var master = StartMaster();
        for (var i = 1; i <= 3; i++) Assert.Equal(EditOutcome.Accepted, master.Edit($"projects/p1/tags/t{i}", $"{{\"address\":{i}}}").Outcome);
        var driver = RandomBytes(300_000, 1);   // several 64 KiB chunks through remoting
        WriteModule(master, "driver.dll", driver);
        WriteModule(master, "empty.cfg", []);
        AwaitAssert(() => Assert.Equal(2, master.Status.ModuleCount), Deadline);

        var backup = StartBackup(master);

        // First contact: no identity yet, so a full transfer of the configuration and the modules.
        AwaitSameConfig(master, backup, 3);
        AwaitAssert(() => Assert.Single(backup.Restarts), Deadline);
        var restart = backup.Restarts.Single();
        Assert.Equal(3, restart.ConfigRevision);
        Assert.Contains("full transfer to revision 3", restart.Reason);
        Assert.Contains("first contact", restart.Reason);
        Assert.Equal(ModuleHashes(master), ModuleHashes(backup));
        Assert.Equal(driver, File.ReadAllBytes(Path.Combine(backup.Settings.ModulesDir, "driver.dll")));
        AwaitAssert(() => Assert.Contains(backup.Events, e => e.Kind == "config-full-transfer"), Deadline);
        AwaitAssert(() =>
        {
            var status = backup.Status;
            Assert.Equal("in-sync", status.State);
            Assert.Equal(1, status.Transfers);
            Assert.Equal(TransferKind.Full, status.LastTransfer!.Kind);
            Assert.Equal(3, status.LastTransfer.Revision);
            Assert.Equal(master.Status.ModulesDigest, status.ModulesDigest);
        }, Deadline);

        // Edits on the master reach the backup through the held pull, in order, digest-checked.
        var clock = Stopwatch.StartNew();
        Assert.Equal(new EditResult(EditOutcome.Accepted, 4, "stored"), master.Edit("projects/p1/tags/t4", "{\"address\":4}"));
        AwaitSameConfig(master, backup, 4);
        _output.WriteLine($"one edit reached the backup in {clock.ElapsedMilliseconds} ms");
        for (var i = 5; i <= 40; i++) master.Replicator.Tell(new EditConfig($"bulk/b{i % 7}", i % 5 == 0 ? "null" : $"[{i}]"));
        Assert.Equal(EditOutcome.Accepted, master.Edit("projects/p1/tags/t1", null).Outcome);
        AwaitSameConfig(master, backup, 41);
        Assert.Single(backup.Restarts);   // incremental: no further transfer

        // The backup never takes edits of its own.
        var refused = backup.Edit("local", "1");
        Assert.Equal(EditOutcome.Refused, refused.Outcome);
        Assert.Equal(41, refused.Revision);

        AwaitAssert(() =>
        {
            var status = master.Status;
            Assert.Equal("backup-in-sync", status.State);
            Assert.Equal(41, status.PeerRevision);
            Assert.Equal(41, status.Revision);
            Assert.Equal(41, status.QueueLength);   // every edit since the master started
            Assert.Equal(1, status.QueueOldestRevision);
        }, Deadline);
        var backupStatus = backup.Status;
        Assert.Equal(41, backupStatus.PeerRevision);
        Assert.Equal(master.Document.Identity, backupStatus.Identity);
    }

    [Fact]
    public void Module_changes_on_the_master_are_mirrored_without_a_full_transfer()
    {
        var master = StartMaster();
        master.Edit("a", "1");
        WriteModule(master, "keep.dll", RandomBytes(1000, 1));
        WriteModule(master, "old.dll", RandomBytes(1000, 2));
        AwaitAssert(() => Assert.Equal(2, master.Status.ModuleCount), Deadline);
        var backup = StartBackup(master);
        AwaitSameConfig(master, backup, 1);
        AwaitAssert(() => Assert.Equal(ModuleHashes(master), ModuleHashes(backup)), Deadline);
        AwaitAssert(() => Assert.Single(backup.Restarts), Deadline);

        // A new module, a changed one, a removed one.
        var added = RandomBytes(150_000, 3);
        WriteModule(master, "new.dll", added);
        WriteModule(master, "keep.dll", RandomBytes(2000, 4));
        File.Delete(Path.Combine(master.Settings.ModulesDir, "old.dll"));

        AwaitAssert(() => Assert.Equal(ModuleHashes(master), ModuleHashes(backup)), Deadline, TimeSpan.FromMilliseconds(50));
        Assert.Equal(["keep.dll", "new.dll"], ModuleHashes(backup).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(added, File.ReadAllBytes(Path.Combine(backup.Settings.ModulesDir, "new.dll")));
        // One module sync (or more, if the master's scan saw the three changes apart); never a full transfer.
        AwaitAssert(() => Assert.True(backup.Restarts.Count() >= 2), Deadline);
        var restart = backup.Restarts.Last();
        Assert.Contains("modules mirrored", restart.Reason);
        Assert.Equal(1, restart.ConfigRevision);
        Assert.Single(backup.Events, e => e.Kind == "config-full-transfer");
        Assert.Contains(backup.Events, e => e.Kind == "config-module-transfer");
        AwaitAssert(() =>
        {
            var status = backup.Status;
            Assert.Equal(TransferKind.Module, status.LastTransfer?.Kind);
            Assert.Equal(backup.Restarts.Count(), status.Transfers);
            Assert.Equal("in-sync", status.State);
        }, Deadline);
        // The configuration was not touched.
        AwaitSameConfig(master, backup, 1);
    }

    /// <summary>
    /// Issue 10 item 3: with config-sync.acknowledge = backup (the default) an edit is answered only once the
    /// backup has persisted it; with the backup gone, the first edit waits acknowledge-timeout, an event says the
    /// master acknowledges alone, and later edits are answered at once; the backup back in sync restores it.
    /// </summary>
    [Fact]
    public async Task With_acknowledge_backup_an_edit_is_answered_once_the_backup_holds_it_and_degrades_without_the_backup()
    {
        var master = StartMaster("config-sync.acknowledge-timeout = 3s");
        master.Edit("a", "0");
        var backup = StartBackup(master);
        AwaitSameConfig(master, backup, 1);
        AwaitAssert(() => Assert.Equal("backup-in-sync", master.Status.State), Deadline);

        // Concurrent edits (the store batches them): each answer comes only once the backup holds its revision.
        async Task<(EditResult Result, long BackupRevision)> EditAndReadBackup(int i)
        {
            var result = await master.Replicator.Ask<EditResult>(new EditConfig($"burst/k{i % 9}", $"{i}"), Deadline);
            var view = await backup.Replicator.Ask<ConfigDocumentView>(GetConfigDocument.Instance, Deadline);
            return (result, view.Document.Revision);
        }
        var answers = Enumerable.Range(1, 40).Select(EditAndReadBackup).ToList();
        foreach (var (result, backupRevision) in await Task.WhenAll(answers))
        {
            Assert.Equal(EditOutcome.Accepted, result.Outcome);
            Assert.True(backupRevision >= result.Revision, $"revision {result.Revision} was acknowledged while the backup held {backupRevision}");
        }
        var health = await master.Replicator.Ask<ConfigEditHealth>(GetConfigEditHealth.Instance, Deadline);
        Assert.Equal(new AcknowledgeStatus(AcknowledgeMode.Backup, AcknowledgeMode.Backup, false, 0), health.Acknowledge);

        await backup.DisposeAsync();
        var clock = Stopwatch.StartNew();
        Assert.Equal(EditOutcome.Accepted, master.Edit("after/backup-gone", "1").Outcome);
        var waited = clock.Elapsed;
        Assert.True(waited >= TimeSpan.FromMilliseconds(2900), $"the first edit without the backup was answered after {waited.TotalMilliseconds:0} ms, before acknowledge-timeout");
        AwaitAssert(() => Assert.Contains(master.Events, e => e.Kind == RedundancyEventKinds.ConfigAcknowledgeDegraded), Deadline);
        clock.Restart();
        Assert.Equal(EditOutcome.Accepted, master.Edit("after/degraded", "1").Outcome);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(2000), $"a degraded master still waited {clock.Elapsed.TotalMilliseconds:0} ms");
        health = await master.Replicator.Ask<ConfigEditHealth>(GetConfigEditHealth.Instance, Deadline);
        Assert.Equal(AcknowledgeMode.Master, health.Acknowledge!.Effective);
        Assert.True(health.Acknowledge.Degraded);

        var again = StartBackup(master);
        AwaitSameConfig(master, again, master.Document.Revision);
        AwaitAssert(() => Assert.Contains(master.Events, e => e.Kind == RedundancyEventKinds.ConfigAcknowledgeRestored), Deadline);
        var restored = master.Edit("after/restored", "1");
        Assert.True(again.Document.Revision >= restored.Revision, "after the restore, an edit was acknowledged before the backup held it");
    }

    [Fact]
    public async Task A_backup_restarted_a_little_behind_catches_up_with_updates_only()
    {
        var master = StartMaster();
        for (var i = 1; i <= 5; i++) master.Edit($"k{i}", $"{i}");
        var backup = StartBackup(master);
        AwaitSameConfig(master, backup, 5);
        AwaitAssert(() => Assert.Single(backup.Restarts), Deadline);

        await backup.DisposeAsync();
        for (var i = 6; i <= 12; i++) master.Edit($"k{i % 4}", i % 3 == 0 ? "null" : $"{i}");
        Assert.Equal(EditOutcome.Accepted, master.Edit("k1", null).Outcome);

        var again = StartBackup(master);
        Assert.Equal(5, again.Document.Revision);   // recovered from its own journal
        AwaitSameConfig(master, again, 13);
        // No transfer and no runtime restart this time: the master's queue held revisions 6..13.
        Assert.Empty(again.Restarts);
        Assert.DoesNotContain(again.Events, e => e.Kind.StartsWith("config-full", StringComparison.Ordinal));
        Assert.Equal(0, again.Status.Transfers);
    }

    [Fact]
    public async Task An_operator_resync_on_the_master_makes_the_backup_take_a_full_transfer()
    {
        var master = StartMaster();
        master.Edit("a", "1");
        var backup = StartBackup(master);
        AwaitSameConfig(master, backup, 1);
        AwaitAssert(() => Assert.Single(backup.Restarts), Deadline);
        AwaitAssert(() => Assert.Equal("backup-in-sync", master.Status.State), Deadline);

        var result = await master.Replicator.Ask<ResyncResult>(new ResyncRequested("spec operator"), Deadline);

        Assert.Equal(new ResyncResult(true, "the backup was asked to take a full transfer"), result);
        AwaitAssert(() => Assert.Equal(2, backup.Restarts.Count()), Deadline);
        Assert.Contains("re-sync requested by the master (spec operator)", backup.Restarts.Last().Reason);
        AwaitSameConfig(master, backup, 1);
    }

    [Fact]
    public async Task A_master_whose_backup_is_judged_down_says_so_and_refuses_a_resync()
    {
        var master = StartMaster();
        master.Edit("a", "1");
        var backup = StartBackup(master);
        AwaitSameConfig(master, backup, 1);
        AwaitAssert(() => Assert.Equal("backup-in-sync", master.Status.State), Deadline);

        var backupAddress = $"akka.tcp://{RedundancyPaths.SystemName}@127.0.0.1:{backup.Port}";
        await backup.DisposeAsync();
        // What the master's failure detector publishes once the backup's port refuses connections.
        master.System.EventStream.Publish(new RedundantGateway.Liveness.PeerDown(backupAddress, TimeSpan.FromMilliseconds(300), "spec: process gone"));

        AwaitAssert(() => Assert.Equal("backup-disconnected", master.Status.State), Deadline);
        var result = await master.Replicator.Ask<ResyncResult>(new ResyncRequested("spec operator"), Deadline);
        Assert.False(result.Accepted);
        Assert.Contains("the backup is disconnected", result.Message);
    }

    [Fact]
    public async Task Without_a_pulling_backup_the_master_refuses_a_resync()
    {
        var master = StartMaster();

        var result = await master.Replicator.Ask<ResyncResult>(new ResyncRequested("spec operator"), Deadline);

        Assert.False(result.Accepted);
        Assert.Equal("no-backup", master.Status.State);
    }

    /// <summary>
    /// A module whose first read waits until the test releases it: a named pipe, so the master's module scan
    /// (which hashes every file) stays unfinished for as long as the test wants, like a scan of large modules
    /// on a slow disk. Released, the reader gets <see cref="Content"/> and an ordinary file of that content
    /// takes the pipe's place.
    /// </summary>
    private sealed class SlowModule : IAsyncDisposable
    {
        private readonly string _path;
        private bool _released;

        public SlowModule(string path)
        {
            _path = path;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        public byte[] Content { get; } = RandomBytes(5000, 9);

        public async ValueTask DisposeAsync()
        {
            if (_released) return;
            _released = true;
            // Opening the write end completes the reader's open; closing it gives the reader end-of-file.
            var open = Task.Run(() => new FileStream(_path, FileMode.Open, FileAccess.Write));
            await using var writer = await open.WaitAsync(Deadline);
            await writer.WriteAsync(Content);
            File.Delete(_path);
            await File.WriteAllBytesAsync(_path, Content);
        }
    }

    [Fact]
    public async Task A_master_that_has_not_read_its_modules_yet_does_not_make_the_backup_delete_its_modules()
    {
        // A pair in sync, the backup holding the master's module.
        var master = StartMaster();
        master.Edit("a", "1");
        var module = RandomBytes(10_000, 1);
        WriteModule(master, "a.dll", module);
        AwaitAssert(() => Assert.Equal(1, master.Status.ModuleCount), Deadline);
        var backup = StartBackup(master);
        AwaitSameConfig(master, backup, 1);
        AwaitAssert(() => Assert.Single(backup.Restarts), Deadline);
        var backupModule = Path.Combine(backup.Settings.ModulesDir, "a.dll");
        Assert.Equal(module, File.ReadAllBytes(backupModule));
        var backupModuleWritten = File.GetLastWriteTimeUtc(backupModule);
        await backup.DisposeAsync();
        await master.DisposeAsync();

        // Both restart; the master's module scan takes long (here: until released).
        PairNode master2, backup2;
        await using (new SlowModule(Path.Combine(master.Settings.ModulesDir, "zz-large.dll")))
        {
            master2 = Start(master.Settings);
            Assert.Equal(0, master2.Status.ModuleCount);   // still scanning
            backup2 = StartBackup(master2);

            // Give the backup the time to pull while the master still reads its modules: until it has had an
            // answer and settled, or lost its module, or at most 2 s (a master that holds pulls until it knows
            // its modules answers none).
            var until = Stopwatch.StartNew();
            while (until.Elapsed < TimeSpan.FromSeconds(2))
            {
                if (!File.Exists(backupModule) || backup2.Restarts.Any()) break;
                if (backup2.Status is { LastPullAt: not null, State: not ("module-transfer" or "full-transfer") }) break;
                await Task.Delay(20);
            }

            // The master does not know its modules yet: the backup must keep its own, and not restart for nothing.
            Assert.True(File.Exists(backupModule),
                "the backup deleted its modules while the master had not finished reading its own: " +
                string.Join("; ", backup2.Restarts.Select(r => r.Reason)));
            Assert.Empty(backup2.Restarts);
        }

        // Read at last: the backup fetches the new module and keeps the one it had, never fetched again.
        AwaitAssert(() =>
        {
            Assert.Equal(ModuleHashes(master2), ModuleHashes(backup2));
            Assert.Equal(["a.dll", "zz-large.dll"], ModuleHashes(backup2).Keys.Order(StringComparer.Ordinal));
        }, Deadline, TimeSpan.FromMilliseconds(50));
        Assert.Equal(backupModuleWritten, File.GetLastWriteTimeUtc(backupModule));
        Assert.DoesNotContain(backup2.Restarts, r => r.Reason.Contains("of the master's 0 fetched", StringComparison.Ordinal));
        Assert.DoesNotContain(backup2.Restarts, r => r.Reason.Contains("full transfer", StringComparison.Ordinal));
    }
}
