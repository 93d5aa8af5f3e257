namespace RedundantGateway.Client;

/// <summary>
/// How a <see cref="GatewayPairClient"/> follows the active node. Every wait is bounded here, so that a node that
/// stopped answering (killed, hung, cut off) is noticed by the client's own clock and never by a TCP timeout.
/// </summary>
public sealed record GatewayPairClientOptions
{
    /// <summary>
    /// How long the stream may be silent before its node counts as lost. The node sends a heartbeat after
    /// tags.stream-heartbeat-interval (200 ms) with nothing else to send: the default is three of them.
    /// </summary>
    public TimeSpan Silence { get; init; } = TimeSpan.FromMilliseconds(600);

    /// <summary>How often the other node's /system/gwinfo is read while the client streams from the active one.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each node's /system/gwinfo is read while the client looks for the active node (after a loss, at start):
    /// the client moves at most this long after the other node became active. A plain-text answer, cheap for the node.
    /// </summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The longest any one request may take (gwinfo, history, alarms, a write; the hub's connect and its snapshot get
    /// twice this): a hung node's request is given up after it, not after the operating system's TCP timeouts.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a write (alarm ack, shelve, unshelve) waits for an active node while the client moves, before it fails.</summary>
    public TimeSpan WriteWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the active node's alarms are read (GET /api/alarms) to raise alarm changes, when alarms are subscribed.</summary>
    public TimeSpan AlarmPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a move, the values missed are read from the new node's history (GET /api/history) for at most this many
    /// tags (those delivered most recently first); the others start again from the node's snapshot. 0: snapshot only.
    /// </summary>
    public int HistoryReplayMaxTags { get; init; } = 32;

    /// <summary>The nodes' API token (redundant-gateway.api.token) for writes; null: none.</summary>
    public string? ApiToken { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> with one line naming the first bad option.</summary>
    public GatewayPairClientOptions Validate()
    {
        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero) throw new ArgumentException($"{name} must be positive, was {value.TotalMilliseconds} ms", name);
        }
        Positive(Silence, nameof(Silence));
        Positive(WatchInterval, nameof(WatchInterval));
        Positive(ProbeInterval, nameof(ProbeInterval));
        Positive(RequestTimeout, nameof(RequestTimeout));
        Positive(AlarmPollInterval, nameof(AlarmPollInterval));
        if (WriteWait < TimeSpan.Zero) throw new ArgumentException($"WriteWait must not be negative, was {WriteWait.TotalMilliseconds} ms", nameof(WriteWait));
        if (HistoryReplayMaxTags < 0) throw new ArgumentException($"HistoryReplayMaxTags must not be negative, was {HistoryReplayMaxTags}", nameof(HistoryReplayMaxTags));
        return this;
    }
}

/// <summary>
/// What a <see cref="GatewayPairClient"/> subscribes to, on whichever node is active: the tags under
/// <paramref name="TagPrefix"/> and/or the <paramref name="TagPaths"/> (neither: all tags), and the alarms under
/// <paramref name="AlarmPrefix"/> when <paramref name="Alarms"/> is set.
/// </summary>
public sealed record PairSubscription(string? TagPrefix = null, IReadOnlyList<string>? TagPaths = null, bool Alarms = false, string? AlarmPrefix = null)
{
    public static PairSubscription Tags(params string[] paths) => new(TagPaths: paths);
}
