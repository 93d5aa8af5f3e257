using Akka.Actor;
using Akka.Event;
using RedundantGateway.Redundancy;

namespace RedundantGateway.History;

// Partial backup history level: the master's cache tells its ledger keeper when it logs; a backup asks the master's
// keeper for the ledger once it is no longer active and reconciles its cache with the answer (PartialHistoryRules).
public sealed partial class HistoryCache
{
    private const string LedgerAskTimer = "ledger-ask";

    private bool _toldLogging;
    private bool _ledgerAsking;
    private long _ledgerRequest;
    private TimeSpan? _ledgerBackoff;
    private int _ledgerUnanswered;

    private void ReconciliationReceives()
    {
        Receive<LedgerAskDue>(_ =>
        {
            if (!LedgerAskIsDue())
            {
                _ledgerAsking = false;
                _ledgerBackoff = null;
                return;
            }
            if (_ledgerRequest > 0 && _ledgerUnanswered++ == 0)
                _log.Info("History: the master's ledger has not settled the backup's {Rows} cached samples yet (no answer, or the master is not logging); asking again up to every {Max}",
                    UnsettledRows(), _settings.LedgerAskMaxBackoff);
            AskMasterLedger();
        });
        Receive<HistoryLedgerReply>(reply =>
        {
            if (!PartialHistoryRules.Settles(reply, _ledgerRequest)) return; // a stale answer, or the master not logging yet: the timer asks again
            Timers.Cancel(LedgerAskTimer);
            _ledgerBackoff = null;
            _ledgerUnanswered = 0;
            var reconciled = Reconcile(new ReconcileCachedHistory(reply.Intervals, reply.AnsweredAt));
            _ledgerAsking = false;
            // Samples later than the master's answer (clocks apart): asked about again after a pause, not at once.
            if (reconciled.Waiting > 0 && LedgerAskIsDue())
            {
                _ledgerAsking = true;
                Timers.StartSingleTimer(LedgerAskTimer, LedgerAskDue.Instance, _settings.LedgerAskMinBackoff);
            }
        });
    }

    /// <summary>
    /// The master's cache: the keeper's ledger follows whether samples are logged now. "Logging" is told again with every
    /// append (one small local message), so a keeper restarted meanwhile (its ledger closed) picks the interval up again.
    /// </summary>
    private void TellLogging(bool logging)
    {
        if (_ledgerKeeper is null || _node.Role != NodeRole.Master || (!logging && !_toldLogging)) return;
        _toldLogging = logging;
        _ledgerKeeper.Tell(new HistoryLoggingChanged(logging), Self);
    }

    private long UnsettledRows() => _cache.LastSequence - Math.Max(_forwardUpTo, _cache.ReleasedSequence);

    private bool LedgerAskIsDue() =>
        _masterLedger is not null && PartialHistoryRules.AsksMasterLedger(_node.Role, _node.BackupHistoryLevel, _level, UnsettledRows());

    /// <summary>Starts asking the master's keeper when the rules say so (and not already asking).</summary>
    private void AskMasterLedgerIfDue()
    {
        if (_ledgerAsking || !LedgerAskIsDue()) return;
        _ledgerAsking = true;
        _log.Info("History: asking the master for its logging ledger to settle {Rows} samples cached in partial mode", UnsettledRows());
        AskMasterLedger();
    }

    private void AskMasterLedger()
    {
        _ledgerRequest++;
        _masterLedger!.Tell(new HistoryLedgerRequest(_ledgerRequest), Self);
        _ledgerBackoff = ForwardingRules.NextBackoff(_ledgerBackoff, _settings.LedgerAskMinBackoff, _settings.LedgerAskMaxBackoff);
        Timers.StartSingleTimer(LedgerAskTimer, LedgerAskDue.Instance, _ledgerBackoff.Value);
    }

    private CachedHistoryReconciled Reconcile(ReconcileCachedHistory reconcile)
    {
        StopForwarding();
        var ledger = PartialReconciliation.Normalise(reconcile.MasterLogging);
        var forwarded = new SpanTracker();
        var dropped = new SpanTracker();
        var (kept, droppedCount, waiting) = _cache.Retain(
            keep: sample =>
            {
                var forward = PartialHistoryRules.Fate(sample.Timestamp, ledger, reconcile.SettledUpTo) == PartialSampleFate.Forward;
                (forward ? forwarded : dropped).Add(sample.Timestamp);
                return forward;
            },
            waits: sample => PartialHistoryRules.Fate(sample.Timestamp, ledger, reconcile.SettledUpTo) == PartialSampleFate.Wait);
        _forwardUpTo = _cache.LastSequence - waiting;
        var text = $"history cache reconciled with the master's ledger ({ledger.Count} logging intervals{LastInterval(ledger)}): "
            + $"{kept} samples forwarded{forwarded}, {droppedCount} dropped as logged by the master{dropped}"
            + (waiting > 0 ? $", {waiting} later than its answer wait" : "");
        _log.Info("History: {Reconciled}", text);
        _events?.Tell(new AppendRedundancyEvent(RedundancyEventKinds.HistoryReconciled, text), Self);
        TryForward();
        return new CachedHistoryReconciled(kept, droppedCount, waiting);
    }

    private static string LastInterval(IReadOnlyList<LoggingInterval> ledger) =>
        ledger.Count == 0 ? "" : $", the last {ledger[^1].From:O}..{ledger[^1].To:O}";

    /// <summary>The first and last timestamps seen, for the events log.</summary>
    private sealed class SpanTracker
    {
        private DateTimeOffset? _from;
        private DateTimeOffset? _to;

        public void Add(DateTimeOffset at)
        {
            if (_from is null || at < _from) _from = at;
            if (_to is null || at > _to) _to = at;
        }

        public override string ToString() => _from is { } from ? $" ({from:O}..{_to:O})" : "";
    }

    private sealed record LedgerAskDue
    {
        public static readonly LedgerAskDue Instance = new();
    }
}
