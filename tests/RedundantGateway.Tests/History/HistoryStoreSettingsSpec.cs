using RedundantGateway.Configuration;
using RedundantGateway.History;
using Xunit;

namespace RedundantGateway.Tests.History;

public sealed class HistoryStoreSettingsSpec
{
    [Fact]
    public void The_defaults_come_from_reference_conf_a_shared_sqlite_file_and_no_postgres()
    {
        var settings = HistoryStoreSettings.Create(Akka.Configuration.ConfigurationFactory.Empty);

        Assert.Equal(new HistoryStoreSettings("data/history.db", "", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)), settings);
        Assert.False(settings.UsesPostgres);
        Assert.IsType<SqliteHistoryStore>(settings.CreateStore());
    }

    [Fact]
    public void A_connection_string_selects_postgres_and_a_node_file_overrides_the_rest()
    {
        var settings = HistoryStoreSettings.Create(GatewayConfig.Parse("""
            redundant-gateway.history {
              sqlite-path = "/srv/shared/history.db"
              postgres.connection-string = "Host=10.0.0.5;Port=5433;Database=history;Username=gw;Password=secret"
            }
            """, "spec.hocon"));

        Assert.Equal(("/srv/shared/history.db", true), (settings.SqlitePath, settings.UsesPostgres));
        var store = Assert.IsType<PostgresHistoryStore>(settings.CreateStore());
        Assert.Equal("PostgreSQL 10.0.0.5:5433/history as gw", store.Description);
    }

    [Theory]
    [InlineData("sqlite-busy-timeout = never", "redundant-gateway.history.sqlite-busy-timeout")]
    [InlineData("sqlite-path = \"\"", "redundant-gateway.history.sqlite-path")]
    [InlineData("postgres.connection-string = \"Host=x;Password=secret;Bogus Key=1\"", "redundant-gateway.history.postgres.connection-string")]
    public void A_bad_value_is_one_line_naming_the_key_and_never_the_password(string line, string key)
    {
        var error = Assert.Throws<GatewayConfigException>(() =>
            HistoryStoreSettings.Create(GatewayConfig.Parse($"redundant-gateway.history {{ {line} }}", "spec.hocon")));

        Assert.Contains(key, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }
}
