using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace RedundantGateway.History;

/// <summary>
/// History in a SQLite file both nodes of a local pair share: WAL mode (a reader never blocks the writer),
/// synchronous=NORMAL (with WAL a commit survives a crash of the process; only a power cut can lose the last ones,
/// and the cache upstream still holds them until written), a busy timeout so the two nodes take turns on the write
/// lock, prepared statements, one IMMEDIATE transaction per batch (the fence is read and raised under the write lock).
/// The folder must exist: a missing one is a share that is not mounted, and a fresh file there would split the pair's
/// history, so it is reported unavailable instead of created.
/// </summary>
public sealed class SqliteHistoryStore(string path, TimeSpan busyTimeout) : BatchingHistoryStore
{
    /// <summary>Rows per multi-row INSERT: fewer calls into SQLite per batch (9 parameters a row).</summary>
    internal const int RowsPerStatement = 8;

    private const int SqliteConstraint = 19, SqliteTooBig = 18, SqliteMismatch = 20, SqliteFull = 13;

    private readonly string _path = Path.GetFullPath(path);
    private SqliteConnection? _connection;
    private SqliteCommand? _fence, _insertTag, _findTag, _read, _count;
    private SqliteRowInserter? _inserter;
    private SqliteCommand? _savepoint, _rollbackTo, _release;

