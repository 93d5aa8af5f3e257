using System.Net;
using System.Net.Sockets;
using Npgsql;
using RedundantGateway.History;
using Xunit;

namespace RedundantGateway.Tests.History;

/// <summary>The history store contract on a database of its own on a private PostgreSQL server (no skip: a missing server fails).</summary>
public sealed class PostgresHistoryStoreSpec(PostgresServer server) : HistoryStoreSpec, IClassFixture<PostgresServer>
{
    private const string Password = "not-to-be-logged";
    private string _connectionString = "";

    protected override async Task CreateDatabaseAsync() =>
        _connectionString = await server.CreateDatabaseAsync("history_" + Guid.NewGuid().ToString("N"));

    protected override IHistoryStore CreateStore() => new PostgresHistoryStore(_connectionString, TimeSpan.FromSeconds(30));

    /// <summary>A port nobody listens on (taken and released), with a password that must not show in the error.</summary>
    protected override IHistoryStore CreateUnavailableStore()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new PostgresHistoryStore(new NpgsqlConnectionStringBuilder(_connectionString) { Port = port, Password = Password, Timeout = 5 }.ConnectionString,
            TimeSpan.FromSeconds(5));
    }

    protected override async Task<IReadOnlyDictionary<string, long>> TagIdsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT path, id FROM tags", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new Dictionary<string, long>();
        while (await reader.ReadAsync()) ids[reader.GetString(0)] = reader.GetInt64(1);
        return ids;
    }

    [Fact]
    public async Task The_description_and_errors_never_show_the_password()
    {
        await using var store = CreateUnavailableStore();

        var error = await Assert.ThrowsAsync<HistoryStoreUnavailableException>(() => store.OpenAsync(CancellationToken.None));

        Assert.DoesNotContain(Password, store.Description);
        Assert.DoesNotContain(Password, error.Message);
        Assert.Contains("127.0.0.1", store.Description);
    }
}
