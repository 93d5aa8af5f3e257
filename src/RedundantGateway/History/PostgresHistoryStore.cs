using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace RedundantGateway.History;

/// <summary>
/// History in a PostgreSQL database both nodes share. A batch is one transaction: the fence raised first (its row stays
/// locked until commit, so the two nodes' batches of one pair queue behind each other), the tags resolved, the samples
/// COPYed in binary into a session's staging table and moved with one INSERT ... SELECT ... ON CONFLICT DO NOTHING (its
/// row count is what was new). One connection, reopened after a failure. The connection string never leaves this class:
/// <see cref="Description"/> names host, port, database and user only.
/// </summary>
public sealed class PostgresHistoryStore : BatchingHistoryStore
{
    private readonly NpgsqlDataSource _dataSource;
    private NpgsqlConnection? _connection;

    public PostgresHistoryStore(string connectionString, TimeSpan commandTimeout)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(commandTimeout.TotalSeconds)),
        };
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override string Description { get; }

    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        try { await ConnectionAsync(cancellationToken); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await ResetAsync();
            throw Unavailable(e);
        }
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null) return _connection;
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        _connection = connection;
        // Two nodes creating the schema at once would race on CREATE TABLE IF NOT EXISTS: one takes a lock first.
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await ExecuteAsync("SELECT pg_advisory_xact_lock(7406551)", cancellationToken);
            await ExecuteAsync(PostgresHistorySchema.Create, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await ExecuteAsync(PostgresHistorySchema.CreateStaging, cancellationToken);
        return connection;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task<IHistoryWriteSession> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        return new Session(connection, await connection.BeginTransactionAsync(cancellationToken));
    }

    /// <summary>Class 22 (data exception) and 23 (integrity constraint violation) are the rows' fault; the rest the database's.</summary>
    protected override string? RowProblem(Exception error) => error is PostgresException pg && (pg.SqlState.StartsWith("22") || pg.SqlState.StartsWith("23"))
        ? HistoryConstraints.Reason(pg.ConstraintName) ?? $"{pg.MessageText} ({pg.SqlState})"
        : null;

    protected override HistoryStoreUnavailableException Unavailable(Exception error) => error switch
    {
        HistoryStoreUnavailableException already => already,
        PostgresException { SqlState: "53100" } => new($"{Description}: disk full", error),
        _ => new($"{Description} unavailable: {FirstLine(error.Message)}", error),
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    protected override async ValueTask ResetAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            try { await connection.DisposeAsync(); }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException) { }   // already broken
        }
        _dataSource.Clear();   // the other pooled sockets may be as dead as this one (the server restarted)
    }

    public override async ValueTask DisposeAsync()
    {
        await ResetAsync();
        await _dataSource.DisposeAsync();
    }

    protected override async Task<long?> FindTagAsync(string path, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(PostgresHistorySchema.FindTag, await ConnectionAsync(cancellationToken));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = path });
        return await command.ExecuteScalarAsync(cancellationToken) is long id ? id : null;
    }

    protected override async Task<long> CountAsync(long tagId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        await using var command = RangeCommand(PostgresHistorySchema.Count, await ConnectionAsync(cancellationToken), tagId, fromMicros, toMicros);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    protected override async IAsyncEnumerable<SampleColumns> ReadAsync(long tagId, long fromMicros, long toMicros,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = RangeCommand(PostgresHistorySchema.Read, await ConnectionAsync(cancellationToken), tagId, fromMicros, toMicros);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new SampleColumns(ToMicros(reader.GetFieldValue<DateTime>(0)), (StoredValueType)reader.GetInt16(1),
                reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt16(5), reader.GetString(6), reader.GetInt64(7));
        }
    }

    private static NpgsqlCommand RangeCommand(string sql, NpgsqlConnection connection, long tagId, long fromMicros, long toMicros)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = tagId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToUtc(Math.Max(fromMicros, MinMicros)) });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ToUtc(toMicros) });
        return command;
    }

    /// <summary>DateTime's own first microsecond (year 1), below which a query bound cannot go.</summary>
    private static readonly long MinMicros = (DateTime.MinValue.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static DateTime ToUtc(long micros) => DateTime.SpecifyKind(DateTime.UnixEpoch.AddTicks(micros * 10), DateTimeKind.Utc);

    private static long ToMicros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>One batch's transaction; rolled back when disposed without a commit.</summary>
    private sealed class Session(NpgsqlConnection connection, NpgsqlTransaction transaction) : IHistoryWriteSession
    {
        private const string Savepoint = "attempt";

        // Staging is emptied by the commit; only a second COPY in one transaction (halving a refused batch) finds rows
        // of the first there (or not, if rolled back to its savepoint: emptying it again is harmless).
        private bool _staged;

        public async Task<long> RaiseFenceAsync(string pair, long epoch, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(PostgresHistorySchema.RaiseFence, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pair });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        public async Task<IReadOnlyDictionary<string, long>> ResolveTagsAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
        {
            var ids = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (var command = new NpgsqlCommand(PostgresHistorySchema.ResolveTags, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = paths.ToArray() });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) ids[reader.GetString(1)] = reader.GetInt64(0);
            }
            // A path another node inserted while this statement ran is in neither half of its answer (its snapshot is
            // older): a new statement sees it.
            foreach (var path in paths.Where(p => !ids.ContainsKey(p)).ToList())
            {
                await using var find = new NpgsqlCommand(PostgresHistorySchema.FindTag, connection, transaction);
                find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = path });
                ids[path] = (long)(await find.ExecuteScalarAsync(cancellationToken))!;
            }
            return ids;
        }

        public async Task<int> InsertAsync(IReadOnlyList<(long TagId, SampleColumns Columns)> rows, CancellationToken cancellationToken)
        {
            if (_staged)
            {
                await using var clear = new NpgsqlCommand(PostgresHistorySchema.ClearStaging, connection, transaction);
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }
            _staged = true;
            await using (var writer = await connection.BeginBinaryImportAsync(PostgresHistorySchema.Copy, cancellationToken))
            {
                foreach (var (tagId, c) in rows)
                {
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(tagId, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(ToUtc(c.Micros), NpgsqlDbType.TimestampTz, cancellationToken);
                    await writer.WriteAsync((short)c.Type, NpgsqlDbType.Smallint, cancellationToken);
                    if (c.Number is { } n) await writer.WriteAsync(n, NpgsqlDbType.Double, cancellationToken); else await writer.WriteNullAsync(cancellationToken);
                    if (c.Integer is { } l) await writer.WriteAsync(l, NpgsqlDbType.Bigint, cancellationToken); else await writer.WriteNullAsync(cancellationToken);
                    if (c.Text is { } s) await writer.WriteAsync(s, NpgsqlDbType.Text, cancellationToken); else await writer.WriteNullAsync(cancellationToken);
                    await writer.WriteAsync(c.Quality, NpgsqlDbType.Smallint, cancellationToken);
                    await writer.WriteAsync(c.Node, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(c.Epoch, NpgsqlDbType.Bigint, cancellationToken);
                }
                await writer.CompleteAsync(cancellationToken);
            }
            await using var move = new NpgsqlCommand(PostgresHistorySchema.Move, connection, transaction);
            return await move.ExecuteNonQueryAsync(cancellationToken);
        }

        public Task SavepointAsync(CancellationToken cancellationToken) => transaction.SaveAsync(Savepoint, cancellationToken);
        public Task RollbackToSavepointAsync(CancellationToken cancellationToken) => transaction.RollbackAsync(Savepoint, cancellationToken);
        public Task ReleaseSavepointAsync(CancellationToken cancellationToken) => transaction.ReleaseAsync(Savepoint, cancellationToken);
        public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            try { await transaction.DisposeAsync(); }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException) { }   // broken connection: nothing to roll back
        }
    }
}
