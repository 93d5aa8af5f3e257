using Akka.Actor;
using Akka.Event;

namespace RedundantGateway.History;

/// <summary>The history cache tells the keeper whether it logs now (active with history on) or not.</summary>
public sealed record HistoryLoggingChanged(bool Logging);

/// <summary>
/// Keeps the master's <see cref="LoggingLedger"/> (the intervals in which it logged history) and answers the
/// backup's <see cref="HistoryLedgerRequest"/> over the node link. One job: the ledger; the cache says when it logs,
/// so the ledger never claims an instant the master did not log. Extended every <c>extendInterval</c>, so a kill -9
/// loses at most that much of the current interval (samples in it are then forwarded by the backup as well, and the
/// database keeps each once by its natural key).
/// </summary>
public sealed class HistoryLedgerKeeper : ReceiveActor, IWithTimers
{
    public const string Name = RedundancyPaths.HistoryLedger;
    private const string ExtendTimer = "extend";

    private readonly string _path;
    private readonly TimeSpan _extendInterval;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private LoggingLedger _ledger = null!;

    public HistoryLedgerKeeper(string path, TimeSpan extendInterval, TimeProvider time)
    {
        _path = path;
        _extendInterval = extendInterval;
        _time = time;
        Receive<HistoryLoggingChanged>(OnLoggingChanged);
        Receive<ExtendDue>(_ => _ledger.Extend(_time.GetUtcNow()));
        Receive<HistoryLedgerRequest>(request =>
        {
            var now = _time.GetUtcNow();
            Sender.Tell(new HistoryLedgerReply(request.RequestId, _ledger.Intervals(now), _ledger.IsLogging, now));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string path, TimeSpan extendInterval, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new HistoryLedgerKeeper(path, extendInterval, time ?? TimeProvider.System));

    protected override void PreStart()
    {
        _ledger = LoggingLedger.Open(_path);
        _log.Info("History logging ledger {Path} loaded: {Intervals} intervals", _path, _ledger.Intervals(_time.GetUtcNow()).Count);
    }

    protected override void PostStop()
    {
        // A clean stop closes the interval now; a kill -9 leaves it ending at its last extension.
        _ledger?.End(_time.GetUtcNow());
        _ledger?.Dispose();
    }

    private void OnLoggingChanged(HistoryLoggingChanged changed)
    {
        var now = _time.GetUtcNow();
        if (changed.Logging == _ledger.IsLogging) return;
        if (changed.Logging)
        {
            _ledger.Begin(now);
            Timers.StartPeriodicTimer(ExtendTimer, ExtendDue.Instance, _extendInterval);
        }
        else
        {
            Timers.Cancel(ExtendTimer);
            _ledger.End(now);
        }
        _log.Info("History logging {State} in the ledger at {At:O}", changed.Logging ? "begins" : "ends", now);
    }

    private sealed record ExtendDue { public static readonly ExtendDue Instance = new(); }
}
