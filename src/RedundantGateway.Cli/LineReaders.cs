using System.Text;
using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>Where the prompt's lines come from.</summary>
public interface ILineReader
{
    /// <summary>Shows <paramref name="prompt"/> and reads one line; null at the end of the input.</summary>
    Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken);
}

/// <summary>Redirected input (a script, a test): the prompt is written, lines are read as they come, no editing.</summary>
public sealed class PlainLineReader(TextReader input, TextWriter output) : ILineReader
{
    public async Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        await output.WriteAsync(prompt);
        await output.FlushAsync(cancellationToken);
        var line = await input.ReadLineAsync(cancellationToken);
        // The line is echoed so that a transcript of the session reads as it was typed.
        if (line is not null) await output.WriteLineAsync(line);
        return line;
    }
}

/// <summary>
/// A small line editor over Console.ReadKey for a terminal: typing, Backspace, Escape (clear), Up/Down (history),
/// Tab (completion of palette, command and switch names), Ctrl+D on an empty line (end). No cursor movement inside
/// the line: kept small on purpose.
/// </summary>
public sealed class ConsoleLineEditor(IReadOnlyList<CliPalette> palettes) : ILineReader
{
    private readonly List<string> _history = new();

    public IReadOnlyList<string> History => _history;

    public Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        Console.Write(prompt);
        var line = new StringBuilder();
        var historyIndex = _history.Count;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    var text = line.ToString();
                    if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text)) _history.Add(text);
                    return Task.FromResult<string?>(text);
                case ConsoleKey.Backspace when line.Length > 0:
                    line.Length--;
                    Console.Write("\b \b");
                    break;
                case ConsoleKey.Escape:
                    Redraw(prompt, line, "");
                    break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    Redraw(prompt, line, _history[--historyIndex]);
                    break;
                case ConsoleKey.DownArrow when historyIndex < _history.Count:
                    historyIndex++;
                    Redraw(prompt, line, historyIndex == _history.Count ? "" : _history[historyIndex]);
                    break;
                case ConsoleKey.Tab:
                    var (completed, listed) = Completer.Apply(palettes, line.ToString());
                    if (listed.Count > 0)
                    {
                        Console.WriteLine();
                        Console.WriteLine(string.Join("  ", listed));
                        Console.Write(prompt + line);
                    }
                    else Redraw(prompt, line, completed);
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && line.Length == 0:
                    Console.WriteLine();
                    return Task.FromResult<string?>(null);
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Append(key.KeyChar);
                        Console.Write(key.KeyChar);
                    }
                    break;
            }
        }
    }

    private static void Redraw(string prompt, StringBuilder line, string text)
    {
        var erase = Math.Max(0, line.Length - text.Length);
        Console.Write("\r" + prompt + text + new string(' ', erase) + new string('\b', erase));
        line.Clear().Append(text);
    }
}
