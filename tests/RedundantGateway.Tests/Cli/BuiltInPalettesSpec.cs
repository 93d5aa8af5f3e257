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
            "alarms list", "alarms ack", "alarms shelve",
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
}
