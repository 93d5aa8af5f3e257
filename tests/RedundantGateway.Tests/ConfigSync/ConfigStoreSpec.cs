using Microsoft.Data.Sqlite;
using RedundantGateway.ConfigSync;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>
/// The event-sourced config store on SQLite (the default): revisions, identity, recovery from events and
/// snapshots, and the backup's checked application of the master's updates and full transfers.
/// </summary>
public sealed class ConfigStoreSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _dataDir = TestSupport.TempDir();
    private readonly ITestOutputHelper _output;

    public ConfigStoreSpec(ITestOutputHelper output) : base(output: output)
    {
        _output = output;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        SqliteConnection.ClearAllPools();
        TestSupport.DeleteQuietly(_dataDir);
    }

    /// <summary>The journal's SQLite file (the default: under the data dir).</summary>
    private string DbFile => Path.Combine(_dataDir, "config-store", "config.db");

    /// <summary>The snapshots' SQLite file, next to the journal's.</summary>
    private string SnapshotFile =>
        new SqliteConnectionStringBuilder(ConfigStorePersistence.SnapshotConnectionString(StoreNode.MasterSettings(_dataDir).ConfigStore, _dataDir)).DataSource;

    private T Query<T>(string sql, Func<SqliteDataReader, T> read, string? file = null)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file ?? DbFile, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        return read(reader);
    }

    private List<long> SnapshotSequenceNumbers() => File.Exists(SnapshotFile)
        ? Query("SELECT sequence_number FROM snapshot ORDER BY sequence_number", reader =>
        {
            var numbers = new List<long>();
            while (reader.Read()) numbers.Add(reader.GetInt64(0));
            return numbers;
        }, SnapshotFile)
        : [];

    private long JournalFirstSequenceNumber() => Query("SELECT min(sequence_number) FROM journal", reader =>
    {
        reader.Read();
        return reader.GetInt64(0);
    });

    // ---- master ----

    [Fact]
    public async Task A_master_creates_the_identity_on_first_start_and_the_sqlite_file_under_the_data_dir()
    {
        await using var node = StoreNode.Start(this, StoreNode.MasterSettings(_dataDir));

        var document = node.Recovered.Document;
        Assert.Matches("^[0-9a-f]{32}$", document.Identity);
        Assert.Equal(0, document.Revision);
        Assert.Empty(document.Resources);
        Assert.Empty(node.Recovered.Updates);
        Assert.True(File.Exists(DbFile), $"{DbFile} missing");
        Assert.Equal(Path.Combine(_dataDir, "config-store", "config-snapshots.db"), SnapshotFile);
        Assert.True(File.Exists(SnapshotFile), $"{SnapshotFile} missing");
        var view = node.View();
        Assert.True(view.Recovered);
        StoreNode.AssertSame(document, view.Document);
        // Write-ahead logging was switched on by Prepare, in both files.
        Assert.Equal("wal", Query("PRAGMA journal_mode", r => { r.Read(); return r.GetString(0); }));
        Assert.Equal("wal", Query("PRAGMA journal_mode", r => { r.Read(); return r.GetString(0); }, SnapshotFile));
    }

    [Fact]
    public async Task Edits_get_the_next_revisions_in_order_and_the_listener_hears_of_each()
    {
        await using var node = StoreNode.Start(this, StoreNode.MasterSettings(_dataDir));
        var expected = node.Recovered.Document;

        for (var revision = 1; revision <= 5; revision++)
        {
            var value = $"{{\"v\":{revision}}}";
            var committed = node.Accepted($"tags/t{revision}", value, revision);
            expected = expected.Apply(revision, $"tags/t{revision}", value);
            StoreNode.AssertSame(expected, committed.Document);
            var update = Assert.Single(committed.Updates);
            Assert.Equal((revision, $"tags/t{revision}", value, expected.Digest), (update.Revision, update.Path, update.Value, update.DigestAfter));
        }

        // Pipelined: edits sent without waiting are still answered (and replicated) in revision order.
        for (var i = 6; i <= 25; i++) node.Client.Send(node.Store, new EditConfig($"bulk/b{i}", i.ToString()));
        for (var revision = 6; revision <= 25; revision++)
        {
            Assert.Equal(new EditResult(EditOutcome.Accepted, revision, "stored"), node.Client.ExpectMsg<EditResult>(StoreNode.Deadline));
            var committed = node.Listener.ExpectMsg<ConfigCommitted>(StoreNode.Deadline);
            expected = expected.Apply(revision, $"bulk/b{revision}", revision.ToString());
            Assert.Equal(revision, Assert.Single(committed.Updates).Revision);
            Assert.Equal(expected.Digest, committed.Updates[0].DigestAfter);
        }

        // The same value again: no new revision, nothing persisted or replicated.
        Assert.Equal(new EditResult(EditOutcome.Accepted, 25, "unchanged"), node.Edit("tags/t3", "{\"v\":3}"));
        // Deleting what is not there.
        Assert.Equal(new EditResult(EditOutcome.NotFound, 25, "no resource at 'nope'"), node.Edit("nope", null));
        // A delete is a revision; the listener's next news is it (so "unchanged" told it nothing).
        var deleted = node.Accepted("tags/t1", null, 26);
        expected = expected.Apply(26, "tags/t1", null);
        Assert.Null(Assert.Single(deleted.Updates).Value);
        StoreNode.AssertSame(expected, deleted.Document);
        Assert.False(node.Listener.HasMessages);

        StoreNode.AssertSame(expected, node.Document);

        node.Client.Send(node.Store, new GetRecentConfigChanges(23, 10));
        var changes = node.Client.ExpectMsg<RecentConfigChanges>(StoreNode.Deadline).Changes;
        Assert.Equal([(24L, "bulk/b24", "put"), (25L, "bulk/b25", "put"), (26L, "tags/t1", "delete")],
            changes.Select(c => (c.Revision, c.Path, c.Operation)));
        node.Client.Send(node.Store, new GetRecentConfigChanges(0, 2));
        Assert.Equal([1L, 2], node.Client.ExpectMsg<RecentConfigChanges>(StoreNode.Deadline).Changes.Select(c => c.Revision));
    }

    [Fact]
    public async Task A_restarted_master_recovers_the_same_document_and_refills_the_queue_from_the_journal()
    {
        var replayed = await StoreScenarios.EditRestartRecover(this, StoreNode.MasterSettings(_dataDir), edits: 40);

        // No snapshot yet (snapshot-every 500): every edit is replayed.
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), replayed);
    }

    [Fact]
    public async Task A_master_recovers_from_snapshots_and_the_events_after_them()
    {
        var settings = StoreNode.MasterSettings(_dataDir, "config-store.snapshot-every = 10");

        // Snapshots at revisions 10, 20, 30. Revision 30 is event 31 (the identity is event 1). A snapshot is
        // written in the background and may land after the edits are answered: wait for it before the stop,
        // or the restart recovers from an older one.
        var replayed = await StoreScenarios.EditRestartRecover(this, settings, edits: 35, beforeStop: () =>
            AwaitAssert(() => Assert.Equal(31L, SnapshotSequenceNumbers().Max()), StoreNode.Deadline));

        _output.WriteLine($"snapshot rows (sequence numbers) after the restart: {string.Join(", ", SnapshotSequenceNumbers())}");
        // Only 31..35 are replayed: the rest came from the snapshot.
        Assert.Equal([31L, 32, 33, 34, 35], replayed);
    }

    [Fact]
    public async Task A_master_whose_last_event_went_into_a_snapshot_keeps_numbering_after_restarts()
    {
        // Revision 20 is snapshotted and, once edits pause, the events up to it deleted: the journal must
        // still know the highest sequence number, or the next edit after a restart would reuse one.
        var settings = StoreNode.MasterSettings(_dataDir, "config-store.snapshot-every = 10");
        ConfigDocument expected;
        await using (var node = StoreNode.Start(this, settings, "store-1"))
        {
            for (var revision = 1; revision <= 20; revision++)
            {
                var (path, value) = StoreScenarios.EditNumber(revision);
                node.Accepted(path, value, revision);
            }
            expected = node.Document;
            // Wait for the snapshot of revision 20 (event 21) and the compaction of the journal up to it
            // (events before 21 gone, 21 kept as the marker of the highest sequence number).
            AwaitAssert(() =>
            {
                Assert.Contains(21L, SnapshotSequenceNumbers());
                Assert.Equal(21L, JournalFirstSequenceNumber());
            }, StoreNode.Deadline, TimeSpan.FromMilliseconds(100));
        }

        for (var incarnation = 2; incarnation <= 4; incarnation++)
        {
            await using var node = StoreNode.Start(this, settings, $"store-{incarnation}");
            StoreNode.AssertSame(expected, node.Recovered.Document);
            var revision = expected.Revision + 1;
            var committed = node.Accepted($"restart/{incarnation}", "1", revision);
            expected = expected.Apply(revision, $"restart/{incarnation}", "1");
            StoreNode.AssertSame(expected, committed.Document);
        }

        await using var last = StoreNode.Start(this, settings, "store-last");
        StoreNode.AssertSame(expected, last.Document);
        Assert.Equal(23, expected.Revision);
    }

    // ---- backup ----

    private static ConfigDocument MasterDocument(string identity = "master-identity") =>
        ConfigDocument.Empty.WithIdentity(identity)
            .Apply(1, "a", "1")
            .Apply(2, "b", "{\"x\":[1,2]}")
            .Apply(3, "c", "\"three\"");

    [Fact]
    public async Task A_backup_has_no_identity_of_its_own_and_refuses_edits()
    {
        await using var node = StoreNode.Start(this, StoreNode.BackupSettings(_dataDir));

        StoreNode.AssertSame(ConfigDocument.Empty, node.Recovered.Document);
        var refused = node.Edit("a", "1");
        Assert.Equal(EditOutcome.Refused, refused.Outcome);
        Assert.Equal(0, refused.Revision);
        Assert.Contains("backup", refused.Message);
        Assert.Equal(EditOutcome.Refused, node.Edit("a", null).Outcome);
        StoreNode.AssertSame(ConfigDocument.Empty, node.Document);
        Assert.False(node.Listener.HasMessages);
    }

    [Fact]
    public async Task A_backup_applies_the_masters_updates_when_every_digest_matches()
    {
        var settings = StoreNode.BackupSettings(_dataDir);
        var master = MasterDocument();
        ConfigDocument expected;
        await using (var node = StoreNode.Start(this, settings))
        {
            // A backup has no identity until a full transfer gives it the master's: updates are refused before.
            var updates = StoreNode.UpdatesAfter(ref master, ("d", "4"));
            var early = node.Apply("master-identity", updates);
            Assert.False(early.Consistent);
            Assert.Contains("identity differs", early.Problem);
            master = MasterDocument();

            Assert.Equal(new ConfigReplacedAck(3, master.Digest), node.Replace(master, "first contact"));
            var replaced = node.Listener.ExpectMsg<ConfigCommitted>(StoreNode.Deadline);
            StoreNode.AssertSame(master, replaced.Document);
            Assert.Empty(replaced.Updates);

            updates = StoreNode.UpdatesAfter(ref master, ("d", "4"), ("a", null), ("b", "{\"x\":[]}"));
            var applied = node.Apply("master-identity", updates);

            Assert.Equal(new ReplicatedUpdatesApplied(true, 6, master.Digest, ""), applied);
            // The listener (the replicator) heard of the new revision before the answer came.
            var committed = node.Listener.ExpectMsg<ConfigCommitted>(StoreNode.Deadline);
            StoreNode.AssertSame(master, committed.Document);
            Assert.Equal([4L, 5, 6], committed.Updates.Select(u => u.Revision));
            Assert.Equal(updates.Select(u => u.DigestAfter), committed.Updates.Select(u => u.DigestAfter));
            // The backup keeps the master's acknowledgement time.
            Assert.Equal(updates.Select(u => u.AckedAt), committed.Updates.Select(u => u.AckedAt));
            StoreNode.AssertSame(master, node.Document);

            // An empty batch changes nothing.
            Assert.Equal(new ReplicatedUpdatesApplied(true, 6, master.Digest, ""), node.Apply("master-identity"));

            node.Client.Send(node.Store, new GetRecentConfigChanges(0, 10));
            Assert.Equal([(3L, "*", "replaced"), (4L, "d", "put"), (5L, "a", "delete"), (6L, "b", "put")],
                node.Client.ExpectMsg<RecentConfigChanges>(StoreNode.Deadline).Changes.Select(c => (c.Revision, c.Path, c.Operation)));
            expected = master;
        }

        await using var restarted = StoreNode.Start(this, settings, "store-restarted");
        StoreNode.AssertSame(expected, restarted.Recovered.Document);
        StoreNode.AssertSame(expected, restarted.Document);
        Assert.Equal(EditOutcome.Refused, restarted.Edit("a", "1").Outcome);
    }

    public static TheoryData<string, string> BadBatches => new()
    {
        { "wrong digest", "digest after revision 4 differs from the master's" },
        { "wrong digest in the middle", "digest after revision 5 differs from the master's" },
        { "revision gap", "revision 5 does not follow 3" },
        { "revision repeated", "revision 3 does not follow 3" },
        { "gap inside the batch", "revision 6 does not follow 4" },
        { "other identity", "identity differs (this node master-identity, master someone-else)" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_backup_refuses_a_whole_batch_that_does_not_follow_or_match_and_persists_nothing(string bad, string problem)
    {
        var settings = StoreNode.BackupSettings(_dataDir);
        var master = MasterDocument();
        await using (var node = StoreNode.Start(this, settings))
        {
            node.Replace(master);
            node.Listener.ExpectMsg<ConfigCommitted>(StoreNode.Deadline);

            var next = master;
            var updates = StoreNode.UpdatesAfter(ref next, ("d", "4"), ("e", "5"), ("f", "6"));
            var identity = "master-identity";
            switch (bad)
            {
                case "wrong digest": updates[0] = updates[0] with { DigestAfter = new string('0', 64) }; break;
                case "wrong digest in the middle": updates[1] = updates[1] with { Value = "55" }; break;
                case "revision gap": updates = updates[1..]; break;
                case "revision repeated": updates = [updates[0] with { Revision = 3 }]; break;
                case "gap inside the batch": updates = [updates[0], updates[2]]; break;
                case "other identity": identity = "someone-else"; break;
            }

            var refused = node.Apply(identity, updates);

            Assert.Equal(new ReplicatedUpdatesApplied(false, 3, master.Digest, problem), refused);
            Assert.False(node.Listener.HasMessages);
            StoreNode.AssertSame(master, node.Document);
        }

        await using var restarted = StoreNode.Start(this, settings, "store-restarted");
        StoreNode.AssertSame(master, restarted.Recovered.Document);
    }

    [Fact]
    public async Task ReplaceConfig_replaces_everything_and_survives_a_restart()
    {
        var settings = StoreNode.BackupSettings(_dataDir);
        var other = ConfigDocument.From("another-identity", 2, [new("x", "[1]"), new("y/z", "{}")]);
        await using (var node = StoreNode.Start(this, settings))
        {
            var first = MasterDocument();
            node.Replace(first);
            var updates = StoreNode.UpdatesAfter(ref first, ("d", "4"));
            Assert.True(node.Apply("master-identity", updates).Consistent);

            // Another master (another identity), at a lower revision: all of it replaces all of ours.
            Assert.Equal(new ConfigReplacedAck(2, other.Digest), node.Replace(other, "the backup's system identity differs"));
            StoreNode.AssertSame(other, node.Document);
            Assert.DoesNotContain("a", node.Document.Resources.Keys);

            // Updates now follow the new configuration.
            var next = other;
            Assert.True(node.Apply("another-identity", StoreNode.UpdatesAfter(ref next, ("x", null))).Consistent);
            other = next;
        }

        await using var restarted = StoreNode.Start(this, settings, "store-restarted");
        StoreNode.AssertSame(other, restarted.Recovered.Document);
        Assert.Equal(3, restarted.Document.Revision);
        Assert.Equal(["y/z"], restarted.Document.Resources.Keys);
        // A replacement is snapshotted at once, so a start does not replay a large event.
        Assert.NotEmpty(SnapshotSequenceNumbers());
    }

    [Fact]
    public async Task A_large_replacement_recovers_from_its_snapshot()
    {
        var settings = StoreNode.BackupSettings(_dataDir);
        var big = ConfigDocument.From("master-identity", 5000,
            Enumerable.Range(0, 2000).Select(i => new KeyValuePair<string, string>($"projects/p{i % 10}/tags/t{i}", $"{{\"address\":{i},\"name\":\"tag {i}\"}}")));
        await using (var node = StoreNode.Start(this, settings))
        {
            Assert.Equal(new ConfigReplacedAck(5000, big.Digest), node.Replace(big));
            AwaitAssert(() => Assert.NotEmpty(SnapshotSequenceNumbers()), StoreNode.Deadline);
        }

        await using var restarted = StoreNode.Start(this, settings, "store-restarted");
        StoreNode.AssertSame(big, restarted.Document);
    }
}
