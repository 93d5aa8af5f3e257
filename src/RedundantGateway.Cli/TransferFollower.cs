using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace RedundantGateway.Cli;

/// <summary>
/// Transfer mode (redundancy resync): asks for the transfer, then follows the backup's status with a bar (a terminal)
/// or a line per stage (redirected output) until its runtime restarted.
/// </summary>
public sealed class TransferFollower(NodeConnection node, TextWriter output, bool terminal)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public async Task<int> RunAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        var watched = node;
        if (invocation.Values.TryGetValue("backup", out var backup))
        {
            if (!NodeAddress.TryParse(backup, out var address, out var error)) throw new CliFailure(ExitCodes.Usage, error);
            watched = new NodeConnection(node.Http, address, node.Token);
        }
        var timeout = TimeSpan.FromSeconds(invocation.Values.TryGetValue("timeout", out var seconds)
            && double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 120);
        var watchRoute = invocation.Command.Output?.Watch ?? "api/redundancy";

        var before = await SnapshotAsync(watched, watchRoute, cancellationToken);
        using (var request = RequestBuilder.Build(invocation, node.Token))
        {
            var (status, body) = await node.SendAsync(request, cancellationToken);
            NodeConnection.EnsureSuccess(status, body);
            await output.WriteLineAsync(invocation.Json ? body.Trim() : NodeConnection.MessageOf(body) ?? "re-sync requested");
        }
        if (before.Role == "master" && watched == node && !invocation.Json)
            await output.WriteLineAsync("(the master does not see the backup's transfer: --backup HOST:PORT follows it with bytes and rate)");

        var clock = Stopwatch.StartNew();
        var lastStage = "";
        while (true)
        {
            await Task.Delay(PollInterval, cancellationToken);
            var now = await SnapshotAsync(watched, watchRoute, cancellationToken);
            var progress = TransferRules.Judge(before, now);
            if (!invocation.Json)
            {
                var line = TransferRules.Bar(progress, clock.Elapsed);
                if (terminal) await output.WriteAsync("\r" + line + "   ");
                else if (progress.Stage != lastStage) await output.WriteLineAsync("resync: " + line);
                await output.FlushAsync(cancellationToken);
            }
            lastStage = progress.Stage;
            if (progress.Done)
            {
                if (terminal && !invocation.Json) await output.WriteLineAsync();
                if (invocation.Json)
                    await output.WriteLineAsync(JsonSerializer.Serialize(new { done = true, stage = progress.Stage, bytes = progress.Bytes, bytesPerSecond = progress.BytesPerSecond, seconds = clock.Elapsed.TotalSeconds }));
                return ExitCodes.Ok;
            }
            if (clock.Elapsed > timeout)
            {
                if (terminal && !invocation.Json) await output.WriteLineAsync();
                throw new CliFailure(ExitCodes.Failed, $"the re-sync did not finish within {timeout.TotalSeconds:0} s (last stage: {progress.Stage}; state {now.State})");
            }
        }
    }

    private static async Task<TransferSnapshot> SnapshotAsync(NodeConnection watched, string route, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, route);
        var (status, body) = await watched.SendAsync(request, cancellationToken);
        NodeConnection.EnsureSuccess(status, body);
        if (!CommandRunner.TryParse(body, out var document)) throw new CliFailure(ExitCodes.Failed, $"{watched.Node.Display}'s status is not JSON");
        using (document) return TransferSnapshot.Read(document.RootElement);
    }
}
