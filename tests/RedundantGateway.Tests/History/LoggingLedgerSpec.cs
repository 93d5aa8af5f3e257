using Akka.Actor;
using RedundantGateway.History;
using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.History;

public sealed class LoggingLedgerSpec : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rg-ledger-" + Guid.NewGuid().ToString("N"));
    private string LedgerPath => Path.Combine(_dir, "history", "ledger.txt");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Intervals_survive_a_reopen_and_the_one_open_at_a_crash_ends_at_its_last_extension()
    {
        using (var ledger = LoggingLedger.Open(LedgerPath))
        {
            ledger.Begin(T0);
            ledger.Extend(T0.AddSeconds(1));
            ledger.End(T0.AddSeconds(10));
            ledger.Begin(T0.AddSeconds(30));
            ledger.Extend(T0.AddSeconds(31));
            ledger.Extend(T0.AddSeconds(32));
            // No End: the process dies here (kill -9 closes nothing).
        }

        using var reopened = LoggingLedger.Open(LedgerPath);
        Assert.False(reopened.IsLogging);
        Assert.Equal(
            [new LoggingInterval(T0, T0.AddSeconds(10)), new LoggingInterval(T0.AddSeconds(30), T0.AddSeconds(32))],
            reopened.Intervals(T0.AddMinutes(5)));
    }

    [Fact]
    public void The_current_interval_reaches_the_moment_of_the_question()
    {
        using var ledger = LoggingLedger.Open(LedgerPath);
        ledger.Begin(T0);
        ledger.Extend(T0.AddSeconds(2));

        Assert.True(ledger.IsLogging);
        Assert.Equal([new LoggingInterval(T0, T0.AddSeconds(5))], ledger.Intervals(T0.AddSeconds(5)));
    }

    [Fact]
    public void A_torn_last_line_and_garbage_are_skipped_without_losing_what_came_before()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LedgerPath)!);
        var ms = T0.ToUnixTimeMilliseconds();
        File.WriteAllText(LedgerPath, $"B {ms}\nE {ms + 1000}\nnonsense\nE {ms + 2000}\nB {ms + 5000}\nE 17");

        using var ledger = LoggingLedger.Open(LedgerPath);
        Assert.Equal(
            [new LoggingInterval(T0, T0.AddSeconds(2)), new LoggingInterval(T0.AddSeconds(5), T0.AddSeconds(5))],
            ledger.Intervals(T0.AddMinutes(1)));
    }

    [Fact]
    public void Many_extensions_are_compacted_and_keep_the_intervals()
    {
        using (var ledger = LoggingLedger.Open(LedgerPath, compactAfterLines: 100))
        {
            ledger.Begin(T0);
            ledger.End(T0.AddSeconds(1));
            ledger.Begin(T0.AddSeconds(10));
            for (var i = 1; i <= 250; i++) ledger.Extend(T0.AddSeconds(10 + i));
            Assert.True(File.ReadAllLines(LedgerPath).Length <= 100, "the ledger was not compacted");
            ledger.Extend(T0.AddSeconds(20_000));
        }

        using var reopened = LoggingLedger.Open(LedgerPath);
        Assert.Equal(
            [new LoggingInterval(T0, T0.AddSeconds(1)), new LoggingInterval(T0.AddSeconds(10), T0.AddSeconds(20_000))],
            reopened.Intervals(T0.AddDays(1)));
    }
}

