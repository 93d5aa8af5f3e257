using System.Globalization;
using System.Text.Json;
using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>Runs an invocation against the node in its palette's mode and writes its output.</summary>
public sealed class CommandRunner(NodeConnection node, TextWriter output, bool terminal)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The exit code; failures are thrown as <see cref="CliFailure"/>. Cancellation (Ctrl+C) ends a stream with 0.</summary>
    public async Task<int> RunAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            return invocation.Command.Mode switch
            {
                CliModes.Poll => await PollAsync(invocation, cancellationToken),
                CliModes.Stream => await StreamAsync(invocation, cancellationToken),
                CliModes.Transfer => await new TransferFollower(node, output, terminal).RunAsync(invocation, cancellationToken),
                _ => await RequestAsync(invocation, cancellationToken),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
    }

    private async Task<int> RequestAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        using var request = RequestBuilder.Build(invocation, node.Token);
        var (status, body) = await node.SendAsync(request, cancellationToken);
        NodeConnection.EnsureSuccess(status, body);
        if (!TryParse(body, out var answer))
        {
            await output.WriteLineAsync(body.TrimEnd());
            return ExitCodes.Ok;
        }
        using (answer)
        {
            await output.WriteAsync(invocation.Json ? body.TrimEnd() + "\n" : AnswerFormatter.Format(answer.RootElement, invocation.Command.Output));
            // An action the node answered with 2xx but did not accept is still a failure for a script.
            return answer.RootElement.ValueKind == JsonValueKind.Object
                   && answer.RootElement.TryGetProperty("accepted", out var accepted) && accepted.ValueKind == JsonValueKind.False
                ? ExitCodes.Failed
                : ExitCodes.Ok;
        }
    }

    /// <summary>Poll mode: the recent rows, then every second the rows not seen before (the node lists newest first).</summary>
    private async Task<int> PollAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        var outputSpec = invocation.Command.Output;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var first = true;
        while (true)
        {
            // Every call asks for more rows than the start shows: a burst between two polls is not lost, and the first
            // call marks the older rows as seen (shown: the newest `limit` of them).
            using var request = RequestBuilder.Build(invocation, node.Token, new Dictionary<string, string> { ["limit"] = PollWindow.ToString(CultureInfo.InvariantCulture) });
            var (status, body) = await node.SendAsync(request, cancellationToken);
            NodeConnection.EnsureSuccess(status, body);
            if (!TryParse(body, out var answer)) throw new CliFailure(ExitCodes.Failed, "the node's answer is not JSON");
            using (answer)
            {
                var rows = AnswerFormatter.Rows(answer.RootElement, outputSpec) ?? [];
                var fresh = rows.Reverse().Where(row => seen.Add(KeyOf(row, outputSpec?.Key))).ToList();
                if (first) fresh = fresh.TakeLast(StartRows(invocation)).ToList();
                // Rows that left the window never come back: the set stays as small as the window.
                seen.IntersectWith(rows.Select(row => KeyOf(row, outputSpec?.Key)));
                if (invocation.Json)
                    foreach (var row in fresh) await output.WriteLineAsync(row.GetRawText());
                else if (first)
                    await output.WriteAsync(AnswerFormatter.Table(fresh, outputSpec?.Columns, null));
                else
                    foreach (var row in fresh) await output.WriteLineAsync(string.Join("  ", AnswerFormatter.Row(row, outputSpec?.Columns ?? ["value"])));
            }
            await output.FlushAsync(cancellationToken);
            first = false;
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Stream mode: Server-Sent Events, one output line (or table) per event, until the node ends the stream.</summary>
    private async Task<int> StreamAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        using var request = RequestBuilder.Build(invocation, node.Token);
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await node.OpenAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            NodeConnection.EnsureSuccess(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string eventName = "message";
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal)) eventName = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Add(line[5..].TrimStart());
            else if (line.Length == 0 && data.Count > 0)
            {
                // A heartbeat only says the node is there (the stream's silence detector): nothing to show.
                if (eventName != "heartbeat")
                {
                    await WriteEventAsync(invocation, eventName, string.Join('\n', data));
                    await output.FlushAsync(cancellationToken);
                }
                if (eventName == "end") return ExitCodes.Ok;
                eventName = "message";
                data.Clear();
            }
        }
        return ExitCodes.Ok;
    }

    private async Task WriteEventAsync(Invocation invocation, string eventName, string data)
    {
        if (invocation.Json)
        {
            await output.WriteLineAsync($"{{\"event\":{JsonSerializer.Serialize(eventName)},\"data\":{RequestBuilder.AsJsonValue(data)}}}");
            return;
        }
        if (!TryParse(data, out var document))
        {
            await output.WriteLineAsync($"{eventName}: {data}");
            return;
        }
        using (document)
        {
            var root = document.RootElement;
            var columns = invocation.Command.Output?.Columns;
            var array = root.ValueKind == JsonValueKind.Object ? root.EnumerateObject().FirstOrDefault(p => p.Value.ValueKind == JsonValueKind.Array) : default;
            if (array.Value.ValueKind == JsonValueKind.Array)
            {
                var scalars = root.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Array).Select(p => $"{p.Name}={AnswerFormatter.Cell(p.Value)}");
                await output.WriteLineAsync($"{eventName}: {string.Join(" ", scalars)}");
                await output.WriteAsync(AnswerFormatter.Table(array.Value.EnumerateArray().ToList(), columns, null));
            }
            else if (columns is { Count: > 0 } && root.ValueKind == JsonValueKind.Object && columns.All(c => root.TryGetProperty(c, out _)))
                await output.WriteLineAsync(string.Join("  ", AnswerFormatter.Row(root, columns)));
            else if (root.ValueKind == JsonValueKind.Object)
                await output.WriteLineAsync($"{eventName}: {string.Join(" ", root.EnumerateObject().Select(p => $"{p.Name}={AnswerFormatter.Cell(p.Value)}"))}");
            else
                await output.WriteLineAsync($"{eventName}: {AnswerFormatter.Cell(root)}");
        }
    }

    private const int PollWindow = 100;

    private static int StartRows(Invocation invocation) =>
        invocation.Values.TryGetValue("limit", out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? Math.Min(n, PollWindow)
            : 10;

    private static string KeyOf(JsonElement row, string? key)
    {
        if (key is null || row.ValueKind != JsonValueKind.Object) return row.GetRawText();
        return string.Join('\u001f', key.Split(',').Select(k => row.TryGetProperty(k.Trim(), out var v) ? v.GetRawText() : ""));
    }

    internal static bool TryParse(string body, out JsonDocument document)
    {
        try
        {
            document = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            document = null!;
            return false;
        }
    }
}
