using Akka.Actor;
using Akka.Event;
using RedundantGateway.Redundancy;

namespace RedundantGateway.History;

// Forwarding from the cache to the store (one write in flight, oldest first), its back-off and fencing, and queries.
public sealed partial class HistoryCache
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    private readonly Queue<(DateTimeOffset At, int Rows)> _stored = new();
    private readonly Queue<(QueryHistory Query, IActorRef ReplyTo)> _queries = new();
    private IHistoryStore? _store;
    private bool _storeOpen;
    private bool _opening;
    private IHistoryStore? _queryStore;
    private bool _queryStoreOpen;
    private bool _queryRunning;
    private CachedBatch? _inFlight;
    private bool _retryPending;
    private TimeSpan? _backoff;
    private DateTimeOffset? _outageSince;
    private string? _outageReason;
    // The epoch this node announced it is active under; null when it is not active.
    private long? _activeEpoch;
    private long? _fencedBy;
    // A reconciliation lets a backup in partial mode forward what it had cached up to here.
    private long _forwardUpTo;
    private long _written;
    private long _duplicates;
    private long _duplicateRun;
    private long _rejected;

    private void ForwardingReceives()
    {
        Receive<StoreOpened>(_ =>
        {
            _opening = false;
            _storeOpen = true;
            _log.Info("History store {Store} open", _store!.Description);
            TryForward();
        });
        Receive<StoreOpenFailed>(failed =>
        {
            _opening = false;
            OnUnavailable(failed.Cause);
        });
        Receive<WriteCompleted>(OnWritten);
        Receive<WriteFailed>(failed =>
        {
            _inFlight = null;
            // The batch stays in the cache: read again from the oldest unreleased sample on the next try.
            _cache.Rewind();
            OnUnavailable(failed.Cause);
        });
        Receive<RetryForward>(_ =>
        {
            _retryPending = false;
            if (!_storeOpen) OpenStore();
            else TryForward();
        });
        Receive<QueryHistory>(query =>
        {
            _queries.Enqueue((query, Sender));
            RunNextQuery();
        });
        Receive<QueryDone>(done =>
        {
            _queryRunning = false;
            _queryStoreOpen |= done.Opened;
            done.ReplyTo.Tell(done.Result);
            RunNextQuery();
        });
    }

    private void OpenStore()
    {
        if (_opening || _storeOpen) return;
        _opening = true;
        try
        {
            _store ??= _storeFactory();
            _store.OpenAsync(CancellationToken.None).PipeTo(Self, success: () => StoreOpened.Instance, failure: e => new StoreOpenFailed(e));
        }
        catch (Exception e)
        {
            Self.Tell(new StoreOpenFailed(e));
        }
    }

    /// <summary>How far the cache may be forwarded now (a sequence); null: not at all.</summary>
    private long? ForwardLimit()
    {
        if (ForwardingRules.Forwards(_node.Role, _node.BackupHistoryLevel, _level, _activeEpoch, _fencedBy)) return long.MaxValue;
        // What a reconciliation released is the master's gap to fill, at whatever level this node now runs.
        if (_forwardUpTo > _cache.ReleasedSequence && (_fencedBy is not { } fence || _epoch > fence)) return _forwardUpTo;
        return null;
    }

    private void TryForward()
    {
        if (_inFlight is not null || _retryPending || !_storeOpen) return;
        if (ForwardLimit() is not { } limit) return;
        if (_cache.ReadOldest(_settings.BatchSize, limit) is not { } batch) return;
        _inFlight = batch;
        var epoch = _activeEpoch ?? _epoch;
        try
        {
            _store!.WriteAsync(new HistoryBatch(_settings.PairName, _node.Name, epoch, batch.Samples), CancellationToken.None)
                .PipeTo(Self, success: result => new WriteCompleted(batch, epoch, result), failure: e => new WriteFailed(batch, e));
        }
        catch (Exception e)
        {
            Self.Tell(new WriteFailed(batch, e));
        }
    }

    private void OnWritten(WriteCompleted completed)
    {
        _inFlight = null;
        EndOutage();
        var result = completed.Result;
        if (result.FencedBy is { } fencedBy)
        {
            _cache.Rewind();
            if (_fencedBy is null || fencedBy > _fencedBy)
            {
                _fencedBy = fencedBy;
                _log.Warning("History writes fenced: the store has seen epoch {Fence} for pair {Pair}, this node wrote under epoch {Epoch}; forwarding stops ({Rows} samples stay cached)",
                    fencedBy, _settings.PairName, completed.Epoch, _cache.Rows);
                _events?.Tell(new AppendRedundancyEvent(RedundancyEventKinds.HistoryFenced,
                    $"history writes fenced: the store has seen epoch {fencedBy}, this node wrote under {completed.Epoch}"), Self);
            }
            return;
        }
        if (result.Rejected.Count > 0)
        {
            // On disk before the batch is released: a crash in between only quarantines them twice.
            _quarantine.Add(result.Rejected, _clock.GetUtcNow());
            _rejected += result.Rejected.Count;
            var first = result.Rejected[0];
            _log.Warning("History store refused {Count} samples of a batch of {Size}, quarantined (first: {Tag} at {Time}: {Reason})",
                result.Rejected.Count, completed.Batch.Samples.Count, first.Sample.Tag, first.Sample.Timestamp.ToString("O"), first.Reason);
            _events?.Tell(new AppendRedundancyEvent(RedundancyEventKinds.HistoryQuarantined,
                $"{result.Rejected.Count} history samples quarantined (first: {first.Sample.Tag} at {first.Sample.Timestamp:O}: {first.Reason})"), Self);
        }
        _written += result.Written;
        _duplicates += result.Duplicates;
        ReportDuplicates(result.Duplicates);
        _cache.Release(completed.Batch.LastSequence);
        _stored.Enqueue((_clock.GetUtcNow(), completed.Batch.Samples.Count));
        TryForward();
    }

    /// <summary>
    /// Rows the database already had (the other node wrote the same tag and time, e.g. both active in full mode during a
    /// link cut): one line when a run of batches with duplicates begins and one with its total when it ends, not one per batch.
    /// </summary>
    private void ReportDuplicates(int duplicates)
    {
        if (duplicates > 0 && _duplicateRun == 0)
            _log.Info("History store already had {Duplicates} rows of a batch (same tag and time, written by the other node?): not written twice, counted as duplicates", duplicates);
        if (duplicates == 0 && _duplicateRun > 0)
            _log.Info("History duplicates ended: {Duplicates} rows in all were already in the database", _duplicateRun);
        _duplicateRun = duplicates > 0 ? _duplicateRun + duplicates : 0;
    }

    /// <summary>The store did not take a batch (or could not be opened): everything stays cached, tried again after a back-off.</summary>
    private void OnUnavailable(Exception cause)
    {
        var reason = Reason(cause);
        _backoff = ForwardingRules.NextBackoff(_backoff, _settings.RetryMinBackoff, _settings.RetryMaxBackoff);
        if (_outageSince is null)
        {
            _outageSince = _clock.GetUtcNow();
            _outageReason = reason;
            // One line per outage, not per retry.
            _log.Warning("History store {Store} unavailable ({Reason}); samples stay in the cache ({Rows} cached), retrying every {Min} to {Max}",
                _store?.Description ?? "(not created)", reason, _cache.Rows, _settings.RetryMinBackoff, _settings.RetryMaxBackoff);
            _events?.Tell(new AppendRedundancyEvent(RedundancyEventKinds.HistoryStoreUnavailable,
                $"history store unavailable ({reason}); {_cache.Rows} samples cached"), Self);
        }
        _retryPending = true;
        Timers.StartSingleTimer(nameof(RetryForward), RetryForward.Instance, _backoff.Value);
    }

    private void EndOutage()
    {
        _backoff = null;
        if (_outageSince is not { } since) return;
        var seconds = (_clock.GetUtcNow() - since).TotalSeconds;
        _outageSince = null;
        _log.Info("History store {Store} answers again after {Seconds} s ({Reason}); {Rows} cached samples to forward",
            _store?.Description ?? "", Math.Round(seconds, 1), _outageReason, _cache.Rows);
        _events?.Tell(new AppendRedundancyEvent(RedundancyEventKinds.HistoryStoreRecovered,
            $"history store answers again after {seconds:F1} s; {_cache.Rows} cached samples to forward", seconds * 1000), Self);
    }

    /// <summary>Leaving active (or fenced): nothing more is sent; a write already in flight is answered and counted.</summary>
    private void StopForwarding()
    {
        if (_retryPending && _storeOpen)
        {
            Timers.Cancel(nameof(RetryForward));
            _retryPending = false;
        }
        _cache.Rewind();
    }

    private string State()
    {
        if (_outageSince is not null) return "unavailable";
        var limit = ForwardLimit();
        if (limit is null && _level == ActivityLevel.Active && _fencedBy is { } fence && (_activeEpoch ?? _epoch) <= fence) return "fenced";
        if (limit is null && _level == ActivityLevel.Active && _node.Role == NodeRole.Backup && _node.BackupHistoryLevel == HistoryLevel.Partial) return "partial";
        return limit is not null && (_inFlight is not null || _cache.Rows > 0) ? "forwarding" : "idle";
    }

    private double ForwardRate(DateTimeOffset now)
    {
        while (_stored.TryPeek(out var oldest) && now - oldest.At > RateWindow) _stored.Dequeue();
        return _stored.Sum(s => s.Rows) / RateWindow.TotalSeconds;
    }

    private void RunNextQuery()
    {
        if (_queryRunning || !_queries.TryDequeue(out var next)) return;
        _queryRunning = true;
        var (query, replyTo) = next;
        var open = _queryStoreOpen;
        var timeout = _settings.QueryTimeout;
        IHistoryStore store;
        try { store = _queryStore ??= _storeFactory(); }
        catch (Exception e)
        {
            Self.Tell(new QueryDone(replyTo, new HistoryQueryResult(query.Tag, [], $"history store unavailable: {Reason(e)}"), false));
            return;
        }
        RunQuery(store, query, open, timeout).PipeTo(Self, success: done => done with { ReplyTo = replyTo },
            failure: e => new QueryDone(replyTo, new HistoryQueryResult(query.Tag, [], $"history store unavailable: {Reason(e)}"), false));
    }

    private static async Task<QueryDone> RunQuery(IHistoryStore store, QueryHistory query, bool open, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        if (!open) await store.OpenAsync(cancel.Token);
        var samples = await store.QueryAsync(query.Tag, query.From, query.To, query.MaxPoints, cancel.Token);
        return new QueryDone(ActorRefs.Nobody, new HistoryQueryResult(query.Tag, samples, null), true);
    }

    private static string Reason(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate) e = aggregate.InnerExceptions[0];
        if (e is OperationCanceledException) return "timed out";
        var line = e.Message.Split('\n')[0];
        return e is HistoryStoreUnavailableException ? line : $"{e.GetType().Name}: {line}";
    }

    private void DisposeStores()
    {
        foreach (var store in new[] { _store, _queryStore })
            if (store is not null)
                _ = store.DisposeAsync().AsTask().ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    private sealed record StoreOpened
    {
        public static readonly StoreOpened Instance = new();
    }

    private sealed record StoreOpenFailed(Exception Cause);

    private sealed record WriteCompleted(CachedBatch Batch, long Epoch, HistoryWriteResult Result);

    private sealed record WriteFailed(CachedBatch Batch, Exception Cause);

    private sealed record RetryForward
    {
        public static readonly RetryForward Instance = new();
    }

    private sealed record QueryDone(IActorRef ReplyTo, HistoryQueryResult Result, bool Opened);
}
