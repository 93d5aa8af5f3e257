using System.Text.Json;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Client;

/// <summary>The hub's contract on the client side: the items' JSON names and the hub's address.</summary>
public sealed class TagStreamClientSpec
{
    [Fact]
    public void A_stream_item_is_written_with_the_contracts_camel_case_names_and_read_back_alike()
    {
        var tag = new TagInfo("projects/demo/tags/a", JsonSerializer.SerializeToElement(1.5), "good", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        var item = new TagStreamItem(TagStreamItem.ChangeKind, Tag: tag);

        var json = JsonSerializer.Serialize(item, ContractJson.Options);

        Assert.Equal("""{"kind":"change","activityLevel":null,"tags":null,"tag":{"path":"projects/demo/tags/a","value":1.5,"quality":"good","t":"2026-01-02T03:04:05Z"},"reason":null}""", json);
        var back = JsonSerializer.Deserialize<TagStreamItem>(json, ContractJson.Options)!;
        Assert.Equal(TagStreamItem.ChangeKind, back.Kind);
        Assert.Equal(tag.Path, back.Tag!.Path);
        Assert.Equal(1.5, back.Tag.Value!.Value.GetDouble());
    }

    [Theory]
    [InlineData("http://host:8088", "http://host:8088/hubs/tags")]
    [InlineData("http://host:8088/gw", "http://host:8088/gw/hubs/tags")]
    [InlineData("http://host:8088/gw/", "http://host:8088/gw/hubs/tags")]
    public async Task The_hub_is_at_hubs_tags_under_the_nodes_base_address(string baseAddress, string expected)
    {
        await using var client = new TagStreamClient(new Uri(baseAddress));
        Assert.Equal(expected, client.HubAddress.AbsoluteUri);
    }
}
