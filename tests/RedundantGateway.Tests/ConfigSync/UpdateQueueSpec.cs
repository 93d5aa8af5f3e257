using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>The master's bounded queue of recent updates for the backup.</summary>
public sealed class UpdateQueueSpec
{
    /// <summary>
    /// An update the queue counts as <paramref name="units"/> x 3 bytes (256 + twice the path and UTF-8 value):
    /// the specs below reason in units of 100 per ordinary update, i.e. 300 bytes.
    /// </summary>
    private static ConfigUpdate Update(long revision, int units = 100)
    {
        var bytes = units * 3;
        var update = new ConfigUpdate(revision, "p", new string('v', (bytes - 256) / 2 - 1), $"digest-{revision}", DateTimeOffset.UnixEpoch);
        Assert.Equal(bytes, update.Bytes);
        return update;
    }

    private static UpdateQueue Filled(int maxCount, long maxBytes, long from, long to, int bytes = 100)
    {
        var queue = new UpdateQueue(maxCount, maxBytes);
        for (var revision = from; revision <= to; revision++) queue.Add(Update(revision, bytes));
        return queue;
    }

    private static long[] Revisions(IEnumerable<ConfigUpdate> updates) => updates.Select(u => u.Revision).ToArray();

    [Fact]
    public void Update_bytes_count_path_and_utf8_value_plus_an_envelope()
    {
        // An upper bound of the wire size: JSON escaping at most doubles a string.
        Assert.Equal(256 + 2 * 4, new ConfigUpdate(1, "a/bc", null, "d", DateTimeOffset.UnixEpoch).Bytes);
        Assert.Equal(256 + 2 * (1 + 2), new ConfigUpdate(1, "a", "\u00e9", "d", DateTimeOffset.UnixEpoch).Bytes);
    }

