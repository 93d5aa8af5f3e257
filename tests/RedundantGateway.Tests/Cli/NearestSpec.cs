using RedundantGateway.Cli;
using Xunit;

namespace RedundantGateway.Tests.Cli;

public sealed class NearestSpec
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("status", "status", 0)]
    [InlineData("stauts", "status", 2)]
    public void Distance_is_the_Levenshtein_distance(string a, string b, int expected) =>
        Assert.Equal(expected, Nearest.Distance(a, b));

    [Fact]
    public void The_nearest_candidate_wins_and_a_prefix_beats_a_short_distance()
    {
        Assert.Equal("failover", Nearest.Find("failvoer", ["status", "failover", "resync"]));
        Assert.Equal("redundancy", Nearest.Find("red", ["events", "redundancy"]));
        Assert.Null(Nearest.Find("x", []));
    }
}
