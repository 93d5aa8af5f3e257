namespace RedundantGateway.History;

/// <summary>
/// What a history database offers one batch: a transaction with one savepoint at a time, the pair's fence, tag ids,
/// and an idempotent insert of a run of rows. Any exception it throws is classified by the store.
/// </summary>
public interface IHistoryWriteSession : IAsyncDisposable
{
    /// <summary>Raises the pair's fence to <paramref name="epoch"/> (never lowers it) and returns the fence after, locked until commit.</summary>
    Task<long> RaiseFenceAsync(string pair, long epoch, CancellationToken cancellationToken);

    /// <summary>The id of each path, inserting the paths not known yet.</summary>
    Task<IReadOnlyDictionary<string, long>> ResolveTagsAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>Inserts the rows, skipping those whose (tag id, time) is already there; returns how many were new.</summary>
    Task<int> InsertAsync(IReadOnlyList<(long TagId, SampleColumns Columns)> rows, CancellationToken cancellationToken);

    Task SavepointAsync(CancellationToken cancellationToken);
    Task RollbackToSavepointAsync(CancellationToken cancellationToken);
    Task ReleaseSavepointAsync(CancellationToken cancellationToken);
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The write logic both databases share: one transaction per batch, the fence checked and raised in it first, tag ids
/// resolved (and cached only once committed), rows inserted with ON CONFLICT DO NOTHING, and a batch the database
/// refuses split in halves (each under a savepoint) until the refused rows stand alone: they come back as Rejected with
/// the database's reason, the rest is written. Any other failure is <see cref="HistoryStoreUnavailableException"/>.
/// </summary>
public abstract class BatchingHistoryStore : IHistoryStore
{
    // Tag ids are keyed by path in the shared database, so a cached id is the same on both nodes and after restarts.
    private readonly Dictionary<string, long> _tagIds = new(StringComparer.Ordinal);

    public abstract string Description { get; }

    public abstract Task OpenAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>A new transaction on the database.</summary>
    protected abstract Task<IHistoryWriteSession> BeginAsync(CancellationToken cancellationToken);

    /// <summary>The one-line reason when <paramref name="error"/> is the database refusing the rows themselves; null otherwise.</summary>
    protected abstract string? RowProblem(Exception error);

    /// <summary>The database could not be reached or written: one line naming it (without secrets) and the cause.</summary>
    protected abstract HistoryStoreUnavailableException Unavailable(Exception error);

    /// <summary>Called after a failure that is not a row problem (e.g. to drop a broken connection).</summary>
    protected virtual ValueTask ResetAsync() => ValueTask.CompletedTask;

    /// <summary>The id of a tag already known to the database, without creating one; null if it has none.</summary>
    protected abstract Task<long?> FindTagAsync(string path, CancellationToken cancellationToken);

    /// <summary>The rows of a tag in [from, to] in time order.</summary>
    protected abstract IAsyncEnumerable<SampleColumns> ReadAsync(long tagId, long fromMicros, long toMicros, CancellationToken cancellationToken);

    /// <summary>How many rows of a tag lie in [from, to].</summary>
    protected abstract Task<long> CountAsync(long tagId, long fromMicros, long toMicros, CancellationToken cancellationToken);

    public async Task<HistoryWriteResult> WriteAsync(HistoryBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = await BeginAsync(cancellationToken);
            var fence = await session.RaiseFenceAsync(batch.Pair, batch.Epoch, cancellationToken);
            if (fence > batch.Epoch) return new HistoryWriteResult(0, 0, [], fence);   // disposed without commit: rolled back

            var rejected = new List<RejectedSample>();
            var resolved = await ResolveTagsAsync(session, batch.Samples, rejected, cancellationToken);
            var keyed = new List<(long TagId, SampleColumns Columns, HistorySample Sample)>(batch.Samples.Count);
            foreach (var sample in batch.Samples)
            {
                if (!resolved.TryGetValue(sample.Tag, out var id)) continue;   // its path was refused: already rejected
                keyed.Add((id, SampleColumns.From(sample), sample));
            }
            // In key order (a stable sort: of two samples with one key the first still wins): a batch arrives in time
            // order across many tags, and inserting tag by tag touches each index page once instead of once per row.
            var ordered = keyed.OrderBy(k => k.TagId).ThenBy(k => k.Columns.Micros).ToList();
            var rows = ordered.ConvertAll(k => (k.TagId, k.Columns));
            var samples = ordered.ConvertAll(k => k.Sample);
            var (written, attempted) = await InsertIsolatingAsync(session, rows, samples, 0, rows.Count, rejected, cancellationToken);
            await session.CommitAsync(cancellationToken);
            foreach (var (path, id) in resolved) _tagIds[path] = id;
            return new HistoryWriteResult(written, attempted - written, rejected, null);
        }
        catch (Exception e) when (e is not OperationCanceledException and not HistoryStoreUnavailableException)
        {
            await ResetAsync();
            throw Unavailable(e);
        }
    }

