using System.Globalization;

namespace RedundantGateway.Client;

/// <summary>
/// GET /system/gwinfo: one plain-text line of <c>Key=Value</c> pairs separated by <c>;</c>, for load balancers.
/// The text is the contract, so <see cref="Format"/> and <see cref="Parse"/> are its only writer and reader.
/// </summary>
/// <param name="RedundancyStatus">Master, Backup or Independent.</param>
/// <param name="RedundantNodeActiveStatus">Active, Warm, Cold or Undecided.</param>
public sealed record GwInfo(string RedundancyStatus, string RedundantNodeActiveStatus, bool PeerConnected, long Epoch, string NodeName, string Version)
{
    /// <summary>The pairs in the order they are sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields() =>
    [
        new("RedundancyStatus", RedundancyStatus),
        new("RedundantNodeActiveStatus", RedundantNodeActiveStatus),
        new("PeerConnected", PeerConnected ? "true" : "false"),
        new("Epoch", Epoch.ToString(CultureInfo.InvariantCulture)),
        new("NodeName", NodeName),
        new("Version", Version),
    ];

    public string Format() => string.Join(';', Fields().Select(f => $"{f.Key}={f.Value}"));

    /// <summary>Reads the line; unknown keys are ignored (a newer node may add some), a missing one is a <see cref="FormatException"/>.</summary>
    public static GwInfo Parse(string text)
    {
        var fields = text.Trim().Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .GroupBy(kv => kv[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last() is { Length: > 1 } kv ? kv[1] : "", StringComparer.Ordinal);
        string Get(string key) => fields.TryGetValue(key, out var value) ? value : throw new FormatException($"gwinfo has no {key}: '{text}'");
        return new GwInfo(
            Get("RedundancyStatus"),
            Get("RedundantNodeActiveStatus"),
            bool.Parse(Get("PeerConnected")),
            long.Parse(Get("Epoch"), CultureInfo.InvariantCulture),
            Get("NodeName"),
            Get("Version"));
    }

    public override string ToString() => Format();
}
