namespace RedundantGateway.Redundancy;

/// <summary>
/// A node that was paused (SIGSTOP, a VM freeze, a stall of the whole process) cannot know what its peer did
/// meanwhile: if the pause lasted long enough for the peer to judge it down, the peer may be active now. Pure
/// rules; the coordinator checks the time since it last ran on every message, the web layer at every read.
/// </summary>
public static class PauseRules
{
    /// <summary>
    /// The shortest pause after which the peer may have taken over: the peer judges this node down after the
    /// failover timeout of silence, counted from this node's last answer, which may have gone out up to one
    /// heartbeat interval before the pause began.
    /// </summary>
    public static TimeSpan Limit(TimeSpan failoverTimeout, TimeSpan heartbeatInterval) =>
        failoverTimeout - heartbeatInterval > TimeSpan.Zero ? failoverTimeout - heartbeatInterval : failoverTimeout;

    /// <summary>
    /// This node last ran <paramref name="sinceLastRun"/> ago by the monotonic clock (its periodic check is
    /// due every <paramref name="checkInterval"/>): was it paused long enough to have lost its role?
    /// </summary>
    public static bool MayHaveLostRole(TimeSpan sinceLastRun, TimeSpan checkInterval, TimeSpan limit) =>
        sinceLastRun >= limit && sinceLastRun > checkInterval;

    /// <summary>
    /// The level a status surface may show: "active" only while the node's last confirmation of it (the moment
    /// the coordinator answered) is younger than <paramref name="limit"/>; after a pause the answer is stale.
    /// </summary>
    public static ActivityLevel LevelToShow(ActivityLevel level, TimeSpan sinceConfirmed, TimeSpan limit) =>
        level == ActivityLevel.Active && sinceConfirmed >= limit ? ActivityLevel.Undecided : level;
}
