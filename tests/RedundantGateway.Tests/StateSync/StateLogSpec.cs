using RedundantGateway.StateSync;
using RedundantGateway.Tests.Alarms;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

public sealed class StateLogSpec : IDisposable
{
    private readonly string _root = TestSupport.TempDir();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => TestSupport.DeleteQuietly(_root);

    private StateSyncSettings Settings(string name = "node", long maxLogBytes = 1 << 20, TimeSpan syncInterval = default) =>
        new(Path.Combine(_root, name), syncInterval, maxLogBytes, SnapshotBatchEntries: 7);

    private static AlarmStateSet Delta(int i) =>
        AlarmStateSet.Of($"projects/p/alarms/a{i % 13}", StateCodecSpec.FullEntry(i));

    /// <summary>The files as a node killed now leaves them: a copy of its folder, taken with the store still open.</summary>
    private StateSyncSettings CrashCopy(StateSyncSettings settings, string name)
    {
        var copy = Settings(name);
        Directory.CreateDirectory(copy.Directory);
        foreach (var file in Directory.GetFiles(settings.Directory))
            File.Copy(file, Path.Combine(copy.Directory, Path.GetFileName(file)));
        return copy with { MaxLogBytes = settings.MaxLogBytes };
    }

    private (StateLog Log, StateLoadReport Report) Open(StateSyncSettings settings) => StateLog.Open(settings, _time);

    [Fact]
    public void Every_appended_batch_is_there_after_a_kill_without_any_close()
    {
        var settings = Settings();
        var (log, report) = Open(settings);
        using (log)
        {
            Assert.Equal(new StateLoadReport(0, 0, 0, 0, null), report);
            for (var i = 0; i < 20; i++) log.Append(Delta(i));
            Assert.False(log.NeedsSync);

            var (loaded, loadedReport) = Open(CrashCopy(settings, "after-kill"));
            using (loaded)
            {
                Assert.True(loaded.State.SameAs(log.State));
                Assert.Equal(20, loadedReport.LogRecords);
                Assert.Null(loadedReport.Problem);
            }
        }
    }

    [Fact]
    public void A_torn_last_record_is_dropped_and_the_next_append_follows_the_last_good_one()
    {
        var settings = Settings();
        var (log, _) = Open(settings);
        AlarmStateSet firstTwo;
        using (log)
        {
            log.Append(Delta(1));
            log.Append(Delta(2));
            firstTwo = log.State;
            log.Append(Delta(3));
        }
        var logPath = Path.Combine(settings.Directory, StateLog.LogFile);
        using (var file = new FileStream(logPath, FileMode.Open)) file.SetLength(file.Length - 5);

        var (reopened, report) = Open(settings);
        using (reopened)
        {
            Assert.True(reopened.State.SameAs(firstTwo));
            Assert.Equal(2, report.LogRecords);
            Assert.True(report.DiscardedLogBytes > 0);
            Assert.Contains("torn", report.Problem);
            Assert.Empty(Directory.GetFiles(settings.Directory, "*.corrupt-*"));
            reopened.Append(Delta(4));
        }
        var (again, againReport) = Open(settings);
        using (again)
        {
            Assert.Equal(3, againReport.LogRecords);
            Assert.Null(againReport.Problem);
            Assert.True(again.State.SameAs(firstTwo.Merge(Delta(4))));
        }
    }

    [Fact]
    public void A_corrupt_record_stops_the_read_there_and_the_log_is_copied_aside_first()
    {
        var settings = Settings();
        var (log, _) = Open(settings);
        long firstRecordEnd;
        using (log)
        {
            log.Append(Delta(1));
            firstRecordEnd = log.LogBytes;
            log.Append(Delta(2));
            log.Append(Delta(3));
        }
        var logPath = Path.Combine(settings.Directory, StateLog.LogFile);
        var bytes = File.ReadAllBytes(logPath);
        bytes[firstRecordEnd + 20] ^= 0xFF;
        File.WriteAllBytes(logPath, bytes);

        var (reopened, report) = Open(settings);
        using (reopened)
        {
            Assert.True(reopened.State.SameAs(Delta(1)));
            Assert.Contains("checksum", report.Problem);
            Assert.DoesNotContain('\n', report.Problem!);
            var aside = Assert.Single(Directory.GetFiles(settings.Directory, "state.log.corrupt-*"));
            Assert.Equal(bytes, File.ReadAllBytes(aside));
        }
    }

    [Fact]
    public void Past_its_bound_the_log_is_compacted_into_a_snapshot_that_loads_the_same_state()
    {
        var settings = Settings(maxLogBytes: 2_000);
        var (log, _) = Open(settings);
        using (log)
        {
            for (var i = 0; !log.CompactionDue; i++) log.Append(Delta(i));
            var before = log.State;

            Assert.True(log.Compact() > 0);
            Assert.Equal(0, log.LogBytes);
            Assert.False(log.CompactionDue);
            log.Append(Delta(100));

            var (loaded, report) = Open(CrashCopy(settings, "after-compaction"));
            using (loaded)
            {
                Assert.True(loaded.State.SameAs(before.Merge(Delta(100))));
                Assert.Equal(2, report.SnapshotRecords); // 13 alarms, 7 per record
                Assert.Equal(1, report.LogRecords);
            }
        }
    }

    [Fact]
    public void A_crash_between_the_snapshot_rename_and_the_log_truncation_loads_the_same_state()
    {
        var settings = Settings();
        var (log, _) = Open(settings);
        using (log)
        {
            for (var i = 0; i < 30; i++) log.Append(Delta(i));
            var oldLog = File.ReadAllBytes(Path.Combine(settings.Directory, StateLog.LogFile));
            log.Compact();
            var crashed = CrashCopy(settings, "crashed");
            File.WriteAllBytes(Path.Combine(crashed.Directory, StateLog.LogFile), oldLog);
            File.WriteAllText(Path.Combine(crashed.Directory, StateLog.SnapshotFile + ".tmp"), "half a snapshot");

            var (loaded, report) = Open(crashed);
            using (loaded)
            {
                Assert.True(loaded.State.SameAs(log.State));
                Assert.Null(report.Problem);
                Assert.False(File.Exists(Path.Combine(crashed.Directory, StateLog.SnapshotFile + ".tmp")));
            }
        }
    }

    [Fact]
    public void A_damaged_snapshot_is_moved_aside_and_its_good_records_kept()
    {
        var settings = Settings();
        var (log, _) = Open(settings);
        using (log)
        {
            for (var i = 0; i < 13; i++) log.Append(Delta(i));
            log.Compact();
        }
        var snapshotPath = Path.Combine(settings.Directory, StateLog.SnapshotFile);
        var bytes = File.ReadAllBytes(snapshotPath);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(snapshotPath, bytes);

        var (reopened, report) = Open(settings);
        using (reopened)
        {
            Assert.Equal(7, reopened.State.Count);
            Assert.StartsWith("snapshot:", report.Problem);
            Assert.False(File.Exists(snapshotPath));
            Assert.Equal(bytes, File.ReadAllBytes(Assert.Single(Directory.GetFiles(settings.Directory, "state.snapshot.corrupt-*"))));
        }
    }

    [Fact]
    public void With_a_sync_interval_appends_wait_for_the_owners_sync()
    {
        var (log, _) = Open(Settings(syncInterval: TimeSpan.FromMilliseconds(20)));
        using (log)
        {
            log.Append(Delta(1));
            Assert.True(log.NeedsSync);
            log.Sync();
            Assert.False(log.NeedsSync);
            log.Append(AlarmStateSet.Empty);
            Assert.False(log.NeedsSync);
        }
    }
}
