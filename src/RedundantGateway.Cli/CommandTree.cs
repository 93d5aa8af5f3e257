using System.CommandLine;
using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>A command to run: its palette, its description and the value of each argument given (or defaulted).</summary>
public sealed record Invocation(CliPalette Palette, CliCommand Command, IReadOnlyDictionary<string, string> Values, bool Json);

/// <summary>What the parser made of a command line: an invocation, help text to print, or a one-line error.</summary>
public sealed record Resolution(Invocation? Invocation, string? Help, string? Error)
{
    public static Resolution Run(Invocation invocation) => new(invocation, null, null);
    public static Resolution ShowHelp(string text) => new(null, text, null);
    public static Resolution Fail(string error) => new(null, null, error);
}

/// <summary>
/// The parser of "palette command [args]": a System.CommandLine tree built from the palettes the node published
/// (one command per palette, one subcommand per command, a --long/-s option per argument, and an optional
/// positional argument for the arguments that may be given without their switch).
/// </summary>
public sealed class CommandTree
{
    private readonly IReadOnlyList<CliPalette> _palettes;
    private readonly RootCommand _root;
    private readonly Option<bool> _json = new("--json") { Description = "print the node's JSON as it sent it", Recursive = true };
    private readonly Option<string> _token = new("--token") { Description = "the API token (else $RG_TOKEN)", Recursive = true };
    private readonly Dictionary<(string Palette, string Command), Command> _commands = new();

    public CommandTree(IReadOnlyList<CliPalette> palettes)
    {
        _palettes = palettes;
        _root = new RootCommand("rgw: the redundant gateway's command line") { _json, _token };
        foreach (var palette in palettes)
        {
            var paletteCommand = new Command(palette.Name, palette.Description);
            foreach (var command in palette.Commands)
            {
                var sub = new Command(command.Name, command.Description);
                foreach (var argument in command.Arguments)
                {
                    var aliases = argument.Short is { Length: > 0 } s ? new[] { "-" + s } : [];
                    if (argument.Flag) sub.Options.Add(new Option<bool>("--" + argument.Name, aliases) { Description = argument.Description });
                    else sub.Options.Add(new Option<string>("--" + argument.Name, aliases) { Description = argument.Description });
                    if (argument.Positional && !argument.Flag)
                        sub.Arguments.Add(new Argument<string>(argument.Name) { Description = argument.Description, Arity = ArgumentArity.ZeroOrOne });
                }
                paletteCommand.Subcommands.Add(sub);
                _commands[(palette.Name, command.Name)] = sub;
            }
            _root.Subcommands.Add(paletteCommand);
        }
    }

    public IReadOnlyList<CliPalette> Palettes => _palettes;

