using RedundantGateway.Configuration;
using RedundantGateway.Hmi;
using Xunit;

namespace RedundantGateway.Tests.Hmi;

public sealed class HmiSettingsSpec
{
    [Fact]
    public void The_defaults_come_from_reference_conf_and_a_node_file_overrides_them()
    {
        Assert.Equal(HmiSettings.Default, HmiSettings.Create(Akka.Configuration.ConfigurationFactory.Empty));
        Assert.Equal(TimeSpan.FromMilliseconds(600), HmiSettings.Default.LostAfter);
        var settings = HmiSettings.Create(GatewayConfig.Parse(
            "redundant-gateway.hmi { lost-after = 1s, poll-interval = 50ms, fetch-timeout = 250ms }", "spec.hocon"));
        Assert.Equal(new HmiSettings(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250)), settings);
        Assert.Equal(settings, GatewaySettings.Create(GatewayConfig.Parse(
            "redundant-gateway.hmi { lost-after = 1s, poll-interval = 50ms, fetch-timeout = 250ms }", "spec.hocon"), "spec.hocon").Hmi);
    }

    [Theory]
    [InlineData("lost-after = soon")]
    [InlineData("fetch-timeout = 0ms")]
    public void A_bad_value_is_one_line_naming_the_key(string line)
    {
        var error = Assert.Throws<GatewayConfigException>(() => HmiSettings.Create(GatewayConfig.Parse($"redundant-gateway.hmi.{line}", "spec.hocon")));
        Assert.Contains("redundant-gateway.hmi." + line.Split(' ')[0], error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
