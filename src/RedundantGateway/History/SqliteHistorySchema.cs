namespace RedundantGateway.History;

/// <summary>
/// The SQLite history schema. Times are whole microseconds since 1970-01-01 UTC; samples are keyed (tag_id, t) in a
/// WITHOUT ROWID table (the key is the row's place: no second index to maintain). STRICT types, and the named CHECK
/// constraints of <see cref="HistoryConstraints"/>: a bad row is the database's refusal. SQLite stores a NaN bound
/// to a REAL as NULL, so "finite" is checked as "not null and within the double range" for a double value.
/// </summary>
internal static class SqliteHistorySchema
{
    public static readonly string Create = $"""
        CREATE TABLE IF NOT EXISTS tags (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            CONSTRAINT tag_path_length CHECK (length(path) BETWEEN 1 AND {HistoryConstraints.MaxTagPathLength})
        ) STRICT;
        CREATE TABLE IF NOT EXISTS samples (
            tag_id INTEGER NOT NULL,
            t INTEGER NOT NULL,
            value_type INTEGER NOT NULL,
            num_value REAL,
            int_value INTEGER,
            text_value TEXT,
            quality INTEGER NOT NULL,
            node TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            PRIMARY KEY (tag_id, t),
            CONSTRAINT sample_time_in_range CHECK (t BETWEEN 0 AND {HistoryConstraints.MaxMicros}),
            CONSTRAINT sample_value_type_known CHECK (value_type BETWEEN 0 AND 4),
            CONSTRAINT sample_number_finite CHECK (value_type <> 1 OR (num_value IS NOT NULL AND abs(num_value) <= 1.7976931348623157e308)),
            CONSTRAINT sample_text_length CHECK (text_value IS NULL OR length(text_value) <= {HistoryConstraints.MaxTextLength}),
            CONSTRAINT sample_value_matches_type CHECK ((value_type = 1 OR num_value IS NULL)
                AND ((value_type IN (2, 3)) = (int_value IS NOT NULL)) AND ((value_type = 4) = (text_value IS NOT NULL))),
            CONSTRAINT sample_quality_known CHECK (quality BETWEEN 0 AND 2),
            CONSTRAINT sample_node_length CHECK (length(node) BETWEEN 1 AND {HistoryConstraints.MaxNodeLength}),
            CONSTRAINT sample_epoch_not_negative CHECK (epoch >= 0)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS fence (
            pair TEXT PRIMARY KEY,
            epoch INTEGER NOT NULL
        ) STRICT;
        """;

    public const string RaiseFence = """
        INSERT INTO fence (pair, epoch) VALUES ($pair, $epoch)
        ON CONFLICT (pair) DO UPDATE SET epoch = max(fence.epoch, excluded.epoch)
        RETURNING epoch
        """;

    public const string InsertTag = "INSERT INTO tags (path) VALUES ($path) ON CONFLICT (path) DO NOTHING";

    public const string FindTag = "SELECT id FROM tags WHERE path = $path";

    public const string SampleColumns = "tag_id, t, value_type, num_value, int_value, text_value, quality, node, epoch";

    /// <summary>An insert of <paramref name="rows"/> rows in one statement (positional parameters, 9 a row).</summary>
    public static string InsertSamples(int rows) =>
        $"INSERT INTO samples ({SampleColumns}) VALUES " +
        string.Join(", ", Enumerable.Range(0, rows).Select(_ => "(?, ?, ?, ?, ?, ?, ?, ?, ?)")) +
        " ON CONFLICT (tag_id, t) DO NOTHING";

    public const string Read =
        "SELECT t, value_type, num_value, int_value, text_value, quality, node, epoch FROM samples WHERE tag_id = $id AND t BETWEEN $from AND $to ORDER BY t";

    public const string Count = "SELECT count(*) FROM samples WHERE tag_id = $id AND t BETWEEN $from AND $to";
}
