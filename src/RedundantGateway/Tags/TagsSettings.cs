using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.Tags;

/// <summary>The tag engine's settings (<c>redundant-gateway.tags</c>).</summary>
/// <param name="DisconnectedProviders">providers disconnected from the start: their tags are bad quality.</param>
/// <param name="StreamBufferPaths">most distinct paths one stream client's coalescing buffer holds before it is cut off.</param>
public sealed record TagsSettings(IReadOnlyList<string> DisconnectedProviders, int StreamBufferPaths)
{
    public static TagsSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("tags"));

    public static TagsSettings Create(SettingsReader tags) =>
        new(tags.StringList("disconnected-providers").Select(p => p.Trim()).Where(p => p.Length > 0).ToList(),
            tags.PositiveInt("stream-buffer-paths"));
}

/// <summary>The demo configuration a fresh master loads (<c>redundant-gateway.demo</c>).</summary>
public sealed record DemoSettings(bool Enabled)
{
    public static DemoSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("demo"));

    public static DemoSettings Create(SettingsReader demo) => new(demo.Bool("enabled"));
}
