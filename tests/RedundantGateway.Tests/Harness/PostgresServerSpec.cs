using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

/// <summary>The <see cref="PostgresServer"/> fixture gives a working server: a new database takes a table, a row, and gives it back.</summary>
public sealed class PostgresServerSpec(PostgresServer server, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task A_created_database_stores_and_returns_a_row()
    {
        output.WriteLine($"server on port {server.Port}, started (initdb + pg_ctl start) in {server.StartupTime.TotalMilliseconds:0} ms");
        var connectionString = await server.CreateDatabaseAsync("spec_" + Guid.NewGuid().ToString("N"));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE gateway_config (key text PRIMARY KEY, value text NOT NULL)", connection))
            await create.ExecuteNonQueryAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO gateway_config (key, value) VALUES (@key, @value)", connection))
        {
            insert.Parameters.AddWithValue("key", "failover-timeout");
            insert.Parameters.AddWithValue("value", "1.5 s");
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await using var select = new NpgsqlCommand("SELECT key, value, current_database() FROM gateway_config", connection);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the inserted row is missing");
        Assert.Equal("failover-timeout", reader.GetString(0));
        Assert.Equal("1.5 s", reader.GetString(1));
        Assert.StartsWith("spec_", reader.GetString(2));
        Assert.False(await reader.ReadAsync(), "more rows than inserted");
    }
}