    public override string Description => $"SQLite {_path}";

    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        try { await ConnectionAsync(cancellationToken); }
        catch (Exception e) when (e is not OperationCanceledException and not HistoryStoreUnavailableException)
        {
            await ResetAsync();
            throw Unavailable(e);
        }
    }

    private async Task<SqliteConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(_path)!;
        if (_connection is not null)
        {
            // An open connection keeps writing to a file whose folder was unmounted or moved away, where neither node
            // nor a query would find it: the file gone from its path is an outage (the batch stays cached and retried).
            if (File.Exists(_path)) return _connection;
            await ResetAsync();
            throw new HistoryStoreUnavailableException($"{Description}: the file is no longer at its path (folder {folder} unmounted or moved?)");
        }
        if (!Directory.Exists(folder))
            throw new HistoryStoreUnavailableException($"{Description}: folder {folder} does not exist (a shared folder not mounted?)");
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,   // a reset really closes the file, so a fixed disk or permission is seen on the next try
            DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        }.ToString());
        _connection = connection;
        await connection.OpenAsync(cancellationToken);
        Execute($"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}");
        Execute("PRAGMA journal_mode = WAL");
        Execute("PRAGMA synchronous = NORMAL");
        Execute("PRAGMA cache_size = -65536");   // 64 MiB: a batch of many tags touches a leaf page per tag
        using (var transaction = connection.BeginTransaction())
        {
            Execute(SqliteHistorySchema.Create, transaction);
            transaction.Commit();
        }
        _fence = Prepare(SqliteHistorySchema.RaiseFence, "$pair", "$epoch");
        _insertTag = Prepare(SqliteHistorySchema.InsertTag, "$path");
        _findTag = Prepare(SqliteHistorySchema.FindTag, "$path");
        _inserter = new SqliteRowInserter(connection);
        _read = Prepare(SqliteHistorySchema.Read, "$id", "$from", "$to");
        _count = Prepare(SqliteHistorySchema.Count, "$id", "$from", "$to");
        _savepoint = Prepare("SAVEPOINT attempt");
        _rollbackTo = Prepare("ROLLBACK TO attempt");
        _release = Prepare("RELEASE attempt");
        return connection;
    }

    private void Execute(string sql, SqliteTransaction? transaction = null)
    {
        using var command = new SqliteCommand(sql, _connection, transaction);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = new SqliteCommand(sql, _connection);
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        command.Prepare();
        return command;
    }

    protected override async Task<IHistoryWriteSession> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        return new Session(this, connection.BeginTransaction());   // IMMEDIATE: the write lock first, then the fence
    }

    protected override string? RowProblem(Exception error) => error is SqliteException { SqliteErrorCode: SqliteConstraint or SqliteTooBig or SqliteMismatch } e
        ? HistoryConstraints.ReasonInMessage(e.Message) ?? FirstLine(e.Message)
        : null;

    protected override HistoryStoreUnavailableException Unavailable(Exception error) => error switch
    {
        HistoryStoreUnavailableException already => already,
        SqliteException { SqliteErrorCode: SqliteFull } => new($"{Description}: disk full", error),
        IOException io when (io.HResult & 0xFFFF) == 28 => new($"{Description}: disk full", error),
        _ => new($"{Description} cannot be written: {FirstLine(error.Message)}", error),
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    protected override ValueTask ResetAsync()
    {
        foreach (var command in new[] { _fence, _insertTag, _findTag, _read, _count, _savepoint, _rollbackTo, _release })
            command?.Dispose();
        _inserter?.Dispose();
        _inserter = null;
        _connection?.Dispose();
        _connection = null;
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync() => ResetAsync();

    protected override async Task<long?> FindTagAsync(string tagPath, CancellationToken cancellationToken)
    {
        await ConnectionAsync(cancellationToken);
        _findTag!.Transaction = null;
        _findTag.Parameters[0].Value = tagPath;
        return _findTag.ExecuteScalar() is long id ? id : null;
    }

    protected override async Task<long> CountAsync(long tagId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        await ConnectionAsync(cancellationToken);
        SetRange(_count!, tagId, fromMicros, toMicros);
        return (long)_count!.ExecuteScalar()!;
    }

    protected override async IAsyncEnumerable<SampleColumns> ReadAsync(long tagId, long fromMicros, long toMicros,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await ConnectionAsync(cancellationToken);
        SetRange(_read!, tagId, fromMicros, toMicros);
        using var reader = _read!.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new SampleColumns(reader.GetInt64(0), (StoredValueType)reader.GetInt16(1),
                reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt16(5), reader.GetString(6), reader.GetInt64(7));
        }
    }

    private static void SetRange(SqliteCommand command, long tagId, long fromMicros, long toMicros)
    {
        command.Transaction = null;
        command.Parameters[0].Value = tagId;
        command.Parameters[1].Value = fromMicros;
        command.Parameters[2].Value = toMicros;
    }

    /// <summary>One batch's transaction; rolled back when disposed without a commit.</summary>
    private sealed class Session(SqliteHistoryStore store, SqliteTransaction transaction) : IHistoryWriteSession
    {
        private SqliteCommand Use(SqliteCommand? command)
        {
            command!.Transaction = transaction;
            return command;
        }

        public Task<long> RaiseFenceAsync(string pair, long epoch, CancellationToken cancellationToken)
        {
            var fence = Use(store._fence);
            fence.Parameters[0].Value = pair;
            fence.Parameters[1].Value = epoch;
            return Task.FromResult((long)fence.ExecuteScalar()!);
        }

        public Task<IReadOnlyDictionary<string, long>> ResolveTagsAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
        {
            var (insert, find) = (Use(store._insertTag), Use(store._findTag));
            var ids = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var tagPath in paths)
            {
                insert.Parameters[0].Value = tagPath;
                insert.ExecuteNonQuery();
                find.Parameters[0].Value = tagPath;
                ids[tagPath] = (long)find.ExecuteScalar()!;
            }
            return Task.FromResult<IReadOnlyDictionary<string, long>>(ids);
        }

        public Task<int> InsertAsync(IReadOnlyList<(long TagId, SampleColumns Columns)> rows, CancellationToken cancellationToken) =>
            Task.FromResult(store._inserter!.Insert(rows, cancellationToken));

        public Task SavepointAsync(CancellationToken cancellationToken) => Run(store._savepoint);
        public Task RollbackToSavepointAsync(CancellationToken cancellationToken) => Run(store._rollbackTo);
        public Task ReleaseSavepointAsync(CancellationToken cancellationToken) => Run(store._release);

        private Task Run(SqliteCommand? command)
        {
            Use(command).ExecuteNonQuery();
            return Task.CompletedTask;
        }

        public Task CommitAsync(CancellationToken cancellationToken)
        {
            transaction.Commit();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            transaction.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
