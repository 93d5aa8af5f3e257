using RedundantGateway.Cli;
using Xunit;

namespace RedundantGateway.Tests.Cli;

/// <summary>Parsing "palette command [args]" with the tree built from a palette description.</summary>
public sealed class CommandTreeSpec
{
    private readonly CommandTree _tree = new(FakePalettes.All);

    [Fact]
    public void A_palette_and_command_resolve_to_the_described_command()
    {
        var resolution = _tree.Resolve(["redundancy", "status"]);
        Assert.Null(resolution.Error);
        Assert.Equal("status", resolution.Invocation!.Command.Name);
        Assert.Equal("redundancy", resolution.Invocation.Palette.Name);
        Assert.False(resolution.Invocation.Json);
    }

    [Fact]
    public void Names_are_matched_without_regard_to_case_and_json_is_a_switch_anywhere()
    {
        var resolution = _tree.Resolve(["Redundancy", "STATUS", "--json"]);
        Assert.Null(resolution.Error);
        Assert.True(resolution.Invocation!.Json);
    }

    [Fact]
    public void Positional_long_and_short_forms_give_the_same_values()
    {
        var positional = _tree.Resolve(["config", "set", "tags/a", "{\"x\":1}"]).Invocation!;
        var longForm = _tree.Resolve(["config", "set", "--path", "tags/a", "--value", "{\"x\":1}"]).Invocation!;
        var shortForm = _tree.Resolve(["config", "set", "-p", "tags/a", "-v", "{\"x\":1}"]).Invocation!;
        foreach (var invocation in new[] { positional, longForm, shortForm })
        {
            Assert.Equal("tags/a", invocation.Values["path"]);
            Assert.Equal("{\"x\":1}", invocation.Values["value"]);
        }
    }

    [Fact]
    public void Defaults_fill_arguments_not_given()
    {
        var invocation = _tree.Resolve(["alarms", "shelve", "a01"]).Invocation!;
        Assert.Equal("a01", invocation.Values["id"]);
        Assert.Equal("60", invocation.Values["minutes"]);
        Assert.Equal("rgw", invocation.Values["by"]);
    }

    [Fact]
    public void A_missing_required_argument_is_one_line_naming_it()
    {
        var error = _tree.Resolve(["config", "set"]).Error;
        Assert.Equal("'config set' needs --path (the path)", error);
    }

    [Fact]
    public void An_unknown_switch_is_an_error()
    {
        var error = _tree.Resolve(["events", "list", "--bogus", "3"]).Error;
        Assert.NotNull(error);
        Assert.Contains("--bogus", error);
    }

    [Theory]
    [InlineData(new[] { "redundancy", "stauts" }, "did you mean 'redundancy status'?")]
    [InlineData(new[] { "redundency", "status" }, "did you mean 'redundancy status'?")]
    [InlineData(new[] { "status" }, "did you mean 'redundancy status'?")]
    [InlineData(new[] { "confg" }, "did you mean 'config'?")]
    [InlineData(new[] { "events", "lst" }, "did you mean 'events list'?")]
    public void An_unknown_palette_or_command_names_the_nearest_one(string[] tokens, string expected)
    {
        var error = _tree.Resolve(tokens).Error;
        Assert.NotNull(error);
        Assert.EndsWith(expected, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void A_palette_alone_lists_its_commands()
    {
        Assert.Equal("'redundancy' needs a command: status, failover", _tree.Resolve(["redundancy"]).Error);
    }

    [Fact]
    public void Help_lists_palettes_or_one_command_s_switches()
    {
        var all = _tree.Resolve(["help"]).Help!;
        Assert.Contains("  redundancy status", all);
        Assert.Contains("  alarms shelve", all);
        var one = _tree.Resolve(["alarms", "shelve", "--help"]).Help!;
        Assert.Contains("--minutes, -m <value>", one);
        Assert.Contains("(required, may be given without its switch)", one);
    }

    [Fact]
    public void A_token_after_the_command_is_read()
    {
        Assert.Equal("s3cret", _tree.TokenIn(["redundancy", "failover", "--token", "s3cret"]));
        Assert.Null(_tree.TokenIn(["redundancy", "failover"]));
    }
}
