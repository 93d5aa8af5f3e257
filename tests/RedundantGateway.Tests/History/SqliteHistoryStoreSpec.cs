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

    [Xunit.Fact]
    public async Task A_store_that_was_unavailable_writes_once_its_folder_is_there()
    {
        var folder = Path.Combine(_dir, "share");
        await using var store = new SqliteHistoryStore(Path.Combine(folder, "history.db"), TimeSpan.FromSeconds(1));
        var batch = Batch([Sample("p/a", 0, 1.0)]);
        await Xunit.Assert.ThrowsAsync<HistoryStoreUnavailableException>(() => store.WriteAsync(batch, CancellationToken.None));

        Directory.CreateDirectory(folder);

        Xunit.Assert.Equal(1, (await store.WriteAsync(batch, CancellationToken.None)).Written);
    }

    [Xunit.Fact]
    public async Task A_database_that_is_not_sqlite_is_unavailable_and_left_untouched()
    {
        var path = Path.Combine(_dir, "other.db");
        System.IO.File.WriteAllText(path, "not a database, but someone's file\n");
        await using var store = new SqliteHistoryStore(path, TimeSpan.FromSeconds(1));

        var error = await Xunit.Assert.ThrowsAsync<HistoryStoreUnavailableException>(() => store.OpenAsync(CancellationToken.None));

        Xunit.Assert.DoesNotContain('\n', error.Message);
        Xunit.Assert.Equal("not a database, but someone's file\n", System.IO.File.ReadAllText(path));
    }

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
