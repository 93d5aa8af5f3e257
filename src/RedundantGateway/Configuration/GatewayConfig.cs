using System.Text.RegularExpressions;
using Akka.Configuration;

namespace RedundantGateway.Configuration;

/// <summary>Loads a node's HOCON: the operator's file merged over the embedded reference.conf.</summary>
public static class GatewayConfig
{
    public const string Root = "redundant-gateway";

    /// <summary>The embedded defaults (every setting of the product).</summary>
    public static Config Reference { get; } = ConfigurationFactory.FromResource(
        "RedundantGateway.reference.conf", typeof(GatewayConfig).Assembly);

    /// <summary>Reads <paramref name="path"/> and merges it over the defaults.</summary>
    /// <exception cref="GatewayConfigException">the file is missing or is not valid HOCON.</exception>
    public static Config LoadFile(string path) => ParseFile(path).WithFallback(Reference);

    /// <summary>
    /// Refuses a node's file that holds a key the node does not know (a typo, or a setting written outside its block):
    /// such a key would be ignored and the default used without a word.
    /// </summary>
    /// <exception cref="GatewayConfigException">one line naming the file, the key and the nearest known key.</exception>
    public static void CheckKeys(Config file, string source)
    {
        if (KeyValidator.FirstProblem(ConfigKeys.Given(file), ConfigKeys.NodeFile) is { } problem)
            throw new GatewayConfigException($"{source}: {problem.Describe()}");
    }

    /// <summary>Reads several files, each merged over the ones before it, all over the defaults.</summary>
    public static Config LoadFiles(IReadOnlyList<string> paths)
    {
        var merged = Reference;
        foreach (var path in paths) merged = ParseFile(path).WithFallback(merged);
        return merged;
    }

    private static Config ParseFile(string path)
    {
        if (!File.Exists(path))
            throw new GatewayConfigException($"{path}: configuration file not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GatewayConfigException($"{path}: cannot read ({e.Message})");
        }
        var config = Parse(text, path);
        CheckKeys(config, path);
        return config;
    }

    /// <summary>Parses HOCON text; errors name <paramref name="source"/> and the line.</summary>
    public static Config Parse(string hocon, string source)
    {
        if ((HoconSyntaxCheck.FindBracketProblem(hocon) ?? HoconSyntaxCheck.FindBareKey(hocon)) is { } problem)
            throw new GatewayConfigException($"{source}:{problem.Line}: invalid HOCON: {problem.What}");
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(hocon);
        }
        catch (Exception e) when (e is not GatewayConfigException)
        {
            throw new GatewayConfigException($"{source}{LineOf(e.Message, hocon)}: invalid HOCON: {FirstLine(e.Message)}");
        }
        if (config.Root is { } root && HoconSyntaxCheck.KeysWithoutValue(root).FirstOrDefault() is { } key)
        {
            var line = HoconSyntaxCheck.LineOf(hocon, key) is { } n ? $":{n}" : "";
            throw new GatewayConfigException($"{source}{line}: invalid HOCON: '{key}' has no value");
        }
        return config;
    }

    private static string LineOf(string message, string hocon)
    {
        var match = Regex.Match(message, @"[Ll]ine[:\s]+(\d+)");
        if (match.Success) return $":{match.Groups[1].Value}";
        var position = Regex.Match(message, @"position (\d+)");
        if (position.Success && int.TryParse(position.Groups[1].Value, out var index))
            return $":{1 + hocon.AsSpan(0, Math.Min(index, hocon.Length)).Count('\n')}";
        return "";
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] : line;
    }
}

/// <summary>A configuration problem an operator must fix; its message is one line naming the file and the key or line.</summary>
public sealed class GatewayConfigException(string message) : Exception(message.ReplaceLineEndings(" "));
