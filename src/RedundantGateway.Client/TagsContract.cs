using System.Text.Json;
using System.Text.Json.Serialization;

namespace RedundantGateway.Client;

// The records of /api/tags and its live stream.

/// <summary>One tag's current value.</summary>
/// <param name="Value">a number, bool or string (the tag's data type); null with bad quality.</param>
/// <param name="Quality">good, bad or uncertain.</param>
/// <param name="T">the source's time of the value (UTC).</param>
/// <param name="Reason">why the quality is not good; left out when it is.</param>
public sealed record TagInfo(
    string Path,
    JsonElement? Value,
    string Quality,
    DateTime T,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>GET /api/tags: the values at this node (empty when its level runs no provider: cold, undecided).</summary>
public sealed record TagList(string Node, string ActivityLevel, IReadOnlyList<TagInfo> Tags);

/// <summary>The first event of /api/tags/stream (<c>event: snapshot</c>).</summary>
public sealed record TagStreamSnapshot(string ActivityLevel, IReadOnlyList<TagInfo> Tags);

/// <summary><c>event: level</c> of /api/tags/stream: the node's level changed (cold or undecided: the stream ends).</summary>
public sealed record TagStreamLevel(string ActivityLevel);

/// <summary>
/// One item of the hub's live stream (<c>Stream</c> on <see cref="GatewayRoutes.TagHub"/>), the same information as
/// the Server-Sent Events in one typed record. <paramref name="Kind"/> says which fields are set:
/// <c>snapshot</c> (<paramref name="ActivityLevel"/>, <paramref name="Tags"/>), <c>change</c> (<paramref name="Tag"/>),
/// <c>level</c> (<paramref name="ActivityLevel"/>), <c>end</c> (<paramref name="Reason"/>), <c>heartbeat</c>
/// (<paramref name="ActivityLevel"/> last sent; sent after <c>tags.stream-heartbeat-interval</c> with nothing else,
/// so that silence means a lost node). After a snapshot or level
/// at which the node runs no provider (cold, undecided), or after an end, the stream completes.
/// </summary>
public sealed record TagStreamItem(
    string Kind,
    string? ActivityLevel = null,
    IReadOnlyList<TagInfo>? Tags = null,
    TagInfo? Tag = null,
    string? Reason = null)
{
    public const string SnapshotKind = "snapshot";
    public const string ChangeKind = "change";
    public const string LevelKind = "level";
    public const string EndKind = "end";
    public const string HeartbeatKind = "heartbeat";
}
