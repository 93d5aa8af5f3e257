using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.Tags;

/// <summary>Tag definitions, the simulator's functions and determinism, and the deadband: pure logic, no actors.</summary>
public sealed class TagDefinitionSpec
{
    private static TagDefinition Parse(string json, string path = "projects/p/tags/t1")
    {
        Assert.True(TagDefinition.TryParse(path, json, out var definition, out var error), error);
        return definition!;
    }

    [Theory]
    [InlineData("tags/a", """{"provider":"simulator"}""", true)]
    [InlineData("projects/p/tags/a/b", """{"provider":"simulator","function":"ramp"}""", true)]
    [InlineData("projects/p/tags/a", """{"value":1}""", false)]
    [InlineData("projects/p/tags/a", "42", false)]
    [InlineData("projects/p/tags/a", "\"provider\"", false)]
    [InlineData("projects/p/alarms/a", """{"provider":"simulator"}""", false)]
    [InlineData("projects/ptags/a", """{"provider":"simulator"}""", false)]
    public void A_tag_definition_is_an_object_with_a_provider_under_a_tags_segment(string path, string json, bool expected) =>
        Assert.Equal(expected, TagDefinition.IsTagDefinition(path, json));

    [Fact]
    public void Defaults_fill_the_simulator_fields()
    {
        var d = Parse("""{"provider":"simulator","function":"randomWalk","units":"degC"}""");
        Assert.Equal(SimulatorFunction.RandomWalk, d.Function);
        Assert.Equal(TagDataType.Float, d.DataType);
        Assert.Equal(1000, d.ScanRateMs);
        Assert.Equal(0.0, d.Deadband);
        Assert.Equal(100.0, d.Amplitude);
        Assert.Equal(60_000, d.PeriodMs);
        Assert.Equal(1, d.Seed);
        Assert.Equal("degC", d.Units);
    }

