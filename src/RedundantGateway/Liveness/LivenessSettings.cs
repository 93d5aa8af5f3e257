using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.Liveness;

/// <summary>
/// How a node watches its peer (keys under <c>redundant-gateway.redundancy</c>, where operators set the
/// failover timing). Read by <see cref="PeerFailureDetector"/>; the coordinator and membership derive
/// their own limits from <see cref="FailoverTimeout"/>.
/// </summary>
/// <param name="FailoverTimeout">silence after which the peer is judged down.</param>
/// <param name="HeartbeatInterval">how often a heartbeat goes to the peer; shorter than the failover timeout.</param>
/// <param name="PhiThreshold">phi above which the peer is reported unreachable (suspected only).</param>
/// <param name="PhiMinStdDeviation">lower bound of the interval's deviation in the phi computation.</param>
/// <param name="LinkProbeTimeout">how long the TCP connect after a dropped link may take; a peer that neither
/// accepts nor refuses is left to the heartbeats.</param>
/// <param name="OneWayLinkResetMin">a link heard one way only is reset after 8 failover timeouts, at least this.</param>
public sealed record LivenessSettings(
    TimeSpan FailoverTimeout,
    TimeSpan HeartbeatInterval,
    double PhiThreshold,
    TimeSpan PhiMinStdDeviation,
    TimeSpan LinkProbeTimeout,
    TimeSpan OneWayLinkResetMin)
{
    /// <summary>How long the peer may hear nothing from this node, while its heartbeats arrive, before the link is reset.</summary>
    public TimeSpan OneWayLinkResetAfter => OneWayLinkRule.Limit(FailoverTimeout, OneWayLinkResetMin);

    /// <summary>Reads the liveness keys of a node's configuration (merged over the embedded defaults).</summary>
    public static LivenessSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("redundancy"));

    /// <summary>Reads the keys from the <c>redundancy</c> section.</summary>
    public static LivenessSettings Create(SettingsReader redundancy)
    {
        var settings = new LivenessSettings(
            FailoverTimeout: redundancy.Duration("failover-timeout"),
            HeartbeatInterval: redundancy.Duration("heartbeat-interval"),
            PhiThreshold: redundancy.PositiveDouble("phi-threshold"),
            PhiMinStdDeviation: redundancy.Duration("phi-min-std-deviation"),
            LinkProbeTimeout: redundancy.Duration("link-probe-timeout"),
            OneWayLinkResetMin: redundancy.Duration("one-way-link-reset-min"));
        if (settings.HeartbeatInterval >= settings.FailoverTimeout)
            throw redundancy.Error("heartbeat-interval", "must be shorter than redundancy.failover-timeout");
        return settings;
    }
}
