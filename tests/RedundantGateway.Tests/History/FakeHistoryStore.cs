using RedundantGateway.History;

namespace RedundantGateway.Tests.Historian;

/// <summary>
/// An in-memory history store for the cache's tests: keeps rows by natural key (a row written twice counts as a
/// duplicate), can be made unavailable, refuses the rows a predicate picks, fences epochs below a bound, and can hold
/// writes until the test lets them go. Thread-safe (the cache's writes complete on pool threads; the test reads).
/// </summary>
internal sealed class FakeHistoryStore : IHistoryStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, DateTimeOffset), HistorySample> _rows = [];
    private readonly List<HistoryBatch> _batches = [];
    private TaskCompletionSource? _hold;

    public string Description => "fake";

    /// <summary>While true, every call throws <see cref="HistoryStoreUnavailableException"/>.</summary>
    public volatile bool Unavailable;

    /// <summary>Rows it refuses (a constraint), with this reason.</summary>
    public Func<HistorySample, bool> Refuses { get; set; } = _ => false;

    /// <summary>The newest epoch it has seen for the pair: a batch under an older one is fenced.</summary>
    public long NewestEpoch { get; set; }

    public int Failures { get; private set; }

    public IReadOnlyList<HistoryBatch> Batches { get { lock (_gate) return _batches.ToList(); } }

    /// <summary>The rows stored, in time order per tag.</summary>
    public IReadOnlyList<HistorySample> Rows { get { lock (_gate) return _rows.Values.OrderBy(r => r.Timestamp).ThenBy(r => r.Tag).ToList(); } }

    /// <summary>Writes wait (after they were counted in <see cref="Batches"/>) until <see cref="Release"/>.</summary>
    public void Hold()
    {
        lock (_gate) _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Release()
    {
        TaskCompletionSource? hold;
        lock (_gate) (hold, _hold) = (_hold, null);
        hold?.SetResult();
    }

    public Task OpenAsync(CancellationToken cancellationToken)
    {
        if (Unavailable) { lock (_gate) Failures++; throw new HistoryStoreUnavailableException("fake store is down"); }
        return Task.CompletedTask;
    }

    public async Task<HistoryWriteResult> WriteAsync(HistoryBatch batch, CancellationToken cancellationToken)
    {
        Task? hold;
        lock (_gate)
        {
            if (Unavailable)
            {
                Failures++;
                throw new HistoryStoreUnavailableException("fake store is down");
            }
            _batches.Add(batch);
            hold = _hold?.Task;
        }
        if (hold is not null) await hold;
        lock (_gate)
        {
            if (batch.Epoch < NewestEpoch) return new HistoryWriteResult(0, 0, [], NewestEpoch);
            NewestEpoch = batch.Epoch;
            int written = 0, duplicates = 0;
            var rejected = new List<RejectedSample>();
            foreach (var sample in batch.Samples)
            {
                if (Refuses(sample)) rejected.Add(new RejectedSample(sample, "value out of range for the column"));
                else if (_rows.TryAdd((sample.Tag, sample.Timestamp), sample)) written++;
                else duplicates++;
            }
            return new HistoryWriteResult(written, duplicates, rejected, null);
        }
    }

    public Task<IReadOnlyList<HistorySample>> QueryAsync(string tag, DateTimeOffset from, DateTimeOffset to, int? maxPoints, CancellationToken cancellationToken)
    {
        if (Unavailable) throw new HistoryStoreUnavailableException("fake store is down");
        return Task.FromResult<IReadOnlyList<HistorySample>>(Rows.Where(r => r.Tag == tag && r.Timestamp >= from && r.Timestamp <= to).ToList());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