    [Theory]
    [InlineData("""{"provider":"modbus","address":"40001"}""", "unknown provider 'modbus'")]
    [InlineData("""{"provider":"simulator","function":"triangle"}""", "unknown function 'triangle'")]
    [InlineData("""{"provider":"simulator","dataType":"decimal"}""", "unknown dataType 'decimal'")]
    [InlineData("""{"provider":"simulator","scanRateMs":10}""", "\"scanRateMs\" 10")]
    [InlineData("""{"provider":"simulator","scanRateMs":"fast"}""", "\"scanRateMs\" must be a number")]
    [InlineData("""{"provider":"simulator","deadband":-1}""", "\"deadband\" -1 must not be negative")]
    [InlineData("""{"provider":"simulator","periodMs":0}""", "\"periodMs\" 0")]
    [InlineData("""{"provider":7}""", "\"provider\" must be a string")]
    public void A_malformed_definition_is_refused_in_one_line_naming_the_tag(string json, string expected)
    {
        Assert.False(TagDefinition.TryParse("projects/p/tags/bad", json, out var definition, out var error));
        Assert.Null(definition);
        Assert.StartsWith("tag projects/p/tags/bad: ", error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void A_host_provider_is_known_when_the_host_gives_it_and_needs_an_address()
    {
        var known = new HashSet<string> { "simulator", "plc" };
        Assert.True(TagDefinition.TryParse("tags/x", """{"provider":"plc","address":"DB1.W2"}""", known, out var d, out _));
        Assert.Equal("DB1.W2", d!.Address);
        Assert.False(TagDefinition.TryParse("tags/x", """{"provider":"plc"}""", known, out _, out var error));
        Assert.Contains("needs an \"address\"", error);
    }

    [Fact]
    public void The_simulator_gives_the_same_values_for_the_same_definition_and_time()
    {
        var start = DateTimeOffset.Parse("2026-12-02T05:00:00.123Z");
        foreach (var function in new[] { "ramp", "sine", "square", "randomWalk", "counter" })
        {
            var json = $$"""{"provider":"simulator","function":"{{function}}","scanRateMs":250,"seed":7,"periodMs":5000}""";
            // Two parses (two nodes) of the same text, read at the same instants and within one scan period.
            var a = Parse(json);
            var b = Parse(json);
            for (var i = 0; i < 50; i++)
            {
                var t = start.AddMilliseconds(i * 97);
                Assert.Equal(TagSimulator.Read(a, t), TagSimulator.Read(b, t.AddMilliseconds(249 - t.ToUnixTimeMilliseconds() % 250)));
            }
        }
    }

    [Fact]
    public void The_random_walk_depends_on_the_seed()
    {
        var t = DateTimeOffset.Parse("2026-12-02T05:00:00Z");
        var values = Enumerable.Range(1, 5)
            .Select(seed => TagSimulator.Read(Parse($$"""{"provider":"simulator","function":"randomWalk","seed":{{seed}}}"""), t).Value)
            .ToHashSet();
        Assert.Equal(5, values.Count);
    }

    [Fact]
    public void Each_function_has_its_shape()
    {
        TagDefinition F(string function, string extra = "") =>
            Parse($$"""{"provider":"simulator","function":"{{function}}","scanRateMs":100,"periodMs":1000,"amplitude":10,"offset":2{{extra}}}""");
        double At(TagDefinition d, long index) => TagSimulator.Numeric(d, index);

        var ramp = F("ramp");
        Assert.Equal(2.0, At(ramp, 0), 9);
        Assert.Equal(7.0, At(ramp, 5), 9);
        Assert.Equal(2.0, At(ramp, 10), 9); // wraps each period

        var sine = F("sine");
        Assert.Equal(2.0, At(sine, 0), 9);
        Assert.Equal(2 + 10 * Math.Sin(2 * Math.PI * 0.2), At(sine, 2), 9);
        Assert.Equal(2 - 10 * Math.Sin(2 * Math.PI * 0.2), At(sine, 7), 9);

        var square = F("square");
        Assert.Equal(12.0, At(square, 0), 9);
        Assert.Equal(12.0, At(square, 4), 9);
        Assert.Equal(-8.0, At(square, 5), 9);
        Assert.Equal(12.0, At(square, 10), 9);

        var counter = F("counter", ""","rate":3""");
        Assert.Equal(2.0, At(counter, 0), 9);
        Assert.Equal(5.0, At(counter, 1), 9);
        Assert.Equal(2.0 + 30 % 10, At(counter, 10), 9); // wraps at the amplitude

        var walk = F("randomWalk", ""","rate":1""");
        for (var i = 0L; i < 200; i++)
        {
            // Consecutive samples differ by one step in and one out (each at most the rate).
            Assert.InRange(Math.Abs(At(walk, i + 1) - At(walk, i)), 0, 2.0 + 1e-9);
            Assert.InRange(At(walk, i), 2 - TagSimulator.RandomWalkWindow, 2 + TagSimulator.RandomWalkWindow);
        }
    }

    [Fact]
    public void Data_types_convert_the_function_value()
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(0);
        Assert.IsType<long>(TagSimulator.Read(Parse("""{"provider":"simulator","function":"ramp","dataType":"int"}"""), t).Value);
        Assert.Equal(true, TagSimulator.Read(Parse("""{"provider":"simulator","function":"square","dataType":"bool"}"""), t).Value);
        Assert.Equal("100", TagSimulator.Read(Parse("""{"provider":"simulator","function":"square","dataType":"string"}"""), t).Value);
    }

    [Fact]
    public void The_value_time_is_the_sample_time()
    {
        var d = Parse("""{"provider":"simulator","function":"sine","scanRateMs":250}""");
        var reading = TagSimulator.Read(d, DateTimeOffset.FromUnixTimeMilliseconds(1_000_010));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000), reading.Timestamp);
    }

    [Fact]
    public void The_deadband_lets_through_only_moves_past_it_or_a_change_of_quality()
    {
        var t = DateTimeOffset.UnixEpoch;
        var last = new TagValue("p", 10.0, TagQuality.Good, t);
        Assert.True(TagDeadband.IsChange(null, 10.0, TagQuality.Good, 1));
        Assert.False(TagDeadband.IsChange(last, 10.5, TagQuality.Good, 1));
        Assert.False(TagDeadband.IsChange(last, 11.0, TagQuality.Good, 1));
        Assert.True(TagDeadband.IsChange(last, 11.01, TagQuality.Good, 1));
        Assert.True(TagDeadband.IsChange(last, 8.9, TagQuality.Good, 1));
        Assert.True(TagDeadband.IsChange(last, 10.0, TagQuality.Bad, 1));
        Assert.False(TagDeadband.IsChange(last, 10.0, TagQuality.Good, 0));
        Assert.True(TagDeadband.IsChange(last, 10.000001, TagQuality.Good, 0));
        Assert.True(TagDeadband.IsChange(last, 12L, TagQuality.Good, 1));
        var text = new TagValue("p", "on", TagQuality.Good, t);
        Assert.False(TagDeadband.IsChange(text, "on", TagQuality.Good, 5));
        Assert.True(TagDeadband.IsChange(text, "off", TagQuality.Good, 5));
    }
}
