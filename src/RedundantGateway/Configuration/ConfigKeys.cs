using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace RedundantGateway.Configuration;

/// <summary>
/// The bridge between HOCON trees and <see cref="KeyValidator"/>: the keys a parsed configuration holds, and the
/// spec of the known ones, read from the embedded reference.conf.
/// </summary>
public static class ConfigKeys
{
    /// <summary>
    /// The keys of the <c>redundant-gateway</c> section: every setting and block of reference.conf, and the keys that
    /// moved away from <c>redundancy</c> (still read at their old place, with a warning).
    /// </summary>
    public static KeySpec Gateway { get; } = BuildGatewaySpec();

    /// <summary>
    /// What a node's own file may hold: the <c>redundant-gateway</c> section and Akka's settings (open: Akka has
    /// hundreds of keys, and the pair's tuning of them is an operator's business).
    /// </summary>
    public static KeySpec NodeFile { get; } = Gateway.WithOpenBlock("akka");

    /// <summary>The keys of <paramref name="config"/> as written, each block before the keys inside it.</summary>
    public static IReadOnlyList<GivenKey> Given(Config config)
    {
        var keys = new List<GivenKey>();
        if (config.IsEmpty || config.Root is not { } root) return keys;
        foreach (var obj in root.Values.OfType<HoconObject>())
            foreach (var (key, value) in obj.Items)
                Walk(key, value, keys);
        return keys;
    }

    /// <summary>The keys of <paramref name="config"/> under <c>redundant-gateway</c> only (a host's own keys are its business).</summary>
    public static IEnumerable<GivenKey> GivenUnderGateway(Config config) =>
        Given(config).Where(k => k.Path == GatewayConfig.Root || k.Path.StartsWith(GatewayConfig.Root + ".", StringComparison.Ordinal));

    private static void Walk(string path, HoconValue value, List<GivenKey> keys)
    {
        var objects = value.Values.OfType<HoconObject>().ToList();
        var shape = objects.Count > 0 ? KeyShape.Block
            : value.Values.Any(v => v is HoconSubstitution) ? KeyShape.Substitution
            : KeyShape.Setting;
        keys.Add(new GivenKey(path, shape));
        // Only literal objects are walked: resolving a substitution here could recurse without end.
        foreach (var obj in objects)
            foreach (var (key, child) in obj.Items)
                Walk($"{path}.{key}", child, keys);
    }

    private static KeySpec BuildGatewaySpec()
    {
        var settings = new HashSet<string>(StringComparer.Ordinal);
        var blocks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in GivenUnderGateway(GatewayConfig.Reference))
            (key.Shape == KeyShape.Block ? blocks : settings).Add(key.Path);
        foreach (var moved in ConfigSync.ConfigSyncSettings.KeysMovedFromRedundancy)
            settings.Add($"{GatewayConfig.Root}.redundancy.{moved}");
        return new KeySpec(settings, blocks, new HashSet<string>(StringComparer.Ordinal));
    }
}
