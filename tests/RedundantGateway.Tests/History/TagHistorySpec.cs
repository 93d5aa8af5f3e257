using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.Historian;

/// <summary>The per-tag history setting of a tag definition (its "history" object) and the demo's.</summary>
public sealed class TagHistorySpec
{
    private const string Path = "projects/p/tags/t1";

    private static TagDefinition Parse(string history) =>
        TagDefinition.TryParse(Path, $$"""{"provider":"simulator","history":{{history}}}""", out var definition, out var error)
            ? definition! : throw new Xunit.Sdk.XunitException(error);

    [Fact]
    public void A_definition_without_history_logs_none() =>
        Assert.Null(Parse("null").History);

    [Fact]
    public void OnChange_takes_a_deadband_and_periodic_a_rate()
    {
        Assert.Equal(new TagHistory(TagHistoryMode.OnChange, 0.5, 1000), Parse("""{"mode":"onChange","deadband":0.5}""").History);
        Assert.Equal(new TagHistory(TagHistoryMode.OnChange, 0, 1000), Parse("""{"mode":"onChange"}""").History);
        Assert.Equal(new TagHistory(TagHistoryMode.Periodic, 0, 250), Parse("""{"mode":"periodic","rateMs":250}""").History);
        Assert.Null(TagDefinition.TryParse(Path, """{"provider":"simulator"}""", out var none, out _) ? none!.History : throw new Exception());
    }

    [Theory]
    [InlineData("\"periodic\"", "\"history\" must be an object")]
    [InlineData("""{"deadband":1}""", "\"history.mode\" is required")]
    [InlineData("""{"mode":"sometimes"}""", "unknown \"history.mode\" 'sometimes'")]
    [InlineData("""{"mode":"onChange","deadband":-1}""", "\"history.deadband\" -1 must not be negative")]
    [InlineData("""{"mode":"onChange","deadband":"x"}""", "\"history.deadband\" must be a number")]
    [InlineData("""{"mode":"periodic","rateMs":10}""", "\"history.rateMs\" 10 must be a whole number of ms from 100")]
    [InlineData("""{"mode":"periodic","rateMs":1000.5}""", "\"history.rateMs\" 1000.5 must be a whole number")]
    [InlineData("""{"mode":"periodic","deadband":1}""", "\"history.deadband\" applies to mode onChange only")]
    [InlineData("""{"mode":"onChange","rateMs":1000}""", "\"history.rateMs\" applies to mode periodic only")]
    [InlineData("""{"mode":"onChange","rate":1000}""", "\"history\" has an unknown field \"rate\"")]
    public void Bad_history_settings_are_refused_with_one_line_naming_the_tag_and_field(string history, string expected)
    {
        Assert.False(TagDefinition.TryParse(Path, $$"""{"provider":"simulator","history":{{history}}}""", out _, out var error));
        Assert.StartsWith($"tag {Path}: ", error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain('\n', error);
        // The history cache reads the same setting on its own, with the same line.
        Assert.False(TagHistory.TryRead(Path, $$"""{"provider":"simulator","history":{{history}}}""", out _, out var cacheError));
        Assert.Equal(error, cacheError);
    }

    [Fact]
    public void Every_demo_tag_logs_history_once_a_second()
    {
        var tags = DemoConfiguration.Resources().Where(r => TagDefinition.IsTagDefinition(r.Key, r.Value)).ToList();
        Assert.NotEmpty(tags);
        foreach (var (path, json) in tags)
        {
            Assert.True(TagDefinition.TryParse(path, json, out var definition, out var error), error);
            Assert.Equal(new TagHistory(TagHistoryMode.Periodic, 0, 1000), definition!.History);
        }
    }
}
