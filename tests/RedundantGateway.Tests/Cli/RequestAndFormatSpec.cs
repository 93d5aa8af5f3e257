using System.Text.Json;
using RedundantGateway.Cli;
using RedundantGateway.Client;
using Xunit;

namespace RedundantGateway.Tests.Cli;

/// <summary>The REST call an invocation makes, and the text an answer becomes.</summary>
public sealed class RequestAndFormatSpec
{
    private readonly CommandTree _tree = new(FakePalettes.All);

    private Invocation Parse(params string[] tokens) => _tree.Resolve(tokens).Invocation!;

    [Fact]
    public void Route_arguments_keep_their_slashes_and_an_optional_one_is_left_out_with_its_slash()
    {
        Assert.Equal("api/config/tags/plant/flow", RequestBuilder.RelativeUri(Parse("config", "get", "tags/plant/flow")));
        Assert.Equal("api/config", RequestBuilder.RelativeUri(Parse("config", "get")));
    }

    [Fact]
    public void Query_arguments_use_their_field_name_and_are_escaped()
    {
        Assert.Equal("api/redundancy/events?limit=5&q=peer%20down", RequestBuilder.RelativeUri(Parse("events", "list", "-n", "5", "-q", "peer down")));
        Assert.Equal("api/redundancy/events?limit=100", RequestBuilder.RelativeUri(Parse("events", "list", "-n", "5"), new Dictionary<string, string> { ["limit"] = "100" }));
    }

    [Fact]
    public void Body_fields_are_typed_and_a_json_value_is_sent_as_given_or_as_a_string()
    {
        Assert.Equal("{\"minutes\":15,\"by\":\"ops\"}", RequestBuilder.Body(Parse("alarms", "shelve", "a01", "-m", "15", "-b", "ops")));
        Assert.Equal("{\"x\":[1,2]}", RequestBuilder.Body(Parse("config", "set", "a/b", "{\"x\":[1,2]}")));
        Assert.Equal("\"hello\"", RequestBuilder.Body(Parse("config", "set", "a/b", "hello")));
        Assert.Equal("42", RequestBuilder.Body(Parse("config", "set", "a/b", "42")));
        var failure = Assert.Throws<CliFailure>(() => RequestBuilder.Body(Parse("alarms", "shelve", "a01", "-m", "soon")));
        Assert.Equal(ExitCodes.Usage, failure.ExitCode);
    }

    [Fact]
    public void The_token_goes_in_a_bearer_header()
    {
        using var request = RequestBuilder.Build(Parse("redundancy", "failover"), "s3cret");
        Assert.Equal("Bearer s3cret", request.Headers.Authorization!.ToString());
        Assert.Equal(HttpMethod.Post, request.Method);
        using var anonymous = RequestBuilder.Build(Parse("redundancy", "status"), null);
        Assert.Null(anonymous.Headers.Authorization);
    }

    [Fact]
    public void A_table_aligns_its_columns_shows_a_dash_for_a_missing_field_and_counts()
    {
        using var answer = JsonDocument.Parse("""{"members":[{"address":"akka.tcp://a@h:1","roles":["master"],"status":"Up","extra":1},{"address":"b","roles":[],"status":"Joining"}]}""");
        var text = AnswerFormatter.Format(answer.RootElement, new CliOutput(Items: "members", Columns: ["address", "roles", "status", "version"], CountLabel: "members"));
        Assert.Equal(
            "address           roles     status   version\n" +
            "akka.tcp://a@h:1  [master]  Up       -\n" +
            "b                 []        Joining  -\n" +
            "2 members\n", text);
    }

    [Fact]
    public void An_object_is_aligned_key_value_lines_with_fields_the_cli_does_not_know()
    {
        using var answer = JsonDocument.Parse("""{"role":"master","peer":{"state":"reachable","phi":0.5},"aFieldFromANewerNode":true,"subsystems":[{"name":"tags","level":"active"}]}""");
        var text = AnswerFormatter.Format(answer.RootElement, null);
        Assert.Equal(
            "role                  master\n" +
            "peer.state            reachable\n" +
            "peer.phi              0.5\n" +
            "aFieldFromANewerNode  true\n" +
            "subsystems[0]         name=tags level=active\n", text);
    }

    [Fact]
    public void An_action_answer_is_its_message()
    {
        using var answer = JsonDocument.Parse("""{"accepted":true,"message":"failover requested"}""");
        Assert.Equal("failover requested\n", AnswerFormatter.Format(answer.RootElement, null));
    }

    [Fact]
    public void Palettes_with_fields_this_cli_does_not_know_still_load()
    {
        var json = """{"nodeName":"n","version":"2","palettes":[{"name":"x","description":"d","icon":"?","commands":[{"name":"y","description":"d","method":"GET","route":"api/y","arguments":[],"streaming":{"kind":"new"}}]}],"more":1}""";
        var list = JsonSerializer.Deserialize<CliPaletteList>(json, ContractJson.Options)!;
        Assert.Equal("api/y", list.Palettes[0].Commands[0].Route);
        Assert.Equal(CliModes.Request, list.Palettes[0].Commands[0].Mode);
    }
}
