namespace RedundantGateway.Liveness;

/// <summary>
/// Membership rule 5, as the detector sees it: Akka.Remote, after a peer restarted within a second, can keep
/// dropping what this node sends to the new incarnation while that one's messages still arrive. Such a link
/// is reset (the actor system rebuilt, by the membership actor) once it has stayed one-way long enough.
/// </summary>
public static class OneWayLinkRule
{
    /// <summary>One-way: this node judges the peer down while it still hears the peer's heartbeats (heard within the failover timeout).</summary>
    public static bool IsOneWay(bool peerJudgedDown, long? lastHeardFromPeerMs, long nowMs, TimeSpan failoverTimeout) =>
        peerJudgedDown && lastHeardFromPeerMs is { } heard && nowMs - heard < failoverTimeout.TotalMilliseconds;

    /// <summary>
    /// How long a link must stay one-way before it is reset: 8 failover timeouts and at least <paramref name="minimum"/>,
    /// well above the few seconds Akka.Remote needs to reach a restarted peer normally.
    /// </summary>
    public static TimeSpan Limit(TimeSpan failoverTimeout, TimeSpan minimum) =>
        TimeSpan.FromMilliseconds(Math.Max(minimum.TotalMilliseconds, 8 * failoverTimeout.TotalMilliseconds));

    public static bool MustReset(TimeSpan oneWayFor, LivenessSettings settings) => oneWayFor >= settings.OneWayLinkResetAfter;
}
