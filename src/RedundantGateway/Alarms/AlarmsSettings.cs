using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.Alarms;

/// <summary>The alarm engine's settings (keys under <c>redundant-gateway.alarms</c>).</summary>
/// <param name="MaxShelveDuration">longest shelve an operator may ask for.</param>
public sealed record AlarmsSettings(TimeSpan MaxShelveDuration)
{
    public static readonly AlarmsSettings Default = new(TimeSpan.FromHours(24));

    /// <summary>Reads the alarm keys of a node's configuration (merged over the embedded defaults).</summary>
    public static AlarmsSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("alarms"));

    /// <summary>Reads the keys from the <c>alarms</c> section.</summary>
    public static AlarmsSettings Create(SettingsReader alarms) =>
        new(MaxShelveDuration: alarms.Duration("max-shelve-duration"));
}
