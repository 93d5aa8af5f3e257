using RedundantGateway.History;
using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.History;

/// <summary>
/// What every history database must do (IHistoryStore), run against SQLite (SqliteHistoryStoreSpec) and PostgreSQL
/// (PostgresHistoryStoreSpec). Each test has a database of its own; <see cref="NewStoreAsync"/> opens another store
/// instance on it (the other node, or the same node after a restart).
/// </summary>
public abstract class HistoryStoreSpec : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly List<IHistoryStore> _stores = new();

    /// <summary>Creates the test's own empty database.</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>A store on the test's database, not opened.</summary>
    protected abstract IHistoryStore CreateStore();

    /// <summary>A store whose database cannot be reached or written.</summary>
    protected abstract IHistoryStore CreateUnavailableStore();

    /// <summary>The tag ids as the database holds them, read directly.</summary>
    protected abstract Task<IReadOnlyDictionary<string, long>> TagIdsAsync();

    public virtual Task InitializeAsync() => CreateDatabaseAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
    }

    protected async Task<IHistoryStore> NewStoreAsync()
    {
        var store = CreateStore();
        _stores.Add(store);
        await store.OpenAsync(CancellationToken.None);
        return store;
    }

    protected static HistorySample Sample(string tag, int second, object? value, string node = "master", long epoch = 1,
        TagQuality quality = TagQuality.Good) =>
        new(tag, T0.AddSeconds(second), value, quality, node, epoch);

    protected static HistoryBatch Batch(IEnumerable<HistorySample> samples, long epoch = 1, string node = "master", string pair = "pair-a") =>
        new(pair, node, epoch, samples.ToList());

    private static Task<HistoryWriteResult> Write(IHistoryStore store, HistoryBatch batch) => store.WriteAsync(batch, CancellationToken.None);

    private static Task<IReadOnlyList<HistorySample>> All(IHistoryStore store, string tag, int? maxPoints = null) =>
        store.QueryAsync(tag, T0.AddDays(-1), T0.AddDays(1), maxPoints, CancellationToken.None);

    [Fact]
    public async Task A_batch_written_twice_adds_nothing_the_second_time_and_counts_duplicates()
    {
        var store = await NewStoreAsync();
        var batch = Batch(Enumerable.Range(0, 500).Select(i => Sample($"p/tag{i % 5}", i / 5, i * 1.5)));

        var first = await Write(store, batch);
        var second = await Write(store, batch);

        Assert.Equal(new HistoryWriteResult(500, 0, [], null), first with { Rejected = [] });
        Assert.Empty(first.Rejected);
        Assert.Equal((0, 500), (second.Written, second.Duplicates));
        Assert.Empty(second.Rejected);
        Assert.Equal(100, (await All(store, "p/tag3")).Count);
    }

    [Fact]
    public async Task The_same_key_from_both_nodes_is_kept_once_and_the_second_writer_counts_duplicates()
    {
        var master = await NewStoreAsync();
        var backup = await NewStoreAsync();
        var fromMaster = Enumerable.Range(0, 10).Select(i => Sample("p/a", i, (double)i, node: "master", epoch: 3));
        // The backup logged the same source timestamps (plus two more) under the same designation.
        var fromBackup = Enumerable.Range(0, 12).Select(i => Sample("p/a", i, (double)i + 0.5, node: "backup", epoch: 3));

        var m = await Write(master, Batch(fromMaster, epoch: 3, node: "master"));
        var b = await Write(backup, Batch(fromBackup, epoch: 3, node: "backup"));

        Assert.Equal((10, 0), (m.Written, m.Duplicates));
        Assert.Equal((2, 10), (b.Written, b.Duplicates));
        var kept = await All(master, "p/a");
        Assert.Equal(12, kept.Count);
        Assert.All(kept.Take(10), s => Assert.Equal(("master", s.Timestamp.Second * 1.0), (s.Node, (double)s.Value!)));
        Assert.All(kept.Skip(10), s => Assert.Equal("backup", s.Node));
    }

    [Fact]
    public async Task Both_nodes_writing_the_same_keys_at_once_keep_each_key_once_and_count_the_rest_as_duplicates()
    {
        var master = await NewStoreAsync();
        var backup = await NewStoreAsync();
        async Task<(int Written, int Duplicates)> WriteAll(IHistoryStore store, string node)
        {
            var (written, duplicates) = (0, 0);
            for (var b = 0; b < 20; b++)
            {
                var result = await Write(store, Batch(Enumerable.Range(b * 500, 500).Select(i => Sample($"p/t{i % 10}", i / 10, (double)i, node: node)), node: node));
                (written, duplicates) = (written + result.Written, duplicates + result.Duplicates);
            }
            return (written, duplicates);
        }

        var results = await Task.WhenAll(Task.Run(() => WriteAll(master, "master")), Task.Run(() => WriteAll(backup, "backup")));

        Assert.Equal(10_000, results.Sum(r => r.Written));
        Assert.Equal(10_000, results.Sum(r => r.Duplicates));
        Assert.Equal(1000, (await All(master, "p/t7")).Count);
    }

    [Fact]
    public async Task A_batch_with_an_older_epoch_than_the_pair_has_seen_is_fenced_whole_and_a_newer_one_accepted()
    {
        var store = await NewStoreAsync();
        var other = await NewStoreAsync();

        var atFive = await Write(store, Batch([Sample("p/a", 0, 1.0, epoch: 5)], epoch: 5));
        var stale = await Write(other, Batch([Sample("p/a", 1, 2.0, node: "backup", epoch: 4), Sample("p/b", 1, 2.0, node: "backup", epoch: 4)],
            epoch: 4, node: "backup"));
        var newer = await Write(other, Batch([Sample("p/a", 2, 3.0, node: "backup", epoch: 6)], epoch: 6, node: "backup"));
        var nowStale = await Write(store, Batch([Sample("p/a", 3, 4.0, epoch: 5)], epoch: 5));
        var otherPair = await Write(store, Batch([Sample("q/a", 0, 1.0, epoch: 1)], epoch: 1, pair: "pair-b"));

        Assert.False(atFive.Fenced);
        Assert.Equal(new HistoryWriteResult(0, 0, [], 5), stale with { Rejected = [] });
        Assert.Equal(5, stale.FencedBy);
        Assert.Equal((1, false), (newer.Written, newer.Fenced));
        Assert.Equal(6, nowStale.FencedBy);
        Assert.Equal(0, nowStale.Written);
        Assert.Equal((1, false), (otherPair.Written, otherPair.Fenced));   // the fence is per pair
        Assert.Equal([0, 2], (await All(store, "p/a")).Select(s => s.Timestamp.Second));
        Assert.Empty(await All(store, "p/b"));
    }

    [Fact]
    public async Task A_batch_with_bad_rows_writes_the_rest_and_rejects_only_those_rows_with_the_database_reason()
    {
        var store = await NewStoreAsync();
        var samples = Enumerable.Range(0, 300).Select(i => Sample($"p/t{i % 3}", i, (double)i)).ToList();
        samples[37] = samples[37] with { Value = double.NaN };
        samples[38] = samples[38] with { Value = double.PositiveInfinity };
        samples[120] = samples[120] with { Timestamp = new DateTimeOffset(1969, 12, 31, 23, 59, 59, TimeSpan.Zero) };
        samples[200] = samples[200] with { Value = new string('x', HistoryConstraints.MaxTextLength + 1) };
        samples[201] = samples[201] with { Value = DateTime.UtcNow };   // no type history keeps
        samples[299] = samples[299] with { Tag = "" };

        var result = await Write(store, Batch(samples));

        Assert.Equal((294, 0), (result.Written, result.Duplicates));
        var reasons = result.Rejected.ToDictionary(r => samples.IndexOf(r.Sample), r => r.Reason);
        Assert.Equal([37, 38, 120, 200, 201, 299], reasons.Keys.Order());
        Assert.Contains("sample_number_finite", reasons[37]);
        Assert.Contains("sample_number_finite", reasons[38]);
        Assert.Contains("sample_time_in_range", reasons[120]);
        Assert.Contains("sample_text_length", reasons[200]);
        Assert.Contains("sample_value_type_known", reasons[201]);
        Assert.Contains("tag_path_length", reasons[299]);
        Assert.All(reasons.Values, reason => Assert.DoesNotContain('\n', reason));
        int[] bad = [37, 38, 120, 200, 201, 299];
        Assert.Equal(Enumerable.Range(0, 300).Where(i => i % 3 == 1 && !bad.Contains(i)).Select(i => T0.AddSeconds(i)),
            (await All(store, "p/t1")).Select(s => s.Timestamp));
        // The good rows are really there, and written again they are duplicates only.
        var again = await Write(store, Batch(samples));
        Assert.Equal((0, 294, 6), (again.Written, again.Duplicates, again.Rejected.Count));
    }

    [Fact]
    public async Task Tag_ids_are_stable_across_store_instances_and_written_samples_are_found_by_any()
    {
        var first = await NewStoreAsync();
        await Write(first, Batch([Sample("p/a", 0, 1.0), Sample("p/b", 0, 2.0)]));
        var before = await TagIdsAsync();

        var restarted = await NewStoreAsync();
        await Write(restarted, Batch([Sample("p/b", 1, 3.0), Sample("p/c", 1, 4.0), Sample("p/a", 1, 5.0)], node: "backup"));
        await Write(first, Batch([Sample("p/c", 2, 6.0)]));
        var after = await TagIdsAsync();

        Assert.Equal(before["p/a"], after["p/a"]);
        Assert.Equal(before["p/b"], after["p/b"]);
        Assert.Equal(3, after.Count);
        Assert.Equal(3, after.Values.Distinct().Count());
        Assert.Equal([1.0, 5.0], (await All(restarted, "p/a")).Select(s => (double)s.Value!));
        Assert.Equal([4.0, 6.0], (await All(first, "p/c")).Select(s => (double)s.Value!));
    }

    [Fact]
    public async Task An_unavailable_database_is_one_line_from_open_and_write()
    {
        await using var store = CreateUnavailableStore();

        var open = await Assert.ThrowsAsync<HistoryStoreUnavailableException>(() => store.OpenAsync(CancellationToken.None));
        var write = await Assert.ThrowsAsync<HistoryStoreUnavailableException>(() => Write(store, Batch([Sample("p/a", 0, 1.0)])));

        foreach (var error in new[] { open, write })
        {
            Assert.DoesNotContain('\n', error.Message);
            Assert.StartsWith(store.Description, error.Message);
        }
    }

    [Fact]
    public async Task A_query_returns_raw_samples_in_time_order_with_their_types_or_min_max_buckets()
    {
        var store = await NewStoreAsync();
        // Written out of order, in two batches; a spike up at 250 s and down at 620 s.
        var values = Enumerable.Range(0, 1000).Select(i => i == 250 ? 1000.0 : i == 620 ? -1000.0 : Math.Sin(i / 50.0)).ToArray();
        var samples = Enumerable.Range(0, 1000).Select(i => Sample("p/wave", i, values[i], epoch: 2)).Reverse().ToList();
        await Write(store, Batch(samples.Take(400), epoch: 2));
        await Write(store, Batch(samples.Skip(400), epoch: 2));
        await Write(store, Batch([Sample("p/mixed", 0, 42L), Sample("p/mixed", 1, true), Sample("p/mixed", 2, "text"),
            Sample("p/mixed", 3, null, quality: TagQuality.Bad), Sample("p/mixed", 4, 1.25, quality: TagQuality.Uncertain)], epoch: 2));

        var raw = await store.QueryAsync("p/wave", T0.AddSeconds(100), T0.AddSeconds(199), null, CancellationToken.None);
        var bucketed = await store.QueryAsync("p/wave", T0, T0.AddSeconds(999), 20, CancellationToken.None);
        var mixed = await All(store, "p/mixed");
        var fits = await store.QueryAsync("p/wave", T0, T0.AddSeconds(9), 20, CancellationToken.None);

        Assert.Equal(Enumerable.Range(100, 100).Select(i => (T0.AddSeconds(i), values[i])), raw.Select(s => (s.Timestamp, (double)s.Value!)));
        Assert.All(raw, s => Assert.Equal(("master", 2L, TagQuality.Good), (s.Node, s.Epoch, s.Quality)));
        Assert.InRange(bucketed.Count, 10, 20);
        Assert.Equal(bucketed.OrderBy(s => s.Timestamp), bucketed);
        Assert.Contains(bucketed, s => (double)s.Value! == 1000.0 && s.Timestamp == T0.AddSeconds(250));
        Assert.Contains(bucketed, s => (double)s.Value! == -1000.0 && s.Timestamp == T0.AddSeconds(620));
        Assert.Equal([42L, true, "text", null, 1.25], mixed.Select(s => s.Value));
        Assert.Equal([TagQuality.Good, TagQuality.Good, TagQuality.Good, TagQuality.Bad, TagQuality.Uncertain], mixed.Select(s => s.Quality));
        Assert.Equal(10, fits.Count);   // fewer than maxPoints: raw
        Assert.Empty(await All(store, "p/unknown"));
    }

    [Fact]
    public async Task Timestamps_are_kept_to_the_microsecond_and_a_sub_microsecond_difference_is_the_same_key()
    {
        var store = await NewStoreAsync();
        var t = T0.AddTicks(1234567);   // 123456.7 microseconds after T0

        var first = await Write(store, Batch([new HistorySample("p/a", t, 1.0, TagQuality.Good, "master", 1)]));
        var same = await Write(store, Batch([new HistorySample("p/a", t.AddTicks(-7), 2.0, TagQuality.Good, "backup", 1)], node: "backup"));

        Assert.Equal((1, 0), (first.Written, first.Duplicates));
        Assert.Equal((0, 1), (same.Written, same.Duplicates));
        Assert.Equal(T0.AddTicks(1234560), Assert.Single(await All(store, "p/a")).Timestamp);
    }
}
