using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway;

/// <summary>
/// Settings for tests only (keys under <c>redundant-gateway.testing</c>); a production node leaves them at their defaults.
/// </summary>
/// <param name="ClockOffset">added to this node's wall clock (<see cref="NodeClock"/>): two nodes of a pair on one
/// machine can run minutes apart, as two machines with unsynchronised clocks would.</param>
public sealed record TestingSettings(TimeSpan ClockOffset)
{
    /// <summary>The largest offset accepted either way: enough for any skew worth testing, far from DateTimeOffset's ends.</summary>
    public static readonly TimeSpan MaxClockOffset = TimeSpan.FromDays(1);

    public static readonly TestingSettings Default = new(TimeSpan.Zero);

    /// <summary>Reads the testing keys of a node's configuration (merged over the embedded defaults).</summary>
    public static TestingSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("testing"));

    /// <summary>Reads the keys from the <c>testing</c> section.</summary>
    public static TestingSettings Create(SettingsReader testing)
    {
        var offset = testing.SignedDuration("clock-offset");
        if (offset.Duration() > MaxClockOffset)
            throw testing.Error("clock-offset", $"{offset} is beyond {MaxClockOffset.TotalHours:0} hours either way");
        return new TestingSettings(offset);
    }
}
