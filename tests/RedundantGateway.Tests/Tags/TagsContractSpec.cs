using System.Text.Json;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Tags;

/// <summary>The shape of /api/tags as issue 9's contract states it (the acceptance checks read it).</summary>
public sealed class TagsContractSpec
{
    [Fact]
    public void A_tag_list_has_node_level_and_tags_of_path_value_quality_and_a_utc_time()
    {
        var list = new TagList("master", "active", [
            new TagInfo("projects/demo/tags/a", JsonSerializer.SerializeToElement(1.5), "good", new DateTime(2026, 12, 2, 5, 0, 0, 250, DateTimeKind.Utc)),
            new TagInfo("projects/demo/tags/b", null, "bad", new DateTime(2026, 12, 2, 5, 0, 0, DateTimeKind.Utc), "provider 'simulator' is disconnected"),
        ]);
        var json = JsonSerializer.Serialize(list, ContractJson.Options);
        Assert.Equal(
            """{"node":"master","activityLevel":"active","tags":[{"path":"projects/demo/tags/a","value":1.5,"quality":"good","t":"2026-12-02T05:00:00.25Z"},"""
            + """{"path":"projects/demo/tags/b","value":null,"quality":"bad","t":"2026-12-02T05:00:00Z","reason":"provider \u0027simulator\u0027 is disconnected"}]}""",
            json);
        var back = JsonSerializer.Deserialize<TagList>(json, ContractJson.Options)!;
        Assert.Equal(1.5, back.Tags[0].Value!.Value.GetDouble());
        Assert.Null(back.Tags[1].Value);
    }
}
