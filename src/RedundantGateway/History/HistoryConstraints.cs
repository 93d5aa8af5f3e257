namespace RedundantGateway.History;

/// <summary>
/// The rules both history databases enforce on a sample row, by constraint name, so a bad row is the database's own
/// refusal (never a silent fix-up), and the reason the quarantine shows. The schemas of SqliteHistoryStore and
/// PostgresHistoryStore declare them under these names.
/// </summary>
public static class HistoryConstraints
{
    /// <summary>Longest text value kept (characters); longer is refused, not truncated.</summary>
    public const int MaxTextLength = 4000;

    /// <summary>Longest tag path (characters).</summary>
    public const int MaxTagPathLength = 1024;

    /// <summary>Longest writing node's name (characters).</summary>
    public const int MaxNodeLength = 64;

    /// <summary>The last microsecond a sample may carry: 9999-12-31T23:59:59.999999Z; the first is 1970-01-01T00:00:00Z.</summary>
    public const long MaxMicros = 253_402_300_799_999_999;

    private static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>
    {
        ["sample_time_in_range"] = "timestamp outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999999Z",
        ["sample_number_finite"] = "value is not a finite number (NaN or infinity)",
        ["sample_text_length"] = $"text value longer than {MaxTextLength} characters",
        ["sample_value_type_known"] = "value of an unsupported type (history keeps double, long, bool or string)",
        ["sample_value_matches_type"] = "value columns do not match the value's type",
        ["sample_quality_known"] = "unknown quality",
        ["sample_node_length"] = $"writing node's name empty or longer than {MaxNodeLength} characters",
        ["sample_epoch_not_negative"] = "negative epoch",
        ["tag_path_length"] = $"tag path empty or longer than {MaxTagPathLength} characters",
    };

    /// <summary>The reason for a refusal by <paramref name="constraint"/>, or null when it is not one of ours.</summary>
    public static string? Reason(string? constraint) =>
        constraint is not null && Reasons.TryGetValue(constraint, out var reason) ? $"{reason} ({constraint})" : null;

    /// <summary>The reason for a refusal whose message names one of our constraints (SQLite names it in the text only).</summary>
    public static string? ReasonInMessage(string message) =>
        Reasons.Keys.FirstOrDefault(name => message.Contains(name, StringComparison.Ordinal)) is { } found ? Reason(found) : null;
}
