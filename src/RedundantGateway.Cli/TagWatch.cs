using System.Globalization;
using System.Text.Json;
using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>What <c>tags watch</c> was asked: the tags (paths and/or a prefix), and the pair's other node (--peer), if any.</summary>
public sealed record TagWatchRequest(IReadOnlyList<string> Paths, string? Prefix, string? Peer)
{
    /// <summary>
    /// Reads the words after <c>tags watch</c>: paths (positional, or --paths a,b), --prefix/-p, --peer HOST:PORT.
    /// Null and a one-line error for anything else.
    /// </summary>
    public static TagWatchRequest? Parse(IReadOnlyList<string> words, out string? error)
    {
        string? failure = null;
        var paths = new List<string>();
        string? prefix = null, peer = null;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            string? Next()
            {
                if (i + 1 < words.Count && !words[i + 1].StartsWith('-')) return words[++i];
                return null;
            }
            switch (word)
            {
                case "--peer":
                    peer = Next() ?? Fail("--peer needs the other node's address, e.g. --peer 127.0.0.1:8089");
                    break;
                case "--prefix" or "-p":
                    prefix = Next() ?? Fail("--prefix needs a tag path prefix, e.g. --prefix projects/demo/tags/line1/");
                    break;
                case "--paths":
                    paths.AddRange((Next() ?? Fail("--paths needs tag paths, comma separated") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                default:
                    if (word.StartsWith('-')) Fail($"tags watch has no option '{word}' (paths, --prefix, --paths, --peer)");
                    else paths.Add(word);
                    break;
            }
            if (failure is not null) break;
        }
        error = failure;
        return failure is null ? new TagWatchRequest(paths, prefix, peer) : null;

        string? Fail(string message)
        {
            failure ??= message;
            return null;
        }
    }

    /// <summary>The same request as the node's tags watch palette takes it (one node, no peer): --prefix and --paths a,b.</summary>
    public IReadOnlyList<string> AsPaletteWords()
    {
        var words = new List<string> { "tags", "watch" };
        if (Prefix is not null) words.AddRange(["--prefix", Prefix]);
        if (Paths.Count > 0) words.AddRange(["--paths", string.Join(',', Paths)]);
        return words;
    }
}

/// <summary>
/// <c>rgw HOST:PORT tags watch PATHS... --peer HOST:PORT</c>: the tags' values through <see cref="GatewayPairClient"/>, which
/// follows the pair's active node; one line per value, and a line with "transferred" each time it moves.
/// </summary>
public static class TagWatch
{
    /// <summary>How long rgw looks for an active node at start before it gives up.</summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(30);

    /// <summary>After this long without an active node rgw says it is still looking.</summary>
    private static readonly TimeSpan SlowStart = TimeSpan.FromSeconds(2);

    /// <summary>Whether the words are a tags watch rgw runs itself: one with a peer (without, the node's palette runs it).</summary>
    public static bool IsPairWatch(IReadOnlyList<string> rest) =>
        rest.Count >= 2 && rest[0] == "tags" && rest[1] == "watch" && rest.Contains("--peer");

    public static bool IsWatch(IReadOnlyList<string> rest) => rest.Count >= 2 && rest[0] == "tags" && rest[1] == "watch";

    public static async Task<int> RunAsync(NodeAddress first, TagWatchRequest request, string? token, bool json, CliConsole console, CancellationToken cancellationToken)
    {
        if (!NodeAddress.TryParse(request.Peer!, out var peer, out var peerError)) return await RgwApp.FailAsync(console, ExitCodes.Usage, peerError);
        var output = TextWriter.Synchronized(console.Out);
        await using var pair = GatewayClient.ForPair(first.BaseAddress, peer.BaseAddress, new GatewayPairClientOptions { ApiToken = token });
        pair.ValueReceived += (_, e) => WriteLine(output, json ? ValueJson(e.Value, e.Replayed) : ValueLine(e.Value, e.Replayed));
        pair.Transferred += (_, e) => WriteLine(output, json ? TransferJson(e) : TransferLine(e));
        pair.NodeLost += (_, e) => WriteLine(console.Error, $"--- lost {e.Node}: {e.Reason}; looking for the active node");

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            using (var starting = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token))
            {
                starting.CancelAfter(StartWait);
                var started = pair.StartAsync(new PairSubscription(request.Prefix, request.Paths), starting.Token);
                // Quiet while it finds the active node at once (the first line is then the snapshot's value); else say why it waits.
                if (await Task.WhenAny(started, Task.Delay(SlowStart, cancel.Token)) != started)
                    WriteLine(console.Error, $"looking for the active node at {first.Display} and {peer.Display} (up to {StartWait.TotalSeconds:0} s)...");
                try { await started; }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    return await RgwApp.FailAsync(console, ExitCodes.Unreachable,
                        $"no active node at {first.Display} or {peer.Display} within {StartWait.TotalSeconds:0} s");
                }
            }
            WriteLine(console.Error, $"following the pair {first.Display} / {peer.Display}: streaming from {pair.ActiveNode} (Ctrl+C ends)");
            await Task.Delay(Timeout.Infinite, cancel.Token);
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
            await output.FlushAsync(CancellationToken.None);
        }
    }

    /// <summary>path  value  quality  time (UTC), and "(replayed)" for a value read back after a move.</summary>
    public static string ValueLine(TagInfo tag, bool replayed) =>
        $"{tag.Path}  {ValueText(tag.Value)}  {tag.Quality}  {Time(tag.T)}{(replayed ? "  (replayed)" : "")}";

    public static string TransferLine(TransferredEventArgs e) => $"*** {e} ***";

    public static string ValueJson(TagInfo tag, bool replayed) =>
        JsonSerializer.Serialize(new { path = tag.Path, value = tag.Value, quality = tag.Quality, t = Time(tag.T), replayed });

    public static string TransferJson(TransferredEventArgs e) =>
        JsonSerializer.Serialize(new { transferred = new { from = e.From.ToString(), to = e.To.ToString(), reason = e.Reason, gapMs = Math.Round(e.Gap.TotalMilliseconds) } });

    private static string ValueText(JsonElement? value) => value is not { } v ? "null" : v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();

    private static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteLine(TextWriter writer, string line)
    {
        writer.WriteLine(line);
        writer.Flush();
    }
}
