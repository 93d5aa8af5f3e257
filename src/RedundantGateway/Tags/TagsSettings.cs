using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.Tags;

/// <summary>The tag engine's settings (<c>redundant-gateway.tags</c>).</summary>
/// <param name="DisconnectedProviders">providers disconnected from the start: their tags are bad quality.</param>
/// <param name="StreamBufferPaths">most distinct paths one stream client's coalescing buffer holds before it is cut off.</param>
public sealed record TagsSettings(IReadOnlyList<string> DisconnectedProviders, int StreamBufferPaths)
{
    /// <summary>How long the engine waits for the configuration it asked for before asking again after <see cref="ConfigReadRetry"/>.</summary>
    public TimeSpan ConfigReadTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan ConfigReadRetry { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A burst of configuration commits is applied once, this long after the first (a bulk load does not re-scan per edit).</summary>
    public TimeSpan ApplyInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the coordinator waits for the tag or alarm engine to reach a level or rebuild.</summary>
    public TimeSpan RuntimeActorTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A live stream with nothing to send for this long sends a heartbeat (clients detect a lost node by silence).</summary>
    public TimeSpan StreamHeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public static TagsSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("tags"));

    public static TagsSettings Create(SettingsReader tags) =>
        new(tags.StringList("disconnected-providers").Select(p => p.Trim()).Where(p => p.Length > 0).ToList(),
            tags.PositiveInt("stream-buffer-paths"))
        {
            ConfigReadTimeout = tags.Duration("config-read-timeout"),
            ConfigReadRetry = tags.Duration("config-read-retry"),
            ApplyInterval = tags.Duration("apply-interval", allowZero: true),
            RuntimeActorTimeout = tags.Duration("runtime-actor-timeout"),
            StreamHeartbeatInterval = tags.Duration("stream-heartbeat-interval"),
        };
}

/// <summary>The demo configuration a fresh master loads (<c>redundant-gateway.demo</c>).</summary>
public sealed record DemoSettings(bool Enabled)
{
    public static DemoSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("demo"));

    public static DemoSettings Create(SettingsReader demo) => new(demo.Bool("enabled"));
}