public sealed class PartialReconciliationSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static HistorySample At(int second) => new("projects/demo/tags/t1", T0.AddSeconds(second), 1.0 * second, TagQuality.Good, "backup", 3);

    [Fact]
    public void Only_samples_outside_every_logging_interval_of_the_master_are_forwarded_ends_included_in_the_master()
    {
        var cached = Enumerable.Range(0, 60).Select(At).ToList();
        var ledger = new[]
        {
            new LoggingInterval(T0.AddSeconds(40), T0.AddSeconds(50)),
            new LoggingInterval(T0.AddSeconds(-100), T0.AddSeconds(10)),
            new LoggingInterval(T0.AddSeconds(8), T0.AddSeconds(12)), // overlaps the one before
        };

        var plan = PartialReconciliation.Plan(cached, ledger);

        Assert.Equal(Enumerable.Range(13, 27).Concat(Enumerable.Range(51, 9)), plan.Forward.Select(s => (int)(s.Timestamp - T0).TotalSeconds));
        Assert.Equal(60, plan.Forward.Count + plan.Drop.Count);
        Assert.Equal(new LoggingInterval(T0.AddSeconds(13), T0.AddSeconds(59)), plan.ForwardedSpan);
        Assert.Equal(new LoggingInterval(T0, T0.AddSeconds(50)), plan.DroppedSpan);
    }

    [Fact]
    public void An_empty_ledger_forwards_everything_and_nothing_cached_plans_nothing()
    {
        Assert.Equal(5, PartialReconciliation.Plan(Enumerable.Range(0, 5).Select(At), []).Forward.Count);
        var empty = PartialReconciliation.Plan([], [new LoggingInterval(T0, T0.AddSeconds(1))]);
        Assert.Empty(empty.Forward);
        Assert.Null(empty.DroppedSpan);
    }

    [Fact]
    public void Normalise_merges_touching_intervals_and_drops_inverted_ones()
    {
        var merged = PartialReconciliation.Normalise([
            new LoggingInterval(T0.AddSeconds(5), T0.AddSeconds(6)),
            new LoggingInterval(T0, T0.AddSeconds(5)),
            new LoggingInterval(T0.AddSeconds(9), T0.AddSeconds(8)),
        ]);
        Assert.Equal([new LoggingInterval(T0, T0.AddSeconds(6))], merged);
    }
}

public sealed class HistoryLedgerKeeperSpec : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rg-keeper-" + Guid.NewGuid().ToString("N"));
    private readonly RedundantGateway.Tests.Alarms.ManualTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));

    private string LedgerPath => Path.Combine(_dir, "ledger.txt");

    /// <summary>Tells and waits until the keeper handled it (a request answered after it), before the test moves the clock.</summary>
    private void Handled(IActorRef keeper, object message)
    {
        keeper.Tell(message, TestActor);
        keeper.Tell(new HistoryLedgerRequest(-1), TestActor);
        ExpectMsg<HistoryLedgerReply>(r => r.RequestId == -1);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Answers_the_backup_with_the_intervals_the_cache_logged_the_current_one_up_to_now()
    {
        var t0 = _time.GetUtcNow();
        var keeper = Sys.ActorOf(HistoryLedgerKeeper.Props(LedgerPath, TimeSpan.FromMinutes(10), _time));

        Handled(keeper, new HistoryLoggingChanged(true));
        _time.Advance(TimeSpan.FromSeconds(5));
        Handled(keeper, new HistoryLoggingChanged(false));
        _time.Advance(TimeSpan.FromSeconds(5));
        Handled(keeper, new HistoryLoggingChanged(true));
        _time.Advance(TimeSpan.FromSeconds(3));
        keeper.Tell(new HistoryLedgerRequest(9));

        var reply = ExpectMsg<HistoryLedgerReply>();
        Assert.Equal(9, reply.RequestId);
        Assert.True(reply.Logging);
        Assert.Equal(t0.AddSeconds(13), reply.AnsweredAt);
        Assert.Equal([new LoggingInterval(t0, t0.AddSeconds(5)), new LoggingInterval(t0.AddSeconds(10), t0.AddSeconds(13))], reply.Intervals);
    }

    [Fact]
    public void A_restarted_keeper_reads_what_the_last_one_logged_and_is_not_logging()
    {
        var t0 = _time.GetUtcNow();
        var first = Sys.ActorOf(HistoryLedgerKeeper.Props(LedgerPath, TimeSpan.FromMinutes(10), _time));
        Handled(first, new HistoryLoggingChanged(true));
        _time.Advance(TimeSpan.FromSeconds(4));
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        var second = Sys.ActorOf(HistoryLedgerKeeper.Props(LedgerPath, TimeSpan.FromMinutes(10), _time));
        _time.Advance(TimeSpan.FromSeconds(60));
        second.Tell(new HistoryLedgerRequest(1));

        var reply = ExpectMsg<HistoryLedgerReply>();
        Assert.False(reply.Logging);
        Assert.Equal([new LoggingInterval(t0, t0.AddSeconds(4))], reply.Intervals);
    }
}
