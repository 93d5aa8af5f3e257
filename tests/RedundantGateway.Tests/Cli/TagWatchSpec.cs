using System.Text.Json;
using RedundantGateway.Cli;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Cli;

/// <summary>rgw tags watch: its words, and the lines it prints for values and for a transfer.</summary>
public sealed class TagWatchSpec
{
    [Fact]
    public void Paths_a_prefix_and_the_peer_are_read_from_the_words_after_tags_watch()
    {
        var request = TagWatchRequest.Parse(["projects/demo/tags/a", "--peer", "127.0.0.1:8089", "-p", "projects/demo/", "--paths", "x, y"], out var error);
        Assert.Null(error);
        Assert.Equal(["projects/demo/tags/a", "x", "y"], request!.Paths);
        Assert.Equal("projects/demo/", request.Prefix);
        Assert.Equal("127.0.0.1:8089", request.Peer);
        Assert.True(TagWatch.IsPairWatch(["tags", "watch", "a", "--peer", "h:1"]));
        Assert.False(TagWatch.IsPairWatch(["tags", "watch", "a"]));
    }

    [Theory]
    [InlineData("--peer", "--peer needs the other node's address, e.g. --peer 127.0.0.1:8089")]
    [InlineData("--bogus", "tags watch has no option '--bogus' (paths, --prefix, --paths, --peer)")]
    public void A_bad_word_is_one_line_of_error(string word, string expected)
    {
        Assert.Null(TagWatchRequest.Parse(["a", word], out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Without_a_peer_the_paths_go_to_the_nodes_palette_as_its_paths_argument() =>
        Assert.Equal(["tags", "watch", "--prefix", "p/", "--paths", "a,b"], new TagWatchRequest(["a", "b"], "p/", null).AsPaletteWords());

    [Fact]
    public void A_value_is_one_line_of_path_value_quality_and_time_and_a_move_says_transferred()
    {
        var tag = new TagInfo("projects/demo/tags/area1/counter-004", JsonSerializer.SerializeToElement(12), "good", new DateTime(2026, 12, 2, 13, 36, 16, 500, DateTimeKind.Utc));
        Assert.Equal("projects/demo/tags/area1/counter-004  12  good  2026-12-02T13:36:16.500Z", TagWatch.ValueLine(tag, replayed: false));
        Assert.EndsWith("  (replayed)", TagWatch.ValueLine(tag, replayed: true));
        var moved = new TransferredEventArgs(new PairNode(new Uri("http://127.0.0.1:8088/"), "master"), new PairNode(new Uri("http://127.0.0.1:8089/"), "backup"),
            "stream silent for 600 ms", TimeSpan.FromMilliseconds(412.4), DateTimeOffset.UnixEpoch);
        Assert.Equal("*** transferred from master (127.0.0.1:8088) to backup (127.0.0.1:8089): stream silent for 600 ms, gap 412 ms ***", TagWatch.TransferLine(moved));
        Assert.Contains("\"transferred\":{\"from\":\"master (127.0.0.1:8088)\"", TagWatch.TransferJson(moved));
    }
}
