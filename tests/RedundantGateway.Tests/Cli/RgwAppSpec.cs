using System.Net;
using RedundantGateway.Cli;
using Xunit;

namespace RedundantGateway.Tests.Cli;

/// <summary>rgw end to end against an in-memory node: output, exit codes, the token, the prompt over redirected input.</summary>
public sealed class RgwAppSpec
{
    private static async Task<(int Code, string Out, string Error, FakeNode Node)> RunAsync(FakeNode node, string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(input), output, error, InputRedirected: true, OutputRedirected: true);
        var code = await RgwApp.RunAsync(args, console, (address, token) => new NodeConnection(new HttpClient(node) { BaseAddress = null }, address, token));
        return (code, output.ToString(), error.ToString(), node);
    }

    [Fact]
    public async Task A_command_prints_aligned_text_and_exits_0()
    {
        var node = new FakeNode().Answer("GET", "/api/redundancy", HttpStatusCode.OK, """{"role":"master","activityLevel":"active"}""");
        var (code, output, error, _) = await RunAsync(node, "", "127.0.0.1:8088", "redundancy", "status");
        Assert.Equal(0, code);
        Assert.Equal("role           master\nactivityLevel  active\n", output);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task Json_prints_the_node_s_answer_as_sent()
    {
        var node = new FakeNode().Answer("GET", "/api/redundancy", HttpStatusCode.OK, """{"role":"master"}""");
        var (code, output, _, _) = await RunAsync(node, "", "127.0.0.1:8088", "--json", "redundancy", "status");
        Assert.Equal(0, code);
        Assert.Equal("{\"role\":\"master\"}\n", output);
    }

    [Fact]
    public async Task A_refusal_exits_1_with_the_node_s_one_line()
    {
        var node = new FakeNode().Answer("POST", "/api/redundancy/failover", HttpStatusCode.Conflict, """{"accepted":false,"message":"the peer is not connected"}""");
        var (code, output, error, _) = await RunAsync(node, "", "127.0.0.1:8088", "redundancy", "failover");
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal("", output);
        Assert.Equal("error: the peer is not connected (HTTP 409)\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task The_token_from_the_option_is_sent_as_a_bearer_header()
    {
        var node = new FakeNode().Answer("POST", "/api/redundancy/failover", HttpStatusCode.OK, """{"accepted":true,"message":"done"}""");
        var (code, _, _, _) = await RunAsync(node, "", "127.0.0.1:8088", "redundancy", "failover", "--token", "s3cret");
        Assert.Equal(0, code);
        var failover = node.Received.Single(r => r.Request.Method == HttpMethod.Post).Request;
        Assert.Equal("Bearer s3cret", failover.Headers.Authorization?.ToString());
    }

    [Fact]
    public async Task An_unknown_command_exits_2_naming_the_nearest_and_calls_nothing_else()
    {
        var (code, _, error, node) = await RunAsync(new FakeNode(), "", "127.0.0.1:8088", "redundancy", "fialover");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("error: unknown command 'redundancy fialover'; did you mean 'redundancy failover'?\n", error.ReplaceLineEndings("\n"));
        Assert.Single(node.Received); // the palettes only
    }

    [Fact]
    public async Task A_node_without_palettes_and_a_bad_address_are_one_line_each()
    {
        var (code, _, error, _) = await RunAsync(new FakeNode().Answer("GET", "/api/cli/palettes", HttpStatusCode.NotFound, "{}"), "", "127.0.0.1:8088", "redundancy", "status");
        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.StartsWith("error: 127.0.0.1:8088 publishes no rgw palettes", error);
        (code, _, error, _) = await RunAsync(new FakeNode(), "", "no port here", "redundancy", "status");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task The_prompt_reads_redirected_lines_runs_them_and_ends_at_exit()
    {
        var node = new FakeNode().Answer("GET", "/api/redundancy", HttpStatusCode.OK, """{"role":"master"}""");
        var (code, output, error, _) = await RunAsync(node, "help\nredundancy status\nredundancy stat\nexit\nredundancy status\n", "127.0.0.1:8088");
        Assert.Equal(0, code);
        Assert.Contains("[127.0.0.1:8088] rgw> help\n", output);
        Assert.Contains("  redundancy status", output);
        Assert.Contains("[127.0.0.1:8088] rgw> redundancy status\nrole  master\n", output);
        Assert.Contains("did you mean 'redundancy status'?", error);
        Assert.Equal(1, output.Split("role  master").Length - 1); // nothing after exit ran
    }
}
