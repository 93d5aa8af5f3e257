using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace RedundantGateway.Cli;

/// <summary>The console rgw writes to and reads from, and whether each side is a terminal.</summary>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputRedirected, bool OutputRedirected);

/// <summary>
/// rgw: <c>rgw HOST:PORT PALETTE COMMAND [args]</c> runs one command; <c>rgw HOST:PORT</c> opens a prompt. The first
/// stage parses the node's address and the global options; the rest is parsed by the tree built from the palettes the
/// node publishes (<see cref="CommandTree"/>).
/// </summary>
public static class RgwApp
{
    public const string TokenVariable = "RG_TOKEN";

    public const string Usage =
        "usage: rgw HOST:PORT [PALETTE COMMAND [ARGS]] [--json] [--token TOKEN]\n" +
        "  rgw 127.0.0.1:8088 redundancy status      one command\n" +
        "  rgw 127.0.0.1:8089 events tail            new events until Ctrl+C\n" +
        "  rgw 127.0.0.1:8088 tags watch PATH... --peer 127.0.0.1:8089   values from whichever node is active\n" +
        "  rgw 127.0.0.1:8088                        a prompt (help, tab completion, exit)\n" +
        "  rgw 127.0.0.1:8088 --help                 the node's palettes\n" +
        "The token (for failover, resync, edits, alarm actions) comes from --token or $RG_TOKEN.\n" +
        "Exit codes: 0 done, 1 the node refused or failed, 2 bad usage, 3 node unreachable.";

    public static async Task<int> RunAsync(string[] args, CliConsole console, Func<NodeAddress, string?, NodeConnection>? connect = null,
        CancellationToken cancellationToken = default)
    {
        var nodeArgument = new Argument<string>("node") { Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json");
        var token = new Option<string>("--token");
        var root = new RootCommand { nodeArgument, json, token };
        // Help belongs to the second stage (it lists the node's palettes); everything after the address goes there.
        foreach (var option in root.Options.Where(o => o is HelpOption or VersionOption).ToList()) root.Options.Remove(option);
        root.TreatUnmatchedTokensAsErrors = false;
        var first = root.Parse(args);
        var nodeText = first.GetValue(nodeArgument);
        var rest = first.UnmatchedTokens.ToList();

        if (nodeText is null || nodeText.StartsWith('-') || nodeText is "help")
        {
            var asked = args.Any(a => a is "--help" or "-h" or "-?" or "help");
            await (asked ? console.Out : console.Error).WriteLineAsync(Usage);
            return asked ? ExitCodes.Ok : ExitCodes.Usage;
        }
        if (!NodeAddress.TryParse(nodeText, out var address, out var addressError)) return await FailAsync(console, ExitCodes.Usage, addressError);

        var givenToken = first.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (TagWatch.IsWatch(rest) && rest.Skip(2).Any(w => w is not ("--help" or "-h" or "-?")))
        {
            // tags watch takes paths as words; with --peer rgw follows the pair itself, without it the node's palette streams.
            if (TagWatchRequest.Parse(rest.Skip(2).ToList(), out var watchError) is not { } watch) return await FailAsync(console, ExitCodes.Usage, watchError!);
            if (watch.Peer is not null) return await TagWatch.RunAsync(address, watch, givenToken, first.GetValue(json), console, cancellationToken);
            rest = watch.AsPaletteWords().ToList();
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        connect ??= (node, t) => new NodeConnection(http, node, t);
        var connection = connect(address, givenToken);
        try
        {
            var palettes = await connection.LoadAsync(cancellationToken);
            var tree = new CommandTree(palettes.Palettes);
            if (rest.Count == 0) return await new PromptSession(tree, connection, console).RunAsync(cancellationToken);

            var resolution = tree.Resolve(rest, first.GetValue(json));
            if (resolution.Help is { } help)
            {
                await console.Out.WriteAsync(help);
                return ExitCodes.Ok;
            }
            if (resolution.Error is { } error) return await FailAsync(console, ExitCodes.Usage, error);
            if (tree.TokenIn(rest) is { } laterToken) connection = connect(address, laterToken);
            return await RunWithCtrlCAsync(connection, resolution.Invocation!, console, cancellationToken);
        }
        catch (CliFailure failure)
        {
            return await FailAsync(console, failure.ExitCode, failure.Message);
        }
    }

    /// <summary>Runs one command; Ctrl+C ends a stream (exit 0) instead of killing the process mid-line.</summary>
    internal static async Task<int> RunWithCtrlCAsync(NodeConnection connection, Invocation invocation, CliConsole console, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            return await new CommandRunner(connection, console.Out, terminal: !console.OutputRedirected).RunAsync(invocation, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
            await console.Out.FlushAsync(CancellationToken.None);
        }
    }

    internal static async Task<int> FailAsync(CliConsole console, int exitCode, string message)
    {
        await console.Error.WriteLineAsync("error: " + message.ReplaceLineEndings(" "));
        return exitCode;
    }
}

/// <summary>The interactive prompt: <c>[host:port] rgw&gt; </c>, help, the palettes' commands, exit.</summary>
public sealed class PromptSession(CommandTree tree, NodeConnection connection, CliConsole console, ILineReader? reader = null)
{
    private readonly ILineReader _reader = reader ?? (console.InputRedirected
        ? new PlainLineReader(console.In, console.Out)
        : new ConsoleLineEditor(tree.Palettes));

    public string Prompt => $"[{connection.Node.Display}] rgw> ";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (!console.InputRedirected)
            await console.Out.WriteLineAsync($"connected to {connection.Node.Display}: {string.Join(", ", tree.Palettes.Select(p => p.Name))} (help, Tab, exit)");
        while (await _reader.ReadLineAsync(Prompt, cancellationToken) is { } line)
        {
            var text = line.Trim();
            if (text.Length == 0) continue;
            if (text is "exit" or "quit") break;
            var tokens = CommandLineParser.SplitCommandLine(text).ToList();
            var resolution = tree.Resolve(tokens);
            if (resolution.Help is { } help) await console.Out.WriteAsync(help);
            else if (resolution.Error is { } error) await RgwApp.FailAsync(console, ExitCodes.Usage, error);
            else
            {
                try { await RgwApp.RunWithCtrlCAsync(connection, resolution.Invocation!, console, cancellationToken); }
                catch (CliFailure failure) { await RgwApp.FailAsync(console, failure.ExitCode, failure.Message); }
            }
            await console.Error.FlushAsync(cancellationToken);
            await console.Out.FlushAsync(cancellationToken);
        }
        return ExitCodes.Ok;
    }
}
