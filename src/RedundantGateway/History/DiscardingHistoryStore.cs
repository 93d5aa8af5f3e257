namespace RedundantGateway.History;

/// <summary>
/// A history store that keeps nothing: every batch counts as written and queries find nothing. The node uses it
/// until a database store is configured (see <see cref="HistoryStores"/>), and the benchmark measures the cache with it.
/// </summary>
public sealed class DiscardingHistoryStore : IHistoryStore
{
    public string Description => "none (history is discarded: no history database configured)";

    public Task OpenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<HistoryWriteResult> WriteAsync(HistoryBatch batch, CancellationToken cancellationToken) =>
        Task.FromResult(new HistoryWriteResult(batch.Samples.Count, 0, [], null));

    public Task<IReadOnlyList<HistorySample>> QueryAsync(string tag, DateTimeOffset from, DateTimeOffset to, int? maxPoints,
        CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<HistorySample>>([]);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
