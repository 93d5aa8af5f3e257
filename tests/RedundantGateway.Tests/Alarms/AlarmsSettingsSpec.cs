using RedundantGateway.Alarms;
using RedundantGateway.Configuration;
using Xunit;

namespace RedundantGateway.Tests.Alarms;

public sealed class AlarmsSettingsSpec
{
    [Fact]
    public void The_defaults_come_from_reference_conf_and_a_node_file_overrides_them()
    {
        Assert.Equal(AlarmsSettings.Default, AlarmsSettings.Create(Akka.Configuration.ConfigurationFactory.Empty));
        var settings = AlarmsSettings.Create(GatewayConfig.Parse("redundant-gateway.alarms.max-shelve-duration = 2h", "spec.hocon"));
        Assert.Equal(TimeSpan.FromHours(2), settings.MaxShelveDuration);
    }

    [Fact]
    public void A_bad_value_is_one_line_naming_the_key()
    {
        var error = Assert.Throws<GatewayConfigException>(() =>
            AlarmsSettings.Create(GatewayConfig.Parse("redundant-gateway.alarms.max-shelve-duration = soon", "spec.hocon")));
        Assert.Contains("redundant-gateway.alarms.max-shelve-duration", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
