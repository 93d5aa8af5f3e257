using Akka.Event;

namespace RedundantGateway.Liveness;

/// <summary>
/// Sent by a node's failure detector to its peer's on every heartbeat tick. Not a dead letter worth logging:
/// while the peer is away, every heartbeat would be one.
/// </summary>
/// <param name="FromAddress">the sender's cluster address (akka.tcp://...).</param>
public sealed record Heartbeat(long Sequence, long SentAtMs, string FromAddress, long FromUid) : IPairProtocolMessage, IDeadLetterSuppression;

/// <summary>The peer's answer to a <see cref="Heartbeat"/>, with what it knows of its own cluster.</summary>
/// <param name="ResponderUid">the responder's incarnation (its ActorSystem's unique id).</param>
/// <param name="ResponderIsUp">the responder is an Up member of a cluster.</param>
/// <param name="ResponderSeesSender">the sender (address and incarnation) is a member of the responder's cluster.</param>
public sealed record HeartbeatAck(
    long Sequence,
    long SentAtMs,
    string ResponderAddress,
    long ResponderUid,
    string ResponderNodeName,
    bool ResponderIsUp,
    bool ResponderSeesSender,
    PeerActivity ResponderActivity) : IPairProtocolMessage, IDeadLetterSuppression;

/// <summary>What a node says of its activity, carried on heartbeats so that each side knows the other's.</summary>
/// <param name="ActiveSinceMs">Unix ms of the start of the current continuous activation, or null when not active.</param>
public sealed record PeerActivity(NodeRole Role, ActivityLevel Level, long Epoch, long? ActiveSinceMs);

/// <summary>Published on the local event stream when the peer answers again (or for the first time).</summary>
public sealed record PeerReachable(string PeerAddress, long PeerUid, string PeerNodeName);

/// <summary>Published when the peer's phi passes the threshold: suspected, not yet judged down.</summary>
public sealed record PeerUnreachable(string PeerAddress, double Phi, TimeSpan SilentFor);

/// <summary>Published when the peer is judged down: silent past the failover timeout, or its process is gone.</summary>
/// <param name="SilentFor">time since its last answer: the detection time.</param>
/// <param name="Cause">why it is judged down, for the events log.</param>
public sealed record PeerDown(string PeerAddress, TimeSpan SilentFor, string Cause = "silent past the failover timeout");

/// <summary>Asks the detector for its figures.</summary>
public sealed record GetLivenessStatus
{
    public static readonly GetLivenessStatus Instance = new();
}

public enum PeerState { Unknown, Reachable, Unreachable, Down }

/// <summary>The detector's view of the peer, for the status surfaces.</summary>
public sealed record LivenessStatus(
    string? PeerAddress,
    PeerState State,
    double Phi,
    double? RoundTripMs,
    double? LastHeardMsAgo,
    HeartbeatAck? LastAck);

/// <summary>Published by this node's coordinator when its activity changes; heartbeats carry it to the peer.</summary>
public sealed record LocalActivityChanged(PeerActivity Activity);

/// <summary>
/// The peer's heartbeats arrive but nothing this node sends reaches it (no answer for longer than the
/// failover timeout): this node's outbound link is stuck, which only a new actor system resets.
/// </summary>
public sealed record PeerLinkOneWay(string PeerAddress, TimeSpan For);
