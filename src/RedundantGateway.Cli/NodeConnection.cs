using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>Where the palettes come from: the node (GET /api/cli/palettes), or a test's fixed list.</summary>
public interface IPaletteSource
{
    Task<CliPaletteList> LoadAsync(CancellationToken cancellationToken);
}

/// <summary>One node's web surface as rgw uses it: the palettes, and a call whose failures become one line.</summary>
public sealed class NodeConnection(HttpClient http, NodeAddress node, string? token) : IPaletteSource
{
    public const string PalettesRoute = "api/cli/palettes";

    // The contract's conventions (camelCase, case-insensitive reading); fields rgw does not know are ignored.
    private static readonly JsonSerializerOptions PaletteJson = ReadOnly(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public NodeAddress Node { get; } = node;
    public string? Token { get; } = token;
    public HttpClient Http { get; } = http;

    public async Task<CliPaletteList> LoadAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, PalettesRoute);
        var (status, body) = await SendAsync(request, cancellationToken);
        if (status == HttpStatusCode.NotFound)
            throw new CliFailure(ExitCodes.Unreachable, $"{Node.Display} publishes no rgw palettes (GET /{PalettesRoute}: 404): is it a redundant gateway node of this version?");
        EnsureSuccess(status, body);
        try
        {
            return JsonSerializer.Deserialize<CliPaletteList>(body, PaletteJson)
                   ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new CliFailure(ExitCodes.Unreachable, $"{Node.Display} answered palettes rgw cannot read: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>Sends <paramref name="request"/> and reads the whole answer; an unreachable node is a <see cref="CliFailure"/>.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.RequestUri = new Uri(Node.BaseAddress, request.RequestUri!);
        try
        {
            using var response = await Http.SendAsync(request, cancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (Unreachable(e, cancellationToken) is { } failure) { throw failure; }
    }

    /// <summary>Sends and returns the response with only its headers read (streams).</summary>
    public async Task<HttpResponseMessage> OpenAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.RequestUri = new Uri(Node.BaseAddress, request.RequestUri!);
        try { return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken); }
        catch (Exception e) when (Unreachable(e, cancellationToken) is { } failure) { throw failure; }
    }

    /// <summary>A failure status as one line: the node's own message when its body has one.</summary>
    public static void EnsureSuccess(HttpStatusCode status, string body)
    {
        if ((int)status is >= 200 and < 300) return;
        throw new CliFailure(ExitCodes.Failed, $"{MessageOf(body) ?? status.ToString()} (HTTP {(int)status})");
    }

    public static string? MessageOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                foreach (var name in new[] { "message", "error", "title" })
                    if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                        return value.GetString()!.ReplaceLineEndings(" ");
        }
        catch (JsonException) { }
        var line = body.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? null : line.Length > 200 ? line[..200] + "…" : line;
    }

    private CliFailure? Unreachable(Exception e, CancellationToken cancellationToken)
    {
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) return null;
        var reason = e switch
        {
            TaskCanceledException or TimeoutException => $"no answer within {Http.Timeout.TotalSeconds:0} s",
            HttpRequestException { InnerException: SocketException socket } => socket.Message,
            HttpRequestException http => http.Message,
            _ => null,
        };
        return reason is null ? null : new CliFailure(ExitCodes.Unreachable, $"cannot reach the node at {Node.Display}: {reason}");
    }
}