    /// <summary>Parses <paramref name="tokens"/> (the words after the node's address).</summary>
    public Resolution Resolve(IReadOnlyList<string> tokens, bool json = false)
    {
        if (tokens.Count > 0 && tokens[0] == "help") return Resolution.ShowHelp(Help(tokens.Skip(1).ToList()));
        var words = tokens.Where(t => !t.StartsWith('-')).Take(2).ToList();
        if (words.Count == 0)
            return tokens.Any(IsHelp) ? Resolution.ShowHelp(Help([])) : Resolution.Fail("give a palette and a command (help: rgw HOST:PORT --help)");
        var palette = _palettes.FirstOrDefault(p => string.Equals(p.Name, words[0], StringComparison.OrdinalIgnoreCase));
        if (palette is null) return Resolution.Fail(UnknownPalette(words));
        if (words.Count == 1 || palette.Commands.All(c => !string.Equals(c.Name, words[1], StringComparison.OrdinalIgnoreCase)))
        {
            if (tokens.Any(IsHelp)) return Resolution.ShowHelp(Help(tokens));
            if (words.Count == 1)
                return Resolution.Fail($"'{palette.Name}' needs a command: {string.Join(", ", palette.Commands.Select(c => c.Name))}");
            var nearest = Nearest.Find(words[1], palette.Commands.Select(c => c.Name));
            return Resolution.Fail($"unknown command '{palette.Name} {words[1]}'{(nearest is null ? "" : $"; did you mean '{palette.Name} {nearest}'?")}");
        }
        var command = palette.Commands.First(c => string.Equals(c.Name, words[1], StringComparison.OrdinalIgnoreCase));
        // Names are matched without regard to case; the tree is built with the published spelling.
        var normalized = tokens.ToList();
        var paletteAt = normalized.IndexOf(words[0]);
        normalized[paletteAt] = palette.Name;
        normalized[normalized.IndexOf(words[1], paletteAt + 1)] = command.Name;
        var result = _root.Parse(normalized);
        if (tokens.Any(IsHelp)) return Resolution.ShowHelp(Help(normalized));
        if (result.Errors.Count > 0) return Resolution.Fail($"{result.Errors[0].Message} (rgw ... {palette.Name} {command.Name} --help)");

        var sub = _commands[(palette.Name, command.Name)];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var argument in command.Arguments)
        {
            string? value = null;
            var option = sub.Options.First(o => o.Name == "--" + argument.Name);
            if (argument.Flag) value = result.GetValue((Option<bool>)option) ? "true" : null;
            else value = result.GetValue((Option<string>)option);
            if (value is null && argument.Positional && !argument.Flag)
                value = result.GetValue((Argument<string>)sub.Arguments.First(a => a.Name == argument.Name));
            value ??= argument.Default;
            if (value is null && argument.Required)
                return Resolution.Fail($"'{palette.Name} {command.Name}' needs --{argument.Name} ({argument.Description})");
            if (value is not null) values[argument.Name] = value;
        }
        return Resolution.Run(new Invocation(palette, command, values, json || result.GetValue(_json)));
    }

    /// <summary>The token given after the command (--token), if any.</summary>
    public string? TokenIn(IReadOnlyList<string> tokens) => _root.Parse(tokens).GetValue(_token);

    /// <summary>Help text: every palette and its commands, or one palette's commands, or one command's arguments.</summary>
    public string Help(IReadOnlyList<string> tokens)
    {
        var words = tokens.Where(t => !t.StartsWith('-')).ToList();
        var palette = words.Count > 0 ? _palettes.FirstOrDefault(p => string.Equals(p.Name, words[0], StringComparison.OrdinalIgnoreCase)) : null;
        var command = palette is not null && words.Count > 1
            ? palette.Commands.FirstOrDefault(c => string.Equals(c.Name, words[1], StringComparison.OrdinalIgnoreCase))
            : null;
        var lines = new List<(string Left, string Right)>();
        if (command is not null)
        {
            lines.Add(($"{palette!.Name} {command.Name}", command.Description));
            foreach (var argument in command.Arguments)
            {
                var left = $"  --{argument.Name}{(argument.Short is { Length: > 0 } s ? $", -{s}" : "")}{(argument.Flag ? "" : " <value>")}";
                var notes = new List<string>();
                if (argument.Required) notes.Add("required");
                if (argument.Positional) notes.Add("may be given without its switch");
                lines.Add((left, argument.Description + (notes.Count > 0 ? $" ({string.Join(", ", notes)})" : "")));
            }
        }
        else
        {
            foreach (var p in palette is null ? _palettes : [palette])
            {
                lines.Add((p.Name, p.Description));
                foreach (var c in p.Commands) lines.Add(($"  {p.Name} {c.Name}", c.Description));
            }
            lines.Add(("options", "--json (the node's JSON), --token TOKEN (else $RG_TOKEN); in the prompt: help [palette [command]], exit"));
        }
        return TextTable.KeyValues(lines);
    }

    private string UnknownPalette(IReadOnlyList<string> words)
    {
        var typed = string.Join(' ', words);
        // A command name without its palette ("status"): name the palette it belongs to.
        var owner = _palettes.FirstOrDefault(p => p.Commands.Any(c => string.Equals(c.Name, words[0], StringComparison.OrdinalIgnoreCase)));
        if (owner is not null) return $"unknown command '{typed}'; did you mean '{owner.Name} {words[0].ToLowerInvariant()}'?";
        var names = _palettes.Select(p => p.Name)
            .Concat(_palettes.SelectMany(p => p.Commands.Select(c => $"{p.Name} {c.Name}")));
        var nearest = words.Count > 1 ? Nearest.Find(typed, names) : Nearest.Find(words[0], names);
        return $"unknown command '{typed}'{(nearest is null ? "" : $"; did you mean '{nearest}'?")}";
    }

    private static bool IsHelp(string token) => token is "--help" or "-h" or "-?";
}
