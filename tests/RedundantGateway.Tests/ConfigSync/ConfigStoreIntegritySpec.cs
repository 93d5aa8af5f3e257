using Microsoft.Data.Sqlite;
using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>Issue 10, item 2: a config store that fails SQLite's integrity check is reported as damaged, with the reason, before the node starts on it.</summary>
public sealed class ConfigStoreIntegritySpec : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "rg-integrity-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly ConfigStoreSettings Sqlite = new(ConfigStoreProvider.Sqlite, "", 500);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    /// <summary>A journal-like file of a few dozen pages, closed (its write-ahead log checkpointed into it).</summary>
    private string WriteStore()
    {
        ConfigStorePersistence.Prepare(Sqlite, _dataDir);
        var file = ConfigStorePersistence.DefaultSqliteFile(_dataDir);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE journal (ordering INTEGER PRIMARY KEY, payload TEXT NOT NULL); CREATE INDEX payload_index ON journal (payload);";
            command.ExecuteNonQuery();
            for (var i = 0; i < 400; i++)
            {
                command.CommandText = $"INSERT INTO journal (payload) VALUES ('{new string((char)('a' + i % 26), 300)}{i}')";
                command.ExecuteNonQuery();
            }
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        return file;
    }

    [Fact]
    public void A_sound_store_is_prepared_without_complaint()
    {
        WriteStore();
        ConfigStorePersistence.Prepare(Sqlite, _dataDir);
    }

    [Fact]
    public void A_store_with_a_damaged_page_is_reported_as_damaged_with_the_reason()
    {
        var file = WriteStore();
        var length = new FileInfo(file).Length;
        Assert.True(length > 10 * 4096, $"the store file is {length} bytes, expected several pages");
        // Garbage over a page in the middle: the header (page 1) is intact, so the file still opens.
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            stream.Position = length / 4096 / 2 * 4096;
            stream.Write(Enumerable.Repeat((byte)0x5A, 4096).ToArray());
        }

        var error = Assert.ThrowsAny<InvalidOperationException>(() => ConfigStorePersistence.Prepare(Sqlite, _dataDir));
        Assert.Contains($"the config store {file} is damaged: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Same(error, ConfigStoreDamagedException.Find(new AggregateException(new InvalidOperationException("start failed", error))));
    }
}
