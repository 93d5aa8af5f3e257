namespace RedundantGateway.Client;

/// <summary>
/// The node answered, but not with success: its status code and its one-line message (the <c>message</c> field of
/// its JSON body; else the first line of the body). Not for transport failures: those stay
/// <see cref="HttpRequestException"/> / <see cref="TaskCanceledException"/>, so a failover client can tell
/// "the node said no" from "the node is not there".
/// </summary>
public sealed class GatewayException(int statusCode, string serverMessage, string body)
    : Exception($"{statusCode}: {serverMessage}")
{
    public int StatusCode { get; } = statusCode;

    /// <summary>The node's one-line message.</summary>
    public string ServerMessage { get; } = serverMessage;

    /// <summary>The whole body, as sent.</summary>
    public string Body { get; } = body;
}
