using RedundantGateway.Cli;
using RedundantGateway.Client;
using RedundantGateway.Node;
using Xunit;

namespace RedundantGateway.Tests.Cli;

/// <summary>The node's own palettes: the commands the issue names, and descriptions rgw can run.</summary>
public sealed class BuiltInPalettesSpec
{
    [Fact]
    public void The_node_publishes_the_operator_commands()
    {
        var names = BuiltInPalettes.All.SelectMany(p => p.Commands.Select(c => $"{p.Name} {c.Name}")).ToHashSet();
        string[] expected =
        [
            "redundancy status", "redundancy failover", "redundancy resync", "events list", "events tail", "cluster show",
            "config get", "config set", "config delete", "config history", "tags get", "tags watch",
            "alarms list", "alarms ack", "alarms shelve", "history stats", "history quarantine", "history retry",
        ];
        Assert.Empty(expected.Except(names));
    }

    [Fact]
    public void Every_command_is_runnable_route_arguments_match_their_placeholders_and_switches_are_unique()
    {
        var tree = new CommandTree(BuiltInPalettes.All);
        foreach (var palette in BuiltInPalettes.All)
        foreach (var command in palette.Commands)
        {
            var where = $"{palette.Name} {command.Name}";
            Assert.Contains(command.Method, new[] { "GET", "POST", "PUT", "DELETE" });
            Assert.Contains(command.Mode, new[] { CliModes.Request, CliModes.Poll, CliModes.Stream, CliModes.Transfer });
            foreach (var argument in command.Arguments.Where(a => a.Place == CliPlaces.Route))
                Assert.True(command.Route.Contains("{" + argument.Name + "}") || command.Route.Contains("{" + argument.Name + "?}"), $"{where}: no placeholder for {argument.Name}");
            Assert.DoesNotMatch(@"\{[^}]+\}", command.Arguments.Where(a => a.Place == CliPlaces.Route)
                .Aggregate(command.Route, (route, a) => route.Replace("{" + a.Name + "?}", "").Replace("{" + a.Name + "}", "")));
            var switches = command.Arguments.Select(a => a.Name).Concat(command.Arguments.Where(a => a.Short is not null).Select(a => a.Short!)).ToList();
            Assert.Equal(switches.Count, switches.Distinct().Count());

            // The required arguments given positionally (or by switch) make a complete call.
            var tokens = new List<string> { palette.Name, command.Name };
            foreach (var argument in command.Arguments.Where(a => a.Required)) tokens.AddRange(["--" + argument.Name, "x"]);
            var resolution = tree.Resolve(tokens);
            Assert.True(resolution.Invocation is not null, $"{where}: {resolution.Error}");
            Assert.DoesNotContain("{", RequestBuilder.RelativeUri(resolution.Invocation!));
        }
    }

    [Fact]
    public void History_quarantine_renders_one_row_per_refused_sample_and_stats_the_cache_object()
    {
        var tree = new CommandTree(BuiltInPalettes.All);
        var quarantine = tree.Resolve(["history", "quarantine"]).Invocation!;
        Assert.Equal(GatewayRoutes.HistoryQuarantine, RequestBuilder.RelativeUri(quarantine));
        var answer = System.Text.Json.JsonDocument.Parse("""
            {"samples":[{"id":3,"at":"2026-12-02T10:00:00Z","reason":"value out of range","tag":"projects/demo/tags/x",
              "sample":{"t":"2026-12-02T09:59:59Z","v":1.5,"q":"good","node":"master","epoch":4}}]}
            """).RootElement;
        var text = AnswerFormatter.Format(answer, quarantine.Command.Output);
        Assert.Contains("value out of range", text);
        Assert.Contains("projects/demo/tags/x", text);
        Assert.EndsWith("1 quarantined samples\n", text);

        var stats = tree.Resolve(["history", "stats"]).Invocation!;
        Assert.Equal(GatewayRoutes.HistoryStats, RequestBuilder.RelativeUri(stats));
        var retry = tree.Resolve(["history", "retry"]).Invocation!;
        Assert.Equal("POST", retry.Command.Method);
    }
}
