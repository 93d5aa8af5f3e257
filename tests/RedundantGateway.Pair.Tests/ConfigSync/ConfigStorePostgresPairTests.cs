using Npgsql;
using RedundantGateway.Pair.Tests.PairHarness;
using RedundantGateway.Tests;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 4, the config store on PostgreSQL (not only SQLite) with real node processes: a private PostgreSQL 15
/// server for the class (<see cref="PostgresServer"/>), the master and the backup each on a database of their own.
/// </summary>
public sealed class ConfigStorePostgresPairTests(ITestOutputHelper output, PostgresServer postgres)
    : ConfigReplicationTestBase(output), IClassFixture<PostgresServer>
{
    /// <summary>The config store's persistence id (ConfigStore.Id): the rows of the journal to look for.</summary>
    private const string PersistenceId = "redundant-gateway-config";

    /// <summary>
    /// Issue 4: a pair whose config stores are PostgreSQL databases forms and replicates 30 edits; the master
    /// killed with -9 and started again on its database recovers the same identity, revision, digest and resources,
    /// and its next edit reaches the backup incrementally (no full transfer). The data is in PostgreSQL: the
    /// journal tables hold the store's events, and no SQLite file is created under either data dir.
    /// </summary>
    [Fact]
    public Task A_pair_on_PostgreSQL_replicates_edits_and_the_master_recovers_from_its_database_after_kill_9() => Scenario(async () =>
    {
        var masterDb = await postgres.CreateDatabaseAsync($"pair_master_{Guid.NewGuid():N}"[..24]);
        var backupDb = await postgres.CreateDatabaseAsync($"pair_backup_{Guid.NewGuid():N}"[..24]);
        Log($"PostgreSQL on port {postgres.Port} (started in {postgres.StartupTime.TotalMilliseconds:0} ms); master: {masterDb}; backup: {backupDb}");

        var (masterSpec, backupSpec) = PairSpecs();
        // A short long poll: the backup's first pull answered by the restarted master comes back within 1 s, not 5.
        masterSpec = masterSpec with { Extra = PostgresStore(masterDb) + "\nconfig-sync.long-poll-timeout = 1s" };
        backupSpec = backupSpec with { Extra = PostgresStore(backupDb) + "\nconfig-sync.long-poll-timeout = 1s" };
        var master = Start(masterSpec);
        var backup = Start(backupSpec);
        await UntilInSyncAsync(master, backup, "the pair on PostgreSQL in sync", StartupTimeout);

        const int edits = 30;
        for (var i = 1; i <= edits; i++)
        {
            if (i % 10 == 0) await DeleteAsync(master, $"pg/r{i - 5}");
            else await PutAsync(master, $"pg/r{i}", $$"""{"i":{{i}},"text":"value {{i}}","on":{{(i % 2 == 0 ? "true" : "false")}}}""");
        }
        var (before, backupBefore) = await UntilInSyncAsync(master, backup, $"the {edits} edits on the backup");
        AssertSameConfig(before.Config, backupBefore.Config, $"the backup after {edits} edits");
        Assert.Equal(edits, before.Config.Revision);
        Assert.Equal(edits - 2 * (edits / 10), before.Config.Count);   // every 10th edit is a delete, not a put
        var fullBefore = (await EventsOfKindAsync(backup, "config-full-transfer")).Count;
        var masterRowsBefore = await JournalRowsAsync(masterDb);
        var backupRowsBefore = await JournalRowsAsync(backupDb);
        Log($"before the crash: master {before.Config.Summary}; backup {backupBefore.Sync}; full-transfer events {fullBefore}; " +
            $"journal rows for {PersistenceId}: master {masterRowsBefore}, backup {backupRowsBefore}");
        Assert.True(masterRowsBefore >= edits, $"the master's journal in PostgreSQL holds {masterRowsBefore} rows for {PersistenceId}, expected at least one per edit ({edits})");
        Assert.True(backupRowsBefore > 0, $"the backup's journal in PostgreSQL holds no rows for {PersistenceId}");

        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        await UntilStatusAsync(backup, s => s.IsActive, "the backup active after kill -9 of the master");
        AssertNoSqliteStore(masterSpec);
        var restartedAt = DateTimeOffset.UtcNow;
        var restarted = Start(masterSpec);

        ConfigView? recovered = null;
        await WaitUntilAsync(async () => (recovered = await ConfigHttp.GetConfigAsync(restarted)) is not null,
            "the restarted master serving /api/config", StartupTimeout);
        Log($"restarted master recovered {recovered!.Summary}");
        AssertSameConfig(before.Config, recovered, "the master after kill -9 and a restart on the same database");

        await UntilBackupPullsFromRestartedMasterAsync(restarted, backup, restartedAt);

        const string path = "pg/after-restart";
        const string value = """{"after":"restart","n":31}""";
        Assert.Equal(edits + 1, await PutAsync(restarted, path, value));
        var (after, backupAfter) = await UntilInSyncAsync(restarted, backup, "the edit after the master's restart on the backup");
        AssertSameConfig(after.Config, backupAfter.Config, "the backup after the edit made on the restarted master");
        Assert.Equal(before.Config.Identity, backupAfter.Config.Identity);
        Assert.Equal(edits + 1, backupAfter.Config.Revision);
        Assert.Equal(value, backupAfter.Config.Resources[path]);
        var full = await EventsOfKindAsync(backup, "config-full-transfer");
        Assert.True(full.Count == fullBefore, $"the backup was sent a full transfer after the master's restart: {string.Join("; ", full.Skip(fullBefore))}");
        AssertTransfers(backupBefore.Sync, backupAfter.Sync, added: 0, "the backup after the master's restart and one more edit");
        var applied = await GetChangesOrFailAsync(backup, after: edits);
        Assert.Contains(applied, c => c.Revision == edits + 1 && c.Path == path && c.Operation == "put");

        // Where the data is: PostgreSQL's journal tables, not a SQLite file under the data dirs.
        var tables = await TablesWithPersistenceIdAsync(masterDb);
        Log($"tables of the master's database with a persistence_id column: {string.Join(", ", tables)}");
        Assert.Contains("journal", tables);
        Assert.Contains("snapshot", tables);
        var masterRowsAfter = await JournalRowsAsync(masterDb);
        var backupRowsAfter = await JournalRowsAsync(backupDb);
        Log($"journal rows for {PersistenceId}: master {masterRowsBefore} -> {masterRowsAfter}, backup {backupRowsBefore} -> {backupRowsAfter}");
        Assert.True(masterRowsAfter == masterRowsBefore + 1,
            $"the master's journal in PostgreSQL went from {masterRowsBefore} to {masterRowsAfter} rows for one edit after its restart");
        Assert.True(backupRowsAfter > backupRowsBefore,
            $"the backup's journal in PostgreSQL did not grow ({backupRowsBefore} -> {backupRowsAfter}) when it applied the edit");
        AssertNoSqliteStore(masterSpec);
        AssertNoSqliteStore(backupSpec);
    });

    /// <summary>The config-store settings for a PostgreSQL database (a HOCON string: quoted).</summary>
    private static string PostgresStore(string connectionString)
    {
        Assert.DoesNotContain('"', connectionString);
        Assert.DoesNotContain('\\', connectionString);
        return $"config-store {{ provider = postgresql, connection-string = \"{connectionString}\" }}";
    }

    /// <summary>No SQLite file (config.db, config-snapshots.db, their -wal/-shm) under the node's data-dir/config-store.</summary>
    private static void AssertNoSqliteStore(NodeSpec spec)
    {
        var folder = Path.Combine(spec.DataDir, "config-store");
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : [];
        Assert.True(files.Length == 0, $"{spec.Name} on PostgreSQL created files under {folder}: {string.Join(", ", files)}");
    }

    /// <summary>The rows of the config store's events in the journal table (Akka.Persistence.Sql's default: public.journal).</summary>
    private static async Task<long> JournalRowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM public.journal WHERE persistence_id = @id", connection);
        command.Parameters.AddWithValue("id", PersistenceId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>The tables of schema public that have a persistence_id column (Akka.Persistence.Sql's).</summary>
    private static async Task<IReadOnlyList<string>> TablesWithPersistenceIdAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'persistence_id' ORDER BY table_name",
            connection);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        return tables;
    }
}
