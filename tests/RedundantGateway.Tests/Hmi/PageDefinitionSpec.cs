using RedundantGateway.Alarms;
using RedundantGateway.Hmi;
using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.Hmi;

/// <summary>Page definitions (projects/{project}/pages/{page}): what is read, and one clear line for bad input.</summary>
public sealed class PageDefinitionSpec
{
    private const string Path = "projects/plant/pages/main";

    [Fact]
    public void A_page_reads_its_title_tags_and_alarms()
    {
        Assert.True(PageDefinition.TryParse(Path,
            """{"title":"Main","tags":["projects/plant/tags/a","/projects/plant/tags/b/"],"alarms":["projects/plant/alarms/x"]}""",
            out var page, out var error), error);
        Assert.Equal(("plant", "main", "Main"), (page!.Project, page.Page, page.Title));
        Assert.Equal(["projects/plant/tags/a", "projects/plant/tags/b"], page.Tags);
        Assert.Equal(["projects/plant/alarms/x"], page.Alarms);
    }

    [Fact]
    public void The_title_defaults_to_the_page_name_and_either_list_may_be_left_out()
    {
        Assert.True(PageDefinition.TryParse(Path, """{"tags":["projects/plant/tags/a"]}""", out var page, out var error), error);
        Assert.Equal("main", page!.Title);
        Assert.Empty(page.Alarms);
    }

    [Theory]
    [InlineData("projects/plant/pages/main", true)]
    [InlineData("projects/plant/pages", false)]
    [InlineData("projects/plant/pages/main/extra", false)]
    [InlineData("plant/pages/main", false)]
    [InlineData("projects/plant/tags/main", false)]
    public void Only_projects_project_pages_page_is_a_page_path(string path, bool isPage) => Assert.Equal(isPage, PageDefinition.IsPagePath(path));

    [Theory]
    [InlineData("not json", "is not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"title":"t","tags":["projects/plant/tags/a"],"colour":"red"}""", "'colour' is not a key of a page")]
    [InlineData("""{"title":"","tags":["projects/plant/tags/a"]}""", "'title' must be a non-empty string")]
    [InlineData("""{"tags":"projects/plant/tags/a"}""", "'tags' must be an array of tag paths")]
    [InlineData("""{"alarms":[1]}""", "'alarms' must hold only strings")]
    [InlineData("""{"tags":["projects/plant/tags/a b"]}""", "'tags' 'projects/plant/tags/a b' has the character ' '")]
    [InlineData("""{"tags":["projects/plant/tags/a","projects/plant/tags/a"]}""", "lists 'projects/plant/tags/a' twice")]
    [InlineData("""{"title":"empty"}""", "lists no tags and no alarms")]
    public void Bad_input_gets_one_line_naming_the_page_and_the_key(string json, string expected)
    {
        Assert.False(PageDefinition.TryParse(Path, json, out var page, out var error));
        Assert.Null(page);
        Assert.StartsWith($"page '{Path}'", error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void The_demo_overview_page_lists_demo_tags_and_every_demo_alarm()
    {
        var resources = DemoConfiguration.Resources().ToDictionary(r => r.Key, r => r.Value);
        Assert.True(PageDefinition.TryParse("projects/demo/pages/overview", resources[DemoConfiguration.OverviewPage], out var page, out var error), error);
        Assert.Equal("demo", page!.Project);
        Assert.NotEmpty(page.Tags);
        Assert.All(page.Tags, t => Assert.True(TagDefinition.IsTagDefinition(t, resources[t]), t));
        Assert.Equal(resources.Keys.Where(k => AlarmDefinition.IsAlarmPath(k)).Order(), page.Alarms.Order());
        // Loaded last: what it refers to is in the store before it.
        Assert.Equal(DemoConfiguration.OverviewPage, DemoConfiguration.Resources()[^1].Key);
    }
}
