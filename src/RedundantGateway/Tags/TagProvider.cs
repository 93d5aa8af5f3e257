namespace RedundantGateway.Tags;

/// <summary>One read of one tag: the value (null when there is none), its quality, the source's time, why not good.</summary>
public sealed record TagReading(object? Value, TagQuality Quality, DateTimeOffset Timestamp, string? Reason = null);

/// <summary>
/// A source of tag values a host can implement (a device driver, a database...). The tag engine starts it when the
/// node runs tags (warm or active), stops it when it stops (cold, undecided, the engine's end), and reads each of
/// its tags on the tag's scan rate from the engine's actor: <see cref="Read"/> must not block (a device provider
/// keeps its own cache, filled by its own loop). A provider may be started and stopped many times.
/// </summary>
public interface ITagProvider
{
    /// <summary>The name definitions use in <c>"provider"</c>.</summary>
    string Name { get; }

    void Start();

    void Stop();

    TagReading Read(TagDefinition definition, DateTimeOffset now);
}

/// <summary>The shipped provider: <see cref="TagSimulator"/>'s deterministic functions.</summary>
public sealed class SimulatorTagProvider : ITagProvider
{
    public string Name => TagDefinition.SimulatorProvider;

    public void Start() { }

    public void Stop() { }

    public TagReading Read(TagDefinition definition, DateTimeOffset now) => TagSimulator.Read(definition, now);
}

/// <summary>When a new reading is a change worth publishing (the definition's deadband).</summary>
public static class TagDeadband
{
    /// <summary>
    /// A change: the first value, a change of quality, a number that moved more than the deadband from the last
    /// published one, any other value that differs.
    /// </summary>
    public static bool IsChange(TagValue? lastPublished, object? value, TagQuality quality, double deadband)
    {
        if (lastPublished is null || lastPublished.Quality != quality) return true;
        if (AsNumber(lastPublished.Value) is { } last && AsNumber(value) is { } next) return Math.Abs(next - last) > deadband;
        return !Equals(lastPublished.Value, value);
    }

    private static double? AsNumber(object? value) => value switch
    {
        double d => d,
        long l => l,
        int i => i,
        float f => f,
        _ => null,
    };
}