    /// <summary>Ids of the batch's paths: cached ones, then the others all at once, or one by one when that is refused.</summary>
    private async Task<Dictionary<string, long>> ResolveTagsAsync(IHistoryWriteSession session, IReadOnlyList<HistorySample> samples,
        List<RejectedSample> rejected, CancellationToken cancellationToken)
    {
        var resolved = new Dictionary<string, long>(StringComparer.Ordinal);
        var missing = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            if (!seen.Add(sample.Tag)) continue;
            if (_tagIds.TryGetValue(sample.Tag, out var id)) resolved[sample.Tag] = id;
            else missing.Add(sample.Tag);
        }
        if (missing.Count == 0) return resolved;
        if (await TryResolveAsync(session, missing, resolved, cancellationToken) is null) return resolved;
        foreach (var path in missing)
        {
            if (await TryResolveAsync(session, [path], resolved, cancellationToken) is not { } reason) continue;
            rejected.AddRange(samples.Where(s => s.Tag == path).Select(s => new RejectedSample(s, reason)));
        }
        return resolved;
    }

    private async Task<string?> TryResolveAsync(IHistoryWriteSession session, IReadOnlyList<string> paths,
        Dictionary<string, long> resolved, CancellationToken cancellationToken)
    {
        await session.SavepointAsync(cancellationToken);
        try
        {
            foreach (var (path, id) in await session.ResolveTagsAsync(paths, cancellationToken)) resolved[path] = id;
            await session.ReleaseSavepointAsync(cancellationToken);
            return null;
        }
        catch (Exception e) when (RowProblem(e) is { } reason)
        {
            await session.RollbackToSavepointAsync(cancellationToken);
            await session.ReleaseSavepointAsync(cancellationToken);
            return reason;
        }
    }

    /// <summary>Inserts rows [start, start+count); a refused run is halved until each refused row stands alone.</summary>
    private async Task<(int Written, int Attempted)> InsertIsolatingAsync(IHistoryWriteSession session,
        List<(long TagId, SampleColumns Columns)> rows, List<HistorySample> samples, int start, int count,
        List<RejectedSample> rejected, CancellationToken cancellationToken)
    {
        if (count == 0) return (0, 0);
        await session.SavepointAsync(cancellationToken);
        try
        {
            var written = await session.InsertAsync(start == 0 && count == rows.Count ? rows : rows.GetRange(start, count), cancellationToken);
            await session.ReleaseSavepointAsync(cancellationToken);
            return (written, count);
        }
        catch (Exception e) when (RowProblem(e) is { } reason)
        {
            await session.RollbackToSavepointAsync(cancellationToken);
            await session.ReleaseSavepointAsync(cancellationToken);
            if (count == 1)
            {
                rejected.Add(new RejectedSample(samples[start], reason));
                return (0, 0);
            }
        }
        var half = count / 2;
        var (w1, a1) = await InsertIsolatingAsync(session, rows, samples, start, half, rejected, cancellationToken);
        var (w2, a2) = await InsertIsolatingAsync(session, rows, samples, start + half, count - half, rejected, cancellationToken);
        return (w1 + w2, a1 + a2);
    }

    public async Task<IReadOnlyList<HistorySample>> QueryAsync(string tag, DateTimeOffset from, DateTimeOffset to, int? maxPoints,
        CancellationToken cancellationToken)
    {
        if (maxPoints is < 1) throw new ArgumentOutOfRangeException(nameof(maxPoints), maxPoints, "maxPoints must be at least 1");
        var (fromMicros, toMicros) = (SampleColumns.ToMicros(from), SampleColumns.ToMicros(to));
        if (toMicros < fromMicros) return [];
        try
        {
            long? id = _tagIds.TryGetValue(tag, out var cached) ? cached : await FindTagAsync(tag, cancellationToken);
            if (id is null) return [];
            var result = new List<HistorySample>();
            var rows = ReadAsync(id.Value, fromMicros, toMicros, cancellationToken);
            if (maxPoints is not { } points || await CountAsync(id.Value, fromMicros, toMicros, cancellationToken) <= points)
            {
                await foreach (var row in rows) result.Add(row.ToSample(tag));
                return result;
            }
            var buckets = new MinMaxBuckets(fromMicros, toMicros, points);
            await foreach (var row in rows) buckets.Add(row);
            result.AddRange(buckets.Finish().Select(row => row.ToSample(tag)));
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException and not ArgumentException)
        {
            await ResetAsync();
            throw Unavailable(e);
        }
    }
}
