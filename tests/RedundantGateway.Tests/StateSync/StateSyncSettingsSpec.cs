using RedundantGateway.Configuration;
using RedundantGateway.StateSync;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

public sealed class StateSyncSettingsSpec
{
    [Fact]
    public void The_defaults_come_from_reference_conf_and_the_folder_is_under_the_data_dir()
    {
        var settings = StateSyncSettings.Create(GatewayConfig.Parse("redundant-gateway.data-dir = \"/var/gw\"", "spec.hocon"));

        Assert.Equal(new StateSyncSettings(Path.GetFullPath("/var/gw/state-sync"), TimeSpan.Zero, 64L * 1024 * 1024, 10_000), settings);
    }

    [Fact]
    public void A_node_file_overrides_them()
    {
        var settings = StateSyncSettings.Create(GatewayConfig.Parse("""
            redundant-gateway.state-sync { directory = "/srv/state", sync-interval = 20ms, max-log-bytes = 1MiB, snapshot-batch-entries = 500 }
            """, "spec.hocon"));

        Assert.Equal(new StateSyncSettings(Path.GetFullPath("/srv/state"), TimeSpan.FromMilliseconds(20), 1024 * 1024, 500), settings);
    }

    [Fact]
    public void The_shipping_keys_are_read()
    {
        var settings = StateSyncSettings.Create(GatewayConfig.Parse("""
            redundant-gateway.data-dir = "/var/gw"
            redundant-gateway.state-sync { max-batch-entries = 50, batch-interval = 5ms, max-retained-batches = 7, max-retained-bytes = 2MiB,
              resend-after = 2s, full-transfer-timeout = 9s, probe-interval = 250ms, peer-state-wait = 0s }
            """, "spec.hocon"));

        Assert.Equal(new ShippingLimits(50, TimeSpan.FromMilliseconds(5), 7, 2L * 1024 * 1024, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(9)),
            settings.Shipping);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.ProbeInterval);
        Assert.Equal(TimeSpan.Zero, settings.PeerStateWait);
    }

    [Theory]
    [InlineData("max-batch-entries = 0")]
    [InlineData("max-retained-bytes = 0")]
    [InlineData("batch-interval = 0ms")]
    [InlineData("max-log-bytes = 0")]
    [InlineData("sync-interval = -1s")]
    [InlineData("snapshot-batch-entries = many")]
    public void A_bad_value_is_one_line_naming_the_key(string line)
    {
        var error = Assert.Throws<GatewayConfigException>(() =>
            StateSyncSettings.Create(GatewayConfig.Parse($"redundant-gateway.state-sync.{line}", "spec.hocon")));
        Assert.Contains($"redundant-gateway.state-sync.{line.Split(' ')[0]}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
