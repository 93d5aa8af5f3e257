namespace RedundantGateway.Client;

/// <summary>What the client last learned of one node from its /system/gwinfo: the answer, or why there was none.</summary>
public sealed record NodeProbe(int Node, GwInfo? Info, string? Error)
{
    public bool SaysActive => Info is { RedundantNodeActiveStatus: "Active" };
}

/// <summary>
/// The decisions of <see cref="GatewayPairClient"/>, apart from its I/O: which node to stream from, when a stream's node
/// is lost, which values are new, which alarm answers are changes, and whether a write's refusal means "not active".
/// </summary>
public static class PairRules
{
    public const string ActiveLevel = "active";

    /// <summary>
    /// The node to stream from, given the latest probe of each (null: not answered yet): one that says Active; when both
    /// do (a split), the one with the newer designation epoch; on a tie the <paramref name="preferred"/> one (the node
    /// the client was on, so that it does not flap), else the first. Null: none is active yet, keep probing.
    /// </summary>
    public static int? PickActive(IReadOnlyList<NodeProbe?> latest, int? preferred)
    {
        var active = latest.Where(p => p is { SaysActive: true }).Select(p => p!).ToList();
        if (active.Count == 0) return null;
        var newest = active.Max(p => p.Info!.Epoch);
        var candidates = active.Where(p => p.Info!.Epoch == newest).ToList();
        return candidates.FirstOrDefault(p => p.Node == preferred)?.Node ?? candidates[0].Node;
    }

    /// <summary>
    /// Whether an item of the stream says its node is no longer the one to follow, and why: a level or heartbeat at
    /// another level than active (the stream of a node that left active), or an end. Null: keep reading.
    /// </summary>
    public static string? LossIn(TagStreamItem item) => item.Kind switch
    {
        TagStreamItem.LevelKind or TagStreamItem.SnapshotKind when item.ActivityLevel != ActiveLevel =>
            $"the node left active (level {item.ActivityLevel ?? "unknown"})",
        TagStreamItem.HeartbeatKind when item.ActivityLevel is { } level && level != ActiveLevel =>
            $"the node left active (level {level})",
        TagStreamItem.EndKind => $"the node ended the stream ({item.Reason ?? "no reason given"})",
        _ => null,
    };

    public static string SilenceReason(TimeSpan silence) => $"stream silent for {silence.TotalMilliseconds:0} ms";

    public static string ClosedReason(Exception? error) =>
        error is null ? "stream closed by the node" : $"stream closed ({FirstLine(error.Message)})";

    /// <summary>
    /// While streaming from a node that was active at <paramref name="currentEpoch"/>: leave it when the other node says
    /// Active at a newer epoch (the pair moved and this node has not said so, e.g. it is cut off from its peer).
    /// </summary>
    public static string? OtherTookOver(long currentEpoch, NodeProbe? other) =>
        other is { SaysActive: true } && other.Info!.Epoch > currentEpoch
            ? $"the other node is active at a newer epoch ({other.Info.Epoch} > {currentEpoch})"
            : null;

    /// <summary>
    /// Whether a value of a tag is new to the application: its source time is after the last one delivered for that tag.
    /// A replayed value (history, snapshot) older or equal was delivered already or is superseded; this is how the client
    /// never delivers a value twice when it reads back what it missed.
    /// </summary>
    public static bool IsNew(DateTime? lastDelivered, DateTime t) => lastDelivered is not { } last || t > last;

    /// <summary>Whether an alarm as read now differs, for its user, from what the client knew (new, or another state, ack, shelve or quality).</summary>
    public static bool AlarmChanged(AlarmInfo? before, AlarmInfo now) =>
        before is null
        || before.State != now.State
        || before.Acked != now.Acked
        || before.AckedAt != now.AckedAt
        || before.Shelved != now.Shelved
        || before.ShelvedUntil != now.ShelvedUntil
        || before.Quality != now.Quality
        || before.ActiveSince != now.ActiveSince;

    /// <summary>
    /// Whether a node refused a write because it is not active (409 and the alarm engine's wording). Nothing was changed
    /// there: the client takes it as a sign of a move and sends the write again to the node that is active.
    /// </summary>
    public static bool IsNotActiveRefusal(int status, string message) =>
        status == 409 && message.Contains("only by the active node", StringComparison.Ordinal);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
