using Microsoft.Data.Sqlite;
using RedundantGateway.History;

namespace RedundantGateway.Tests.History;

/// <summary>The history store contract on a SQLite file in a folder of the test's own.</summary>
public sealed class SqliteHistoryStoreSpec : HistoryStoreSpec
{
    private readonly string _dir = TestSupport.TempDir();
    private string File => Path.Combine(_dir, "history.db");

    protected override Task CreateDatabaseAsync() => Task.CompletedTask;

    protected override IHistoryStore CreateStore() => new SqliteHistoryStore(File, TimeSpan.FromSeconds(5));

    // The tests run as root, so a folder's permissions cannot make it read-only: a folder that does not exist is the
    // case (a share not mounted), and so is a "folder" that is a file.
    protected override IHistoryStore CreateUnavailableStore() => new SqliteHistoryStore(Path.Combine(_dir, "not-mounted", "history.db"), TimeSpan.FromSeconds(1));

    protected override async Task<IReadOnlyDictionary<string, long>> TagIdsAsync()
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = File, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = new SqliteCommand("SELECT path, id FROM tags", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new Dictionary<string, long>();
        while (await reader.ReadAsync()) ids[reader.GetString(0)] = reader.GetInt64(1);
        return ids;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        TestSupport.DeleteQuietly(_dir);
    }
}