    [Fact]
    public void Empty_queue()
    {
        var queue = new UpdateQueue(10, 1000);

        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.Bytes);
        Assert.Null(queue.OldestRevision);
        Assert.Empty(queue.After(0, 10, 1000));
        Assert.True(queue.Covers(0, 0));   // nothing to send
        Assert.True(queue.Covers(7, 7));
        Assert.False(queue.Covers(0, 1));  // something to send, nothing queued
    }

    [Fact]
    public void Bounded_by_count_the_oldest_go_first()
    {
        var queue = Filled(maxCount: 3, maxBytes: 1_000_000, from: 1, to: 5);

        Assert.Equal(3, queue.Count);
        Assert.Equal(3, queue.OldestRevision);
        Assert.Equal(900, queue.Bytes);
        Assert.Equal([3L, 4, 5], Revisions(queue.After(0, 100, 1_000_000)));
    }

    [Fact]
    public void Bounded_by_bytes_the_oldest_go_first()
    {
        var queue = Filled(maxCount: 1000, maxBytes: 750, from: 1, to: 5);

        Assert.Equal(2, queue.Count);
        Assert.Equal(600, queue.Bytes);
        Assert.Equal(4, queue.OldestRevision);

        // A large update pushes out as many small ones as it needs to.
        queue.Add(Update(6, 150));
        Assert.Equal([5L, 6], Revisions(queue.After(0, 100, 1_000_000)));
        Assert.Equal(750, queue.Bytes);
    }

    [Fact]
    public void Bytes_exactly_at_the_bound_are_kept()
    {
        var queue = Filled(maxCount: 3, maxBytes: 900, from: 1, to: 3);

        Assert.Equal(3, queue.Count);
        Assert.Equal(900, queue.Bytes);
    }

    [Fact]
    public void Covers_at_the_edges()
    {
        // Holds revisions 3, 4, 5.
        var queue = Filled(maxCount: 3, maxBytes: 1_000_000, from: 1, to: 5);

        Assert.True(queue.Covers(2, 5));   // needs 3..5: all there
        Assert.True(queue.Covers(3, 5));
        Assert.True(queue.Covers(4, 5));
        Assert.True(queue.Covers(5, 5));   // up to date
        Assert.True(queue.Covers(9, 5));   // ahead: not the queue's business (the replicator checks it first)
        Assert.False(queue.Covers(1, 5));  // needs 2, dropped
        Assert.False(queue.Covers(0, 5));
        Assert.False(queue.Covers(2, 6));  // the latest revision is not queued (yet)
    }

    [Fact]
    public void After_returns_the_updates_following_a_revision_in_order()
    {
        var queue = Filled(maxCount: 100, maxBytes: 1_000_000, from: 1, to: 10);

        Assert.Equal([4L, 5, 6, 7, 8, 9, 10], Revisions(queue.After(3, 100, 1_000_000)));
        Assert.Equal([10L], Revisions(queue.After(9, 100, 1_000_000)));
        Assert.Empty(queue.After(10, 100, 1_000_000));
        Assert.Empty(queue.After(500, 100, 1_000_000));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), Revisions(queue.After(0, 100, 1_000_000)));
    }

    [Fact]
    public void After_respects_the_maximum_count()
    {
        var queue = Filled(maxCount: 100, maxBytes: 1_000_000, from: 1, to: 10);

        Assert.Equal([3L, 4, 5], Revisions(queue.After(2, 3, 1_000_000)));
        Assert.Equal([3L], Revisions(queue.After(2, 1, 1_000_000)));
    }

    [Fact]
    public void After_respects_the_maximum_bytes_but_returns_at_least_one()
    {
        var queue = Filled(maxCount: 100, maxBytes: 1_000_000, from: 1, to: 10);

        Assert.Equal([3L, 4, 5], Revisions(queue.After(2, 100, 900)));  // exactly 900
        Assert.Equal([3L, 4], Revisions(queue.After(2, 100, 899)));
        Assert.Equal([3L], Revisions(queue.After(2, 100, 300)));
        Assert.Equal([3L], Revisions(queue.After(2, 100, 1)));          // larger than the bound: still one
        Assert.Equal([3L], Revisions(queue.After(2, 100, 0)));
    }

    [Fact]
    public void A_revision_that_does_not_follow_starts_the_queue_afresh()
    {
        var queue = Filled(maxCount: 100, maxBytes: 1_000_000, from: 1, to: 3);

        queue.Add(Update(7));   // a replaced configuration
        Assert.Equal(1, queue.Count);
        Assert.Equal(300, queue.Bytes);
        Assert.Equal(7, queue.OldestRevision);
        Assert.False(queue.Covers(3, 7));
        Assert.True(queue.Covers(6, 7));

        queue.Add(Update(2));   // backwards
        Assert.Equal([2L], Revisions(queue.After(0, 100, 1_000_000)));

        queue.Add(Update(2));   // the same revision again
        Assert.Equal([2L], Revisions(queue.After(0, 100, 1_000_000)));
        Assert.Equal(300, queue.Bytes);

        queue.Add(Update(3));
        Assert.Equal([2L, 3], Revisions(queue.After(0, 100, 1_000_000)));
    }

    [Fact]
    public void Clear_empties_the_queue()
    {
        var queue = Filled(maxCount: 100, maxBytes: 1_000_000, from: 1, to: 3);

        queue.Clear();

        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.Bytes);
        Assert.Null(queue.OldestRevision);
        queue.Add(Update(9));
        Assert.Equal([9L], Revisions(queue.After(0, 100, 1_000_000)));
    }

    [Fact]
    public void Stays_correct_over_many_updates_as_its_storage_is_compacted()
    {
        var queue = new UpdateQueue(100, 1_000_000);
        for (var revision = 1; revision <= 10_000; revision++)
        {
            queue.Add(Update(revision));
            Assert.Equal(Math.Min(revision, 100), queue.Count);
            Assert.Equal(queue.Count * 300L, queue.Bytes);
            Assert.Equal(Math.Max(1, revision - 99), queue.OldestRevision);
        }

        Assert.Equal(Enumerable.Range(9951, 50).Select(i => (long)i), Revisions(queue.After(9950, 1000, 1_000_000)));
        Assert.Equal(Enumerable.Range(9901, 100).Select(i => (long)i), Revisions(queue.After(0, 1000, 1_000_000)));
        Assert.True(queue.Covers(9900, 10_000));
        Assert.False(queue.Covers(9899, 10_000));
    }

    [Fact]
    public void The_digest_after_a_queued_revision_is_known_and_others_are_not()
    {
        var queue = Filled(maxCount: 3, maxBytes: 1_000_000, from: 1, to: 5);

        Assert.Equal("digest-3", queue.DigestAfter(3));
        Assert.Equal("digest-5", queue.DigestAfter(5));
        Assert.Null(queue.DigestAfter(2));   // dropped
        Assert.Null(queue.DigestAfter(6));   // not yet
        Assert.Null(new UpdateQueue(3, 1000).DigestAfter(1));
    }
}
