using System.Globalization;

namespace RedundantGateway.Tags;

/// <summary>
/// The simulator's values: a pure function of the definition and the time, quantised to the scan rate (sample
/// index = floor(unix ms / scan rate)), so both nodes compute the same value for the same definition and time,
/// and a node that takes over continues the same curve. Randomness comes from a stable hash of seed and sample
/// index, never from a shared generator.
/// </summary>
public static class TagSimulator
{
    /// <summary>Steps summed by the random walk: a moving window keeps it bounded and computable from the time alone.</summary>
    public const int RandomWalkWindow = 32;

    public static long SampleIndex(TagDefinition definition, DateTimeOffset time) =>
        Math.DivRem(time.ToUnixTimeMilliseconds(), definition.ScanRateMs, out var remainder) - (remainder < 0 ? 1 : 0);

    /// <summary>The time of a sample: what the value is stamped with (the same on both nodes).</summary>
    public static DateTimeOffset SampleTime(TagDefinition definition, long index) =>
        DateTimeOffset.FromUnixTimeMilliseconds(index * definition.ScanRateMs);

    public static TagReading Read(TagDefinition definition, DateTimeOffset now)
    {
        var index = SampleIndex(definition, now);
        return new TagReading(Convert(definition, Numeric(definition, index)), TagQuality.Good, SampleTime(definition, index));
    }

    /// <summary>The function's value at sample <paramref name="index"/>, before the data type's conversion.</summary>
    public static double Numeric(TagDefinition d, long index)
    {
        var ms = index * d.ScanRateMs;
        var phase = (double)(((ms % d.PeriodMs) + d.PeriodMs) % d.PeriodMs) / d.PeriodMs;
        return d.Function switch
        {
            SimulatorFunction.Ramp => d.Offset + d.Amplitude * phase,
            SimulatorFunction.Sine => d.Offset + d.Amplitude * Math.Sin(2 * Math.PI * phase),
            SimulatorFunction.Square => d.Offset + (phase < 0.5 ? d.Amplitude : -d.Amplitude),
            SimulatorFunction.Counter => d.Offset + Counter(d, index),
            SimulatorFunction.RandomWalk => d.Offset + RandomWalk(d, index),
            _ => throw new ArgumentOutOfRangeException(nameof(d), d.Function, null),
        };
    }

    // Counts rate per sample, wrapping at the amplitude (when positive) so it stays readable.
    private static double Counter(TagDefinition d, long index)
    {
        var count = index * d.Rate;
        if (d.Amplitude <= 0) return count;
        var wrapped = count % d.Amplitude;
        return wrapped < 0 ? wrapped + d.Amplitude : wrapped;
    }

    // The sum of the last RandomWalkWindow steps, each uniform in [-rate, rate]: consecutive samples differ by
    // one step in and one out, like a walk, yet any sample is computed without its history.
    private static double RandomWalk(TagDefinition d, long index)
    {
        var sum = 0.0;
        for (var k = index - RandomWalkWindow + 1; k <= index; k++) sum += (2 * Uniform(d.Seed, k) - 1) * d.Rate;
        return sum;
    }

    /// <summary>A uniform number in [0, 1) from (seed, index): SplitMix64, stable across processes and runtimes.</summary>
    public static double Uniform(long seed, long index)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>The value in the definition's data type: a double, long, bool (above the offset) or string.</summary>
    public static object Convert(TagDefinition d, double value) => d.DataType switch
    {
        TagDataType.Float => value,
        TagDataType.Int => (long)Math.Round(value, MidpointRounding.AwayFromZero),
        TagDataType.Bool => value > d.Offset,
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
