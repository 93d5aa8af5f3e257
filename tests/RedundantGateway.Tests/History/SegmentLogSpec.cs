using RedundantGateway.History;
using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.Historian;

/// <summary>The history cache's segment log on disk: append, read oldest first, release, restart, a torn tail.</summary>
public sealed class SegmentLogSpec : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
    private const long SmallSegments = 4096;
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteQuietly(_dir);

    internal static HistorySample Sample(int i, object? value = null) =>
        new($"projects/p/tags/t{i % 7}", T0.AddMilliseconds(i), value ?? (double)i, TagQuality.Good, "master", 3);

    private static List<HistorySample> Samples(int from, int count) => Enumerable.Range(from, count).Select(i => Sample(i)).ToList();

    private SegmentLog Open(out IReadOnlyList<string> warnings) => SegmentLog.Open(_dir, SmallSegments, out warnings);

    private SegmentLog Open() => Open(out _);

    private static List<HistorySample> ReadAll(SegmentLog log, int batch = 100)
    {
        var all = new List<HistorySample>();
        while (log.ReadOldest(batch) is { } read) all.AddRange(read.Samples);
        return all;
    }

    [Fact]
    public void Samples_come_back_oldest_first_with_their_values_and_sequences()
    {
        using var log = Open();
        var typed = new[] { Sample(1, 1.5), Sample(2, 42L), Sample(3, true), Sample(4, "text é"), new HistorySample("t", T0, null, TagQuality.Bad, "backup", 9) };
        Assert.Equal(5, log.Append(typed));
        log.Append(Samples(10, 200));

        var first = log.ReadOldest(3)!;
        Assert.Equal((1, 3), (first.FirstSequence, first.LastSequence));
        Assert.Equal(typed[..3], first.Samples);
        var rest = ReadAll(log);
        Assert.Equal(typed[3..].Concat(Samples(10, 200)), rest);
        Assert.Null(log.ReadOldest(10));
        Assert.Equal(205, log.Rows);
        Assert.True(log.Segments > 1, "small segments roll");
    }

    [Fact]
    public void Released_samples_are_gone_and_whole_segments_deleted()
    {
        using var log = Open();
        log.Append(Samples(0, 300));
        var segmentsBefore = Directory.GetFiles(_dir, "*.seg").Length;
        Assert.True(segmentsBefore > 2);

        var read = log.ReadOldest(200)!;
        log.Release(read.LastSequence);

        Assert.Equal(100, log.Rows);
        Assert.True(Directory.GetFiles(_dir, "*.seg").Length < segmentsBefore);
        Assert.Equal(Samples(200, 100), ReadAll(log));
        log.Release(log.LastSequence);
        Assert.Equal(0, log.Rows);
        Assert.Single(Directory.GetFiles(_dir, "*.seg"));
        Assert.Null(log.OldestTimestamp);
    }

    [Fact]
    public void Rewind_reads_again_what_was_read_and_not_released()
    {
        using var log = Open();
        log.Append(Samples(0, 50));
        log.Release(log.ReadOldest(10)!.LastSequence);
        log.ReadOldest(20);
        log.Rewind();
        Assert.Equal(Samples(10, 40), ReadAll(log));
    }

    [Fact]
    public void A_restart_keeps_every_unreleased_sample_and_the_oldest_time()
    {
        using (var log = Open())
        {
            log.Append(Samples(0, 500));
            log.Release(log.ReadOldest(120)!.LastSequence);
            log.ReadOldest(50); // read, not released: comes back after the restart
        }
        using (var again = Open(out var warnings))
        {
            Assert.Empty(warnings);
            Assert.Equal(380, again.Rows);
            Assert.Equal(T0.AddMilliseconds(120), again.OldestTimestamp);
            Assert.Equal(Samples(120, 380), ReadAll(again));
            // New samples carry on after the old ones.
            Assert.Equal(501, again.Append(Samples(500, 1)));
        }
    }

    [Fact]
    public void A_torn_tail_record_is_dropped_with_a_warning_and_nothing_before_it_is_lost()
    {
        using (var log = Open()) log.Append(Samples(0, 30));
        var last = Directory.GetFiles(_dir, "*.seg").Order().Last();
        // kill -9 in the middle of a write: the last record is cut short.
        using (var file = new FileStream(last, FileMode.Open)) file.SetLength(file.Length - 5);

        using var again = Open(out var warnings);
        var warning = Assert.Single(warnings);
        Assert.Contains("torn record", warning);
        Assert.Equal(Samples(0, 29), ReadAll(again));
        // Appends go on after the last good record.
        again.Append(Samples(100, 2));
        again.Rewind();
        Assert.Equal(Samples(0, 29).Concat(Samples(100, 2)), ReadAll(again));
    }

    [Fact]
    public void A_record_failing_its_checksum_ends_its_segment_with_a_warning()
    {
        using (var log = Open()) log.Append(Samples(0, 30));
        var segment = Directory.GetFiles(_dir, "*.seg").Order().Last();
        var bytes = File.ReadAllBytes(segment);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        using var again = Open(out var warnings);
        Assert.Contains("checksum", Assert.Single(warnings));
        Assert.Equal(Samples(0, 29), ReadAll(again));
    }

    [Fact]
    public void Retain_keeps_what_the_filter_accepts_durably_and_drops_the_rest()
    {
        using (var log = Open())
        {
            log.Append(Samples(0, 100));
            var (kept, dropped) = log.Retain(s => s.Timestamp >= T0.AddMilliseconds(60));
            Assert.Equal((40, 60), (kept, dropped));
        }
        using var again = Open();
        Assert.Equal(Samples(60, 40), ReadAll(again));
    }

    [Fact]
    public void Reading_stops_at_the_sequence_asked()
    {
        using var log = Open();
        log.Append(Samples(0, 20));
        Assert.Equal(5, log.ReadOldest(100, lastSequence: 5)!.Samples.Count);
        Assert.Null(log.ReadOldest(100, lastSequence: 5));
    }
}
