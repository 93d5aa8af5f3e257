using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>Tab completion in the prompt: palette names, then command names, then the command's --switches.</summary>
public static class Completer
{
    public static readonly IReadOnlyList<string> PromptWords = ["help", "exit"];

    /// <summary>The words that may complete the last (partial) word of <paramref name="line"/>.</summary>
    public static IReadOnlyList<string> Candidates(IReadOnlyList<CliPalette> palettes, string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var partial = line.EndsWith(' ') || line.Length == 0 ? "" : words[^1];
        if (partial.Length > 0) words.RemoveAt(words.Count - 1);
        var help = words.Count > 0 && words[0] == "help";
        var position = help ? words.Count - 1 : words.Count;
        var palette = words.Count > (help ? 1 : 0)
            ? palettes.FirstOrDefault(p => string.Equals(p.Name, words[help ? 1 : 0], StringComparison.OrdinalIgnoreCase))
            : null;
        IEnumerable<string> options = position switch
        {
            0 when help => palettes.Select(p => p.Name),
            0 => palettes.Select(p => p.Name).Concat(PromptWords),
            1 => palette?.Commands.Select(c => c.Name) ?? [],
            _ when help => [],
            _ => palette?.Commands.FirstOrDefault(c => string.Equals(c.Name, words[1], StringComparison.OrdinalIgnoreCase)) is { } command
                ? command.Arguments.Select(a => "--" + a.Name).Append("--json").Where(s => !words.Contains(s))
                : [],
        };
        return options.Where(o => o.StartsWith(partial, StringComparison.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>
    /// The line after a Tab: the only candidate completed (and a space), else the candidates' common prefix; the
    /// candidates to list when the line could not go further.
    /// </summary>
    public static (string Line, IReadOnlyList<string> Listed) Apply(IReadOnlyList<CliPalette> palettes, string line)
    {
        var candidates = Candidates(palettes, line);
        if (candidates.Count == 0) return (line, []);
        var start = line.EndsWith(' ') ? line.Length : line.LastIndexOf(' ') + 1;
        var partial = line[start..];
        if (candidates.Count == 1) return (line[..start] + candidates[0] + " ", []);
        var common = candidates.Aggregate((a, b) => CommonPrefix(a, b));
        return common.Length > partial.Length ? (line[..start] + common, []) : (line, candidates);
    }

    private static string CommonPrefix(string a, string b)
    {
        var length = 0;
        while (length < a.Length && length < b.Length && char.ToLowerInvariant(a[length]) == char.ToLowerInvariant(b[length])) length++;
        return a[..length];
    }
}
