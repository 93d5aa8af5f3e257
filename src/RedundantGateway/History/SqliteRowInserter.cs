using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace RedundantGateway.History;

/// <summary>
/// The samples insert of <see cref="SqliteHistoryStore"/> on SQLite's own API (the connection's handle, inside the
/// transaction Microsoft.Data.Sqlite began): statements prepared once, values bound by position, one step per
/// statement. Microsoft.Data.Sqlite binds every parameter by name on each execution (a lookup that grows with the
/// statement's parameter count, and a reader object per call), which cost most of the time per row at 100,000s of rows
/// a second (docs/benchmarks.md, History store). Errors come out as the same SqliteException.
/// </summary>
internal sealed class SqliteRowInserter : IDisposable
{
    /// <summary>Rows per multi-row statement: fewer steps per batch (9 values a row; SQLite allows 32,766 per statement).</summary>
    public const int RowsPerStatement = 32;

    private const int Columns = 9;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _many;
    private readonly sqlite3_stmt _one;

    public SqliteRowInserter(SqliteConnection connection)
    {
        _db = connection.Handle!;
        _many = Prepare(SqliteHistorySchema.InsertSamples(RowsPerStatement));
        _one = Prepare(SqliteHistorySchema.InsertSamples(1));
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var rc = raw.sqlite3_prepare_v2(_db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
        return statement;
    }

    /// <summary>Inserts the rows (ON CONFLICT DO NOTHING); returns how many were new.</summary>
    public int Insert(IReadOnlyList<(long TagId, SampleColumns Columns)> rows, CancellationToken cancellationToken)
    {
        var written = 0;
        var i = 0;
        for (; i + RowsPerStatement <= rows.Count; i += RowsPerStatement)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var r = 0; r < RowsPerStatement; r++) Bind(_many, r * Columns, rows[i + r]);
            written += Step(_many);
        }
        for (; i < rows.Count; i++)
        {
            Bind(_one, 0, rows[i]);
            written += Step(_one);
        }
        return written;
    }

    private int Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
        return raw.sqlite3_changes(_db);
    }

    private static void Bind(sqlite3_stmt statement, int at, (long TagId, SampleColumns Columns) row)
    {
        var c = row.Columns;
        raw.sqlite3_bind_int64(statement, at + 1, row.TagId);
        raw.sqlite3_bind_int64(statement, at + 2, c.Micros);
        raw.sqlite3_bind_int64(statement, at + 3, (long)c.Type);
        // SQLite stores a NaN bound to a REAL as NULL: the sample_number_finite constraint refuses it like an infinity.
        if (c.Number is { } n && !double.IsNaN(n)) raw.sqlite3_bind_double(statement, at + 4, n); else raw.sqlite3_bind_null(statement, at + 4);
        if (c.Integer is { } l) raw.sqlite3_bind_int64(statement, at + 5, l); else raw.sqlite3_bind_null(statement, at + 5);
        if (c.Text is { } s) raw.sqlite3_bind_text(statement, at + 6, s); else raw.sqlite3_bind_null(statement, at + 6);
        raw.sqlite3_bind_int64(statement, at + 7, c.Quality);
        raw.sqlite3_bind_text(statement, at + 8, c.Node);
        raw.sqlite3_bind_int64(statement, at + 9, c.Epoch);
    }

    public void Dispose()
    {
        _many.Dispose();
        _one.Dispose();
    }
}
