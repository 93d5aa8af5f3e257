using Akka.Actor;
using Akka.TestKit;
using RedundantGateway.ConfigSync;
using RedundantGateway.History;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using RedundantGateway.Tags;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Historian;

/// <summary>
/// The HistoryCache actor against probes playing the tag engine, the config replicator and the events log, with an
/// in-memory store: forwarding oldest first, outages, quarantine, fencing, leaving active, partial mode, sampling.
/// Every check waits on a condition (the store's rows, the cache's status), never on a fixed time.
/// </summary>
public sealed class HistoryCacheSpec : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private const string OnChange = "projects/p/tags/a";
    private const string Periodic = "projects/p/tags/p";
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly string _dir = TestSupport.TempDir();
    private readonly TestProbe _tags;
    private readonly TestProbe _config;
    private readonly TestProbe _events;
    private readonly FakeHistoryStore _store = new();
    private int _fed;

    public HistoryCacheSpec(ITestOutputHelper output) : base(output: output)
    {
        _tags = CreateTestProbe("tag-engine");
        _config = CreateTestProbe("config-replicator");
        _events = CreateTestProbe("events");
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        TestSupport.DeleteQuietly(_dir);
    }

    private HistorySettings Settings => new(_dir, TimeSpan.Zero, 1000, 64 * 1024, "pair", 10,
        TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));

    private static ConfigDocument Document(string periodicHistory = """{"mode":"periodic","rateMs":1000}""") =>
        ConfigDocument.From("identity", 1,
        [
            KeyValuePair.Create(OnChange, """{"provider":"simulator","history":{"mode":"onChange","deadband":0}}"""),
            KeyValuePair.Create(Periodic, $$"""{"provider":"simulator","history":{{periodicHistory}}}"""),
            KeyValuePair.Create("projects/p/tags/none", """{"provider":"simulator"}"""),
        ]);

    private IActorRef Cache(NodeRole role = NodeRole.Master, HistoryLevel level = HistoryLevel.Full, ConfigDocument? document = null,
        ICanTell? ledgerKeeper = null, ICanTell? masterLedger = null)
    {
        var settings = Settings with { LedgerAskMinBackoff = TimeSpan.FromMilliseconds(100), LedgerAskMaxBackoff = TimeSpan.FromMilliseconds(300) };
        var cache = Sys.ActorOf(HistoryCache.Props(settings, new HistoryNode(role, level, 1), _tags.Ref, _config.Ref, () => _store, _events.Ref,
            ledgerKeeper: ledgerKeeper, masterLedger: masterLedger));
        _config.ExpectMsg<GetConfigDocument>();
        _config.Reply(new ConfigDocumentView(document ?? Document(), false));
        var subscribe = _tags.ExpectMsg<SubscribeTags>();
        Assert.Equal([OnChange, Periodic], subscribe.Selection.Paths);
        return cache;
    }

    private void Activate(IActorRef cache, long epoch, NodeRole role = NodeRole.Master)
    {
        SetLevel(cache, ActivityLevel.Active);
        Sys.EventStream.Publish(new LocalActivityChanged(new PeerActivity(role, ActivityLevel.Active, epoch, null)));
    }

    private void SetLevel(IActorRef cache, ActivityLevel level)
    {
        cache.Tell(new ApplyRuntimeLevel(level));
        ExpectMsg<RuntimeLevelApplied>();
    }

    /// <summary>Sends <paramref name="count"/> new values of the onChange tag, a few per message as the tag engine would.</summary>
    private List<double> Feed(IActorRef cache, int count)
    {
        var values = new List<double>();
        for (var i = 0; i < count; i += 3)
        {
            var batch = Enumerable.Range(0, Math.Min(3, count - i)).Select(_ =>
            {
                _fed++;
                values.Add(_fed);
                return new TagValue(OnChange, (double)_fed, TagQuality.Good, T0.AddMilliseconds(_fed * 100));
            }).ToList();
            cache.Tell(new TagsChanged(batch));
        }
        return values;
    }

    private HistoryCacheStatus Status(IActorRef cache)
    {
        cache.Tell(GetHistoryCacheStatus.Instance);
        return ExpectMsg<HistoryCacheStatus>();
    }

    private void AwaitStored(int rows) =>
        AwaitAssert(() => Assert.Equal(rows, _store.Rows.Count), Wait, TimeSpan.FromMilliseconds(20));

    private AppendRedundancyEvent ExpectEvent(string kind) =>
        _events.ExpectMsg<AppendRedundancyEvent>(e => Assert.Equal(kind, e.Kind), Wait);

    [Fact]
    public void It_forwards_oldest_first_in_batches_stamped_with_the_pair_node_and_epoch()
    {
        var cache = Cache();
        Activate(cache, epoch: 7);
        var fed = Feed(cache, 35);

        AwaitStored(35);
        var batches = _store.Batches;
        Assert.Equal(fed, batches.SelectMany(b => b.Samples).Select(s => (double)s.Value!));
        Assert.All(batches, b => Assert.Equal(("pair", "master", 7L), (b.Pair, b.Node, b.Epoch)));
        Assert.All(batches, b => Assert.InRange(b.Samples.Count, 1, 10));
        AwaitAssert(() => Assert.Equal((0L, 35L, 35L), (Status(cache).Rows, Status(cache).Written, Status(cache).Sampled)));
    }

    [Fact]
    public void While_the_store_is_unavailable_it_keeps_everything_logs_one_outage_and_drains_oldest_first_after()
    {
        _store.Unavailable = true;
        var cache = Cache();
        Activate(cache, epoch: 3);
        var fed = Feed(cache, 25);

        ExpectEvent(RedundancyEventKinds.HistoryStoreUnavailable);
        AwaitAssert(() => Assert.True(_store.Failures >= 4, $"{_store.Failures} tries"), Wait);
        var during = Status(cache);
        Assert.Equal((25L, "unavailable"), (during.Rows, during.State));
        Assert.NotNull(during.OutageSince);
        Assert.True(during.Bytes > 0);
        Assert.NotNull(during.OldestAgeMs);

        _store.Unavailable = false;
        AwaitStored(25);
        // One event for the whole outage, however many retries: the next one is its end.
        Assert.Contains("answers again", ExpectEvent(RedundancyEventKinds.HistoryStoreRecovered).Reason);
        Assert.Equal(fed, _store.Batches.SelectMany(b => b.Samples).Select(s => (double)s.Value!));
        AwaitAssert(() => Assert.Equal((0L, "idle"), (Status(cache).Rows, Status(cache).State)));
    }

    [Fact]
    public void A_cache_started_again_drains_what_it_held()
    {
        _store.Unavailable = true;
        var cache = Cache();
        Activate(cache, epoch: 3);
        var fed = Feed(cache, 20);
        AwaitAssert(() => Assert.Equal(20L, Status(cache).Rows));
        Watch(cache);
        Sys.Stop(cache);
        ExpectTerminated(cache);

        _store.Unavailable = false;
        var again = Cache();
        Assert.Equal(20L, Status(again).Rows);
        Activate(again, epoch: 4);
        AwaitStored(20);
        Assert.Equal(fed, _store.Rows.Select(s => (double)s.Value!));
    }

    [Fact]
    public void Only_the_refused_row_is_quarantined_with_its_reason_and_a_retry_writes_it()
    {
        _store.Refuses = s => s.Value is 13.0;
        var cache = Cache();
        Activate(cache, epoch: 2);
        Feed(cache, 20);

        AwaitStored(19);
        Assert.Contains("1 history samples quarantined", ExpectEvent(RedundancyEventKinds.HistoryQuarantined).Reason);
        AwaitAssert(() => Assert.Equal((0L, 1, 1L), (Status(cache).Rows, Status(cache).Quarantined, Status(cache).Rejected)));
        cache.Tell(GetHistoryQuarantine.Instance);
        var entry = Assert.Single(ExpectMsg<HistoryQuarantine>().Samples);
        Assert.Equal((13.0, "value out of range for the column"), ((double)entry.Sample.Value!, entry.Reason));

        _store.Refuses = _ => false;
        cache.Tell(RetryHistoryQuarantine.Instance);
        Assert.Equal(1, ExpectMsg<HistoryQuarantineRetried>().Samples);
        AwaitStored(20);
        Assert.Equal(0, Status(cache).Quarantined);
    }

    [Fact]
    public void On_leaving_active_it_stops_at_once_and_sends_nothing_queued()
    {
        var cache = Cache();
        Activate(cache, epoch: 5);
        _store.Hold();
        Feed(cache, 1);
        AwaitAssert(() => Assert.Single(_store.Batches));
        Feed(cache, 25); // queued in the cache behind the write in flight

        SetLevel(cache, ActivityLevel.Warm);
        _store.Release();

        // The write in flight is answered and counted; nothing after it leaves.
        AwaitAssert(() => Assert.Equal(1L, Status(cache).Written));
        var after = Status(cache);
        Assert.Equal((25L, "idle"), (after.Rows, after.State));
        Assert.Single(_store.Batches);

        // Active again under a newer epoch: the rest goes, stamped with it.
        Activate(cache, epoch: 6);
        AwaitStored(26);
        Assert.All(_store.Batches.Skip(1), b => Assert.Equal(6L, b.Epoch));
    }

    [Fact]
    public void A_fenced_write_stops_forwarding_logged_once_until_a_newer_epoch()
    {
        _store.NewestEpoch = 9;
        var cache = Cache();
        Activate(cache, epoch: 7);
        Feed(cache, 5);

        Assert.Contains("epoch 9", ExpectEvent(RedundancyEventKinds.HistoryFenced).Reason);
        Feed(cache, 5);
        var fenced = Status(cache);
        Assert.Equal((10L, "fenced", 9L), (fenced.Rows, fenced.State, fenced.FencedBy));
        Assert.Single(_store.Batches);

        Sys.EventStream.Publish(new LocalActivityChanged(new PeerActivity(NodeRole.Master, ActivityLevel.Active, 10, null)));
        AwaitStored(10);
        _events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_active_backup_in_partial_mode_caches_and_forwards_nothing_until_reconciled()
    {
        var cache = Cache(NodeRole.Backup, HistoryLevel.Partial);
        Activate(cache, epoch: 4, NodeRole.Backup);
        Feed(cache, 15);

        var partial = Status(cache);
        Assert.Equal((15L, 15L, "partial"), (partial.Rows, partial.Sampled, partial.State));
        Assert.Empty(_store.Batches);

        // The seam of the reconciliation: the master logged the first second itself (samples 1-9 are at 100-900 ms;
        // the ledger's intervals include both ends).
        cache.Tell(new ReconcileCachedHistory([new LoggingInterval(T0, T0.AddMilliseconds(999))]));
        Assert.Equal(new CachedHistoryReconciled(6, 9), ExpectMsg<CachedHistoryReconciled>());
        AwaitStored(6);
        Assert.Equal([10.0, 11, 12, 13, 14, 15], _store.Rows.Select(s => (double)s.Value!));
        ExpectEvent(RedundancyEventKinds.HistoryReconciled);
        // What comes later stays cached.
        Feed(cache, 3);
        Assert.Equal(3L, Status(cache).Rows);
        Assert.Equal(6, _store.Rows.Count);
    }

    [Fact]
    public void A_master_tells_its_ledger_keeper_when_it_logs_and_when_it_stops()
    {
        var keeper = CreateTestProbe("ledger-keeper");
        var cache = Cache(ledgerKeeper: keeper.Ref);
        Activate(cache, epoch: 2);
        // Active is not yet logging: the ledger begins with the first sample on disk.
        keeper.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Feed(cache, 3);
        Assert.True(keeper.ExpectMsg<HistoryLoggingChanged>().Logging);
        SetLevel(cache, ActivityLevel.Warm);
        keeper.FishForMessage<HistoryLoggingChanged>(m => !m.Logging, Wait);
    }

    [Fact]
    public void A_backup_in_partial_mode_asks_the_master_ledger_once_standby_and_settles_only_with_a_logging_master()
    {
        var master = CreateTestProbe("master-ledger");
        var cache = Cache(NodeRole.Backup, HistoryLevel.Partial, masterLedger: master.Ref);
        Activate(cache, epoch: 4, NodeRole.Backup);
        Feed(cache, 15);
        // Active (the master is down): no ask.
        master.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        SetLevel(cache, ActivityLevel.Cold);
        var first = master.ExpectMsg<HistoryLedgerRequest>(Wait);
        // Not answered: asked again (back-off), and an answer of a master not logging yet settles nothing.
        var second = master.ExpectMsg<HistoryLedgerRequest>(Wait);
        Assert.True(second.RequestId > first.RequestId);
        master.Reply(new HistoryLedgerReply(second.RequestId, [new LoggingInterval(T0, T0.AddMilliseconds(999))], false, T0.AddSeconds(5)));
        var third = master.ExpectMsg<HistoryLedgerRequest>(Wait);
        Assert.Empty(_store.Rows);
        Assert.Equal(15L, Status(cache).Rows);

        // A logging master's answer (samples 1-9 at 100-900 ms are its own; 10-12 at 1.0-1.2 s before its answer at
        // 1.25 s; 13-15 after it wait).
        master.Reply(new HistoryLedgerReply(third.RequestId, [new LoggingInterval(T0, T0.AddMilliseconds(999))], true, T0.AddMilliseconds(1250)));
        AwaitStored(3);
        Assert.Equal([10.0, 11, 12], _store.Rows.Select(s => (double)s.Value!));
        var reconciled = ExpectEvent(RedundancyEventKinds.HistoryReconciled);
        Assert.Contains("3 samples forwarded", reconciled.Reason);
        Assert.Contains("9 dropped", reconciled.Reason);
        Assert.Contains("3 later than its answer wait", reconciled.Reason);

        var next = master.ExpectMsg<HistoryLedgerRequest>(Wait);
        master.Reply(new HistoryLedgerReply(next.RequestId, [new LoggingInterval(T0, T0.AddMilliseconds(999)), new LoggingInterval(T0.AddMilliseconds(1450), T0.AddSeconds(2))], true, T0.AddSeconds(2)));
        // 13 and 14 (1.3, 1.4 s) fall in the master's gap, 15 (1.5 s) in its second interval.
        AwaitStored(5);
        Assert.Equal([10.0, 11, 12, 13, 14], _store.Rows.Select(s => (double)s.Value!));
        AwaitAssert(() => Assert.Equal(0L, Status(cache).Rows), Wait);
        master.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void An_active_backup_in_full_mode_writes_through()
    {
        var cache = Cache(NodeRole.Backup, HistoryLevel.Full);
        Activate(cache, epoch: 4, NodeRole.Backup);
        Feed(cache, 12);
        AwaitStored(12);
        Assert.All(_store.Batches, b => Assert.Equal("backup", b.Node));
    }

    [Fact]
    public void A_warm_node_samples_nothing()
    {
        var cache = Cache();
        SetLevel(cache, ActivityLevel.Warm);
        Feed(cache, 6);
        Assert.Equal(0L, Status(cache).Sampled);
    }

    [Fact]
    public void Periodic_tags_are_logged_on_their_own_timer_from_the_current_value_once_per_period()
    {
        var cache = Cache(document: Document("""{"mode":"periodic","rateMs":100}"""));
        Activate(cache, epoch: 2);
        cache.Tell(new TagsChanged([new TagValue(Periodic, 42.0, TagQuality.Good, T0)]));

        AwaitAssert(() => Assert.True(_store.Rows.Count(r => r.Tag == Periodic) >= 3), Wait, TimeSpan.FromMilliseconds(20));
        var rows = _store.Rows.Where(r => r.Tag == Periodic).ToList();
        Assert.All(rows, r => Assert.Equal((42.0, 0L), ((double)r.Value!, r.Timestamp.ToUnixTimeMilliseconds() % 100)));
        Assert.Equal(rows.Count, rows.Select(r => r.Timestamp).Distinct().Count());
    }

    [Fact]
    public void A_node_going_active_logs_the_current_period_at_once_not_a_period_later()
    {
        // A minute's rate: the only sample within the wait is the one taken on going active.
        var cache = Cache(document: Document("""{"mode":"periodic","rateMs":60000}"""));
        cache.Tell(new TagsChanged([new TagValue(Periodic, 7.0, TagQuality.Good, T0)]));
        Activate(cache, epoch: 2);
        AwaitAssert(() => Assert.Single(_store.Rows, r => r.Tag == Periodic), Wait, TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public void A_query_goes_to_the_store()
    {
        var cache = Cache();
        Activate(cache, epoch: 2);
        Feed(cache, 6);
        AwaitStored(6);
        cache.Tell(new QueryHistory(OnChange, T0, T0.AddMilliseconds(300), null));
        var result = ExpectMsg<HistoryQueryResult>();
        Assert.Null(result.Error);
        Assert.Equal([1.0, 2, 3], result.Samples.Select(s => (double)s.Value!));

        _store.Unavailable = true;
        cache.Tell(new QueryHistory(OnChange, T0, T0.AddSeconds(1), null));
        Assert.Contains("fake store is down", ExpectMsg<HistoryQueryResult>().Error);
    }

    [Fact]
    public void A_cache_that_cannot_be_opened_still_answers_the_coordinator_and_says_why()
    {
        var file = Path.Combine(_dir, "not-a-folder");
        File.WriteAllText(file, "x");
        var cache = Sys.ActorOf(HistoryCache.Props(Settings with { CacheDirectory = file }, new HistoryNode(NodeRole.Master, HistoryLevel.Full, 1),
            _tags.Ref, _config.Ref, () => _store, _events.Ref));

        SetLevel(cache, ActivityLevel.Active);
        var status = Status(cache);
        Assert.Equal("failed", status.State);
        Assert.Contains("cannot be opened", status.Store);
        cache.Tell(new QueryHistory(OnChange, T0, T0.AddSeconds(1), null));
        Assert.Contains("cannot be opened", ExpectMsg<HistoryQueryResult>().Error);
    }
}
