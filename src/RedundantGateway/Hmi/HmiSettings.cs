using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.Hmi;

/// <summary>
/// The live HMI pages' settings (<c>redundant-gateway.hmi</c>): the node hands them to each page it serves, whose
/// script decides from them when its node is lost and how it looks for the active node.
/// </summary>
/// <param name="LostAfter">a live stream silent this long means the node is lost (a few stream heartbeats).</param>
/// <param name="PollInterval">while lost, how often the script asks both nodes for their level.</param>
/// <param name="FetchTimeout">how long one of those asks may take before the script gives up on it (a hung or cut-off node never answers).</param>
public sealed record HmiSettings(TimeSpan LostAfter, TimeSpan PollInterval, TimeSpan FetchTimeout)
{
    public static readonly HmiSettings Default = new(TimeSpan.FromMilliseconds(600), TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(400));

    public static HmiSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("hmi"));

    public static HmiSettings Create(SettingsReader hmi) =>
        new(hmi.Duration("lost-after"), hmi.Duration("poll-interval"), hmi.Duration("fetch-timeout"));
}
