namespace RedundantGateway.Client;

/// <summary>One node of the pair as the client knows it: its web address, and its name and role once it answered gwinfo.</summary>
public sealed record PairNode(Uri BaseAddress, string? Name = null, string? Role = null)
{
    /// <summary>host:port of the web address.</summary>
    public string Address => BaseAddress.IsDefaultPort ? BaseAddress.Host : $"{BaseAddress.Host}:{BaseAddress.Port}";

    /// <summary>e.g. "master (127.0.0.1:8088)", or the address alone before the node answered.</summary>
    public override string ToString() => Name is null ? Address : $"{Name} ({Address})";
}

/// <summary>A tag value delivered once: <paramref name="Replayed"/> when it was missed during a move and read back (history or snapshot).</summary>
public sealed class TagValueEventArgs(TagInfo value, PairNode node, bool replayed) : EventArgs
{
    public TagInfo Value { get; } = value;
    public PairNode Node { get; } = node;
    public bool Replayed { get; } = replayed;
}

/// <summary>An alarm that is new to the client or changed (state, acknowledgement, shelving, quality): <paramref name="previous"/> is null when new.</summary>
public sealed class AlarmChangedEventArgs(AlarmInfo alarm, AlarmInfo? previous, PairNode node) : EventArgs
{
    public AlarmInfo Alarm { get; } = alarm;
    public AlarmInfo? Previous { get; } = previous;
    public PairNode Node { get; } = node;
}

/// <summary>
/// The client moved from one node to the other (raised once per move, once the other node streams):
/// <paramref name="reason"/> says why it left <paramref name="from"/>, <paramref name="gap"/> is the time between the
/// last thing it heard from <paramref name="from"/> and the first it heard from <paramref name="to"/>.
/// </summary>
public sealed class TransferredEventArgs(PairNode from, PairNode to, string reason, TimeSpan gap, DateTimeOffset at) : EventArgs
{
    public PairNode From { get; } = from;
    public PairNode To { get; } = to;
    public string Reason { get; } = reason;
    public TimeSpan Gap { get; } = gap;
    public DateTimeOffset At { get; } = at;

    public override string ToString() => $"transferred from {From} to {To}: {Reason}, gap {Gap.TotalMilliseconds:0} ms";
}

/// <summary>The client stopped trusting its node (<paramref name="reason"/>); writes wait until it knows an active node again.</summary>
public sealed class NodeLostEventArgs(PairNode node, string reason, DateTimeOffset at) : EventArgs
{
    public PairNode Node { get; } = node;
    public string Reason { get; } = reason;
    public DateTimeOffset At { get; } = at;
}

/// <summary>
/// A write was not sent: no node was known active within <see cref="GatewayPairClientOptions.WriteWait"/>, or the
/// node it went to did not answer (then it may or may not have been applied: the message says which).
/// </summary>
public sealed class PairUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
