using System.Text.Json;
using RedundantGateway.Client;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>A node's web surface through <see cref="GatewayClient"/>, every call answering null (or a status code) rather than throwing.</summary>
public sealed class NodeApi : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="apiToken">sent with every request when the node has one (redundant-gateway.api.token).</param>
    public NodeApi(int webPort, string? apiToken = null)
    {
        var handler = new SocketsHttpHandler
        {
            // Nodes restart on the same port: never reuse a connection for long.
            PooledConnectionLifetime = TimeSpan.FromSeconds(2),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        Client = new GatewayClient(_http, new Uri($"http://127.0.0.1:{webPort}"), apiToken);
    }

    public GatewayClient Client { get; }

    /// <summary>The status, or null when the node does not answer, is restarting (503) or answers garbage.</summary>
    public Task<NodeStatus?> GetStatusAsync() => OrNull(ct => Client.GetStatusAsync(ct));

    /// <summary>/system/gwinfo as key/value pairs, or null.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> GetGwInfoAsync() =>
        (await OrNull(ct => Client.GetGwInfoAsync(ct)))?.Fields().ToDictionary(f => f.Key, f => f.Value);

    /// <summary>The events, newest first, or null.</summary>
    public Task<IReadOnlyList<RedundancyEventInfo>?> GetEventsAsync(int limit = 1000) => OrNull(ct => Client.GetEventsAsync(limit, ct));

    /// <summary>The tags under <paramref name="prefix"/>, or null.</summary>
    public Task<TagList?> GetTagsAsync(string? prefix = null) => OrNull(ct => Client.GetTagsAsync(prefix, ct));

    /// <summary>POST /api/redundancy/failover: the status code and body, or (0, error) when it did not answer.</summary>
    public async Task<(int Status, string Body)> PostFailoverAsync()
    {
        try
        {
            var answer = await Client.SendAsync(HttpMethod.Post, GatewayRoutes.Failover);
            return (answer.StatusCode, answer.Body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (0, e.Message);
        }
    }

    private static async Task<T?> OrNull<T>(Func<CancellationToken, Task<T>> call) where T : class
    {
        try { return await call(CancellationToken.None); }
        catch (Exception e) when (e is GatewayException or HttpRequestException or TaskCanceledException or JsonException or IOException or FormatException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        _http.Dispose();
    }
}
