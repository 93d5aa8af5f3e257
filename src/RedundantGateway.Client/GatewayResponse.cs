using System.Text.Json;

namespace RedundantGateway.Client;

/// <summary>An answer as the node sent it: status code and body text. For tools that show the node's JSON as is.</summary>
public sealed record GatewayResponse(int StatusCode, string Body)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>The body's <c>message</c> field (errors and actions have one), or null.</summary>
    public string? Message => TryRead<MessageOnly>()?.Message;

    /// <summary>The body as a contract record; <see cref="JsonException"/> when it is not one.</summary>
    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, ContractJson.Options) ?? throw new JsonException($"the body is null, expected {typeof(T).Name}");

    /// <summary>The body as a contract record, or null when it is not JSON of that shape.</summary>
    public T? TryRead<T>() where T : class
    {
        try { return JsonSerializer.Deserialize<T>(Body, ContractJson.Options); }
        catch (JsonException) { return null; }
    }

    /// <summary>Throws <see cref="GatewayException"/> unless the status is a success.</summary>
    public GatewayResponse EnsureSuccess() =>
        IsSuccess ? this : throw new GatewayException(StatusCode, Message ?? FirstLine(Body), Body);

    internal static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    // Any JSON object: only its message matters here (an ErrorBody requires it, an ActionAnswer has more).
    private sealed record MessageOnly(string? Message);
}
