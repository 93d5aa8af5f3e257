using Npgsql;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>The config store on PostgreSQL (provider "PostgreSQL.15"), on a private server: same recovery as on SQLite.</summary>
public sealed class ConfigStorePostgresSpec : Akka.TestKit.Xunit2.TestKit, IClassFixture<PostgresServer>
{
    private readonly PostgresServer _server;
    private readonly string _dataDir = TestSupport.TempDir();

    public ConfigStorePostgresSpec(PostgresServer server, ITestOutputHelper output) : base(output: output)
    {
        _server = server;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        TestSupport.DeleteQuietly(_dataDir);
    }

    private async Task<(GatewaySettings Settings, string ConnectionString)> Database(bool backup = false, string extra = "")
    {
        var connectionString = await _server.CreateDatabaseAsync("config_" + Guid.NewGuid().ToString("N"));
        var store = $$"""
            config-store {
              provider = postgresql
              connection-string = "{{connectionString}}"
            }
            {{extra}}
            """;
        var settings = backup ? StoreNode.BackupSettings(_dataDir, store) : StoreNode.MasterSettings(_dataDir, store);
        Assert.Equal(ConfigStoreProvider.Postgresql, settings.ConfigStore.Provider);
        Assert.Equal(connectionString, ConfigStorePersistence.ConnectionString(settings.ConfigStore, settings.DataDir));
        return (settings, connectionString);
    }

    private static async Task<long> Scalar(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_restarted_master_recovers_the_same_document()
    {
        var (settings, connectionString) = await Database();

        var replayed = await StoreScenarios.EditRestartRecover(this, settings, edits: 30);

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), replayed);
        // The journal is in the database, not in a SQLite file under the data dir.
        Assert.Equal(32, await Scalar(connectionString, "SELECT count(*) FROM journal"));
        Assert.False(File.Exists(ConfigStorePersistence.DefaultSqliteFile(settings.DataDir)));
    }

    [Fact]
    public async Task A_master_recovers_from_snapshots_and_the_events_after_them()
    {
        var (settings, connectionString) = await Database(extra: "config-store.snapshot-every = 10");

        var replayed = await StoreScenarios.EditRestartRecover(this, settings, edits: 25, beforeStop: () =>
            AwaitAssert(() => Assert.Equal(21, Scalar(connectionString, "SELECT max(sequence_number) FROM snapshot").GetAwaiter().GetResult()),
                StoreNode.Deadline));

        Assert.Equal([21L, 22, 23, 24, 25], replayed);
    }

    [Fact]
    public async Task A_backup_replacement_and_updates_survive_a_restart()
    {
        var (settings, _) = await Database(backup: true);
        var master = ConfigDocument.From("master-identity", 7, [new("a", "1"), new("b/c", "{\"d\":[true]}")]);
        await using (var node = StoreNode.Start(this, settings))
        {
            Assert.Equal(new ConfigReplacedAck(7, master.Digest), node.Replace(master));
            var updates = StoreNode.UpdatesAfter(ref master, ("a", null), ("e", "\"\u00e9\""));
            Assert.Equal(new ReplicatedUpdatesApplied(true, 9, master.Digest, ""), node.Apply("master-identity", updates));
            var next = master;
            var wrong = StoreNode.UpdatesAfter(ref next, ("f", "1"));
            wrong[0] = wrong[0] with { DigestAfter = new string('0', 64) };
            Assert.False(node.Apply("master-identity", wrong).Consistent);
        }

        await using var restarted = StoreNode.Start(this, settings, "store-restarted");
        StoreNode.AssertSame(master, restarted.Document);
    }
}
