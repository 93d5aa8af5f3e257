using RedundantGateway.Tags;

namespace RedundantGateway.History;

/// <summary>What a value is stored as: which of the value columns holds it.</summary>
public enum StoredValueType : short
{
    None = 0,
    Double = 1,
    Long = 2,
    Bool = 3,
    String = 4,
    /// <summary>A CLR type history does not know: the database refuses the row (constraint sample_value_type_known).</summary>
    Unsupported = 99,
}

/// <summary>
/// One sample as the database columns hold it. The timestamp is kept to the microsecond (both databases' resolution),
/// as microseconds since 1970-01-01 UTC; the value in the column of its type (a number, a whole number or bool, a text).
/// </summary>
public readonly record struct SampleColumns(
    long Micros, StoredValueType Type, double? Number, long? Integer, string? Text, short Quality, string Node, long Epoch)
{
    private const long TicksPerMicro = 10;

    public static SampleColumns From(HistorySample sample)
    {
        var (type, number, integer, text) = sample.Value switch
        {
            null => (StoredValueType.None, (double?)null, (long?)null, (string?)null),
            double d => (StoredValueType.Double, d, null, null),
            float f => (StoredValueType.Double, f, null, null),
            long l => (StoredValueType.Long, null, l, null),
            int i => (StoredValueType.Long, null, i, null),
            bool b => (StoredValueType.Bool, null, b ? 1L : 0L, null),
            string s => (StoredValueType.String, null, null, s),
            _ => (StoredValueType.Unsupported, null, null, null),
        };
        return new SampleColumns(ToMicros(sample.Timestamp), type, number, integer, text, (short)sample.Quality, sample.Node, sample.Epoch);
    }

    public HistorySample ToSample(string tag)
    {
        object? value = Type switch
        {
            StoredValueType.Double => Number,
            StoredValueType.Long => Integer,
            StoredValueType.Bool => Integer != 0,
            StoredValueType.String => Text,
            _ => null,
        };
        return new HistorySample(tag, FromMicros(Micros), value, (TagQuality)Quality, Node, Epoch);
    }

    /// <summary>The number a chart plots (min/max buckets): a double, a whole number, a bool as 0/1; null otherwise.</summary>
    public double? Plotted => Type switch
    {
        StoredValueType.Double => Number,
        StoredValueType.Long or StoredValueType.Bool => Integer,
        _ => null,
    };

    /// <summary>Microseconds since the Unix epoch, rounded down (a time before 1970 stays negative, and is refused).</summary>
    public static long ToMicros(DateTimeOffset time) => Math.DivRem(time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, TicksPerMicro) switch
    {
        var (quotient, remainder) when remainder < 0 => quotient - 1,
        var (quotient, _) => quotient,
    };

    public static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * TicksPerMicro);
}
