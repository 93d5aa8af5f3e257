using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.Redundancy;

/// <summary>
/// Who is active and when (<c>redundant-gateway.redundancy</c>): the peer's addresses, the standby's level,
/// the recovery mode, and the timings of the coordinator, the designator and the membership rules.
/// </summary>
/// <param name="MasterAddress">the master's node link; required on a backup.</param>
/// <param name="BackupAddress">the backup's node link; optional on a master.</param>
/// <param name="StandbyActivityLevel">cold or warm.</param>
/// <param name="JoinWaitTime">at start, how long a node waits for its peer before choosing alone.</param>
/// <param name="RecoveryMode">automatic or manual fail-back.</param>
/// <param name="BackupHistoryLevel">full or partial (history, to come).</param>
/// <param name="EventsKept">redundancy events kept in memory.</param>
/// <param name="ReportInterval">how often a coordinator reports its level to the designator.</param>
/// <param name="DesignatorSettleTime">how long a new designator waits for every member's report before deciding.</param>
/// <param name="DesignatorEvaluateInterval">how often the designator re-evaluates the reports it has.</param>
/// <param name="DesignationResendInterval">a designation not yet followed is sent again after this long.</param>
/// <param name="FailoverRequestMargin">an operator's failover request waits the failover timeout plus this.</param>
/// <param name="HandoverTimeout">how long a stopping active node waits for its peer to take over.</param>
/// <param name="MergeConfirmTime">how long two clusters must be seen before one side rebuilds to join the other.</param>
/// <param name="PauseCheckInterval">how often the coordinator checks that it still runs on time (a longer gap than the
/// failover timeout minus the heartbeat interval is a pause: the node drops to undecided).</param>
public sealed record RedundancySettings(
    NodeEndpoint? MasterAddress,
    NodeEndpoint? BackupAddress,
    ActivityLevel StandbyActivityLevel,
    TimeSpan JoinWaitTime,
    RecoveryMode RecoveryMode,
    HistoryLevel BackupHistoryLevel,
    int EventsKept,
    TimeSpan ReportInterval,
    TimeSpan DesignatorSettleTime,
    TimeSpan DesignatorEvaluateInterval,
    TimeSpan DesignationResendInterval,
    TimeSpan FailoverRequestMargin,
    TimeSpan HandoverTimeout,
    TimeSpan MergeConfirmTime,
    TimeSpan PauseCheckInterval)
{
    /// <summary>
    /// A coordinator's report older than this (by the designator's monotonic clock) no longer counts: after a pause
    /// of the designator's process, the reports it holds describe the pair as it was before.
    /// </summary>
    public TimeSpan ReportMaxAge => ReportInterval * 3;

    /// <summary>Reads the redundancy keys of a node's configuration (merged over the embedded defaults).</summary>
    public static RedundancySettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("redundancy"));

    /// <summary>Reads the keys from the <c>redundancy</c> section.</summary>
    public static RedundancySettings Create(SettingsReader redundancy) => new(
        MasterAddress: redundancy.Endpoint("master-address"),
        BackupAddress: redundancy.Endpoint("backup-address"),
        StandbyActivityLevel: redundancy.Enum<ActivityLevel>("standby-activity-level", ActivityLevel.Cold, ActivityLevel.Warm),
        JoinWaitTime: redundancy.Duration("join-wait-time", allowZero: true),
        RecoveryMode: redundancy.Enum<RecoveryMode>("recovery-mode"),
        BackupHistoryLevel: redundancy.Enum<HistoryLevel>("backup-history-level"),
        EventsKept: redundancy.PositiveInt("events-kept"),
        ReportInterval: redundancy.Duration("report-interval"),
        DesignatorSettleTime: redundancy.Duration("designator-settle-time", allowZero: true),
        DesignatorEvaluateInterval: redundancy.Duration("designator-evaluate-interval"),
        DesignationResendInterval: redundancy.Duration("designation-resend-interval"),
        FailoverRequestMargin: redundancy.Duration("failover-request-margin", allowZero: true),
        HandoverTimeout: redundancy.Duration("handover-timeout"),
        MergeConfirmTime: redundancy.Duration("merge-confirm-time"),
        PauseCheckInterval: redundancy.Duration("pause-check-interval"));
}
