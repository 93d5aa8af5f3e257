using Akka.Actor;

namespace RedundantGateway.Tags;

public enum TagQuality { Good, Bad, Uncertain }

/// <summary>
/// A tag's current value: <paramref name="Value"/> is a double, long, bool or string (by the definition's data
/// type), null when there is none (bad quality); <paramref name="Timestamp"/> is the source's time of the value;
/// <paramref name="Reason"/> says why the quality is not good.
/// </summary>
public sealed record TagValue(string Path, object? Value, TagQuality Quality, DateTimeOffset Timestamp, string? Reason = null);

/// <summary>Which tags a client wants: these paths, and every tag under the prefix (none of either: all tags).</summary>
public sealed record TagSelection(IReadOnlyList<string> Paths, string? Prefix)
{
    public static readonly TagSelection All = new([], null);

    public static TagSelection ByPrefix(string? prefix) => new([], string.IsNullOrEmpty(prefix) ? null : prefix);

    public bool Matches(string path) =>
        (Paths.Count == 0 && Prefix is null) || Paths.Contains(path) || (Prefix is { } p && path.StartsWith(p, StringComparison.Ordinal));
}

/// <summary>Asks the tag engine for the current values of a selection; answered with a <see cref="TagSnapshot"/>.</summary>
public sealed record GetTagValues(TagSelection Selection);

/// <summary>
/// Subscribes <paramref name="Subscriber"/> to a selection: it gets a <see cref="TagSnapshot"/> at once, then
/// <see cref="TagsChanged"/> batches as values change and <see cref="TagLevelChanged"/> when the node's level
/// changes. A subscriber that stops is dropped (the engine watches it).
/// </summary>
public sealed record SubscribeTags(TagSelection Selection, IActorRef Subscriber);

public sealed record UnsubscribeTags(IActorRef Subscriber);

/// <summary>The values of a selection at the node's current level (empty when the level runs no provider: cold, undecided).</summary>
public sealed record TagSnapshot(ActivityLevel Level, IReadOnlyList<TagValue> Values);

/// <summary>Values that changed (past their deadband), in the order they changed.</summary>
public sealed record TagsChanged(IReadOnlyList<TagValue> Values);

public sealed record TagLevelChanged(ActivityLevel Level);
