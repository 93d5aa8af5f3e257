using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>What a node served: GET /api/config and the config object of GET /api/redundancy.</summary>
public sealed record NodeConfig(ConfigView Config, ConfigSyncInfo Sync);

/// <summary>GET /api/config: resources as their (canonical) JSON text.</summary>
public sealed record ConfigView(string? Identity, long Revision, string Digest, int Count, IReadOnlyDictionary<string, string> Resources)
{
    public static ConfigView From(ConfigSnapshot snapshot) =>
        new(snapshot.Identity, snapshot.Revision, snapshot.Digest, snapshot.Count, snapshot.Resources);

    public bool SameAs(ConfigView other) =>
        Identity == other.Identity && Revision == other.Revision && Digest == other.Digest && Count == other.Count
        && Resources.Count == other.Resources.Count
        && Resources.All(r => other.Resources.TryGetValue(r.Key, out var value) && value == r.Value);

    public string Summary => $"identity {Identity ?? "-"} revision {Revision} digest {(Digest.Length > 12 ? Digest[..12] : Digest)} ({Count} resources)";
}

/// <summary>The config object of GET /api/redundancy, with the node's softRestarts beside it.</summary>
public sealed record ConfigSyncInfo(ConfigReplicationStatus Status, int NodeRebuilds)
{
    public string? Identity => Status.Identity;
    public long Revision => Status.Revision;
    public string Digest => Status.Digest;
    public string State => Status.State;
    public long? PeerRevision => Status.PeerRevision;
    public DateTimeOffset? LastPullAt => Status.LastPullAt;
    public int QueueLength => Status.QueueLength;
    public long? QueueOldestRevision => Status.QueueOldestRevision;
    public int Modules => Status.Modules;
    public string ModulesDigest => Status.ModulesDigest;
    public int Transfers => Status.Transfers;
    public ConfigTransfer? LastTransfer => Status.LastTransfer;

    public override string ToString() =>
        $"state={State} revision={Revision} digest={(Digest.Length > 12 ? Digest[..12] : Digest)} peerRevision={PeerRevision} lastPull={LastPullAt:HH:mm:ss.fff} " +
        $"queue={QueueLength}@{QueueOldestRevision} modules={Modules} transfers={Transfers} last={LastTransfer?.Kind}:{LastTransfer?.Reason} softRestarts={NodeRebuilds}";
}

/// <summary>An answer: status code (0: no answer) and body, with the message and revision the body carries.</summary>
public sealed record HttpAnswer(int Status, string Body)
{
    private GatewayResponse Response => new(Status, Body);

    public string? Message => Response.Message;
    public long? Revision => Response.TryRead<ConfigEditAnswer>()?.Revision;

    public override string ToString() => $"{Status} {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}

/// <summary>A body sent without Content-Length (chunked).</summary>
internal sealed class ChunkedContent(byte[] data) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(data).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>The config REST surface of a node through <see cref="GatewayClient"/>; reads answer null when the node does not answer (or answers 503).</summary>
internal static class ConfigHttp
{
    // Shared by the clients of every node (one per call: they hold no state of their own).
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        // Nodes restart on the same port: never reuse a connection for long.
        PooledConnectionLifetime = TimeSpan.FromSeconds(2),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    }) { Timeout = TimeSpan.FromSeconds(10) };

    private static GatewayClient Client(NodeProcess node) => new(Http, new Uri($"http://127.0.0.1:{node.Spec!.WebPort}"));

    public static async Task<HttpAnswer> SendAsync(NodeProcess node, HttpMethod method, string route, HttpContent? content = null)
    {
        try
        {
            var answer = await Client(node).SendAsync(method, route, content);
            return new HttpAnswer(answer.StatusCode, answer.Body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new HttpAnswer(0, $"{e.GetType().Name}: {e.Message}");
        }
    }

    // Sent raw (not PutResourceAsync): the tests read the status and body of refusals as well as of successes.
    public static Task<HttpAnswer> PutAsync(NodeProcess node, string path, string body) =>
        SendAsync(node, HttpMethod.Put, GatewayRoutes.Resource(path), new StringContent(body, Encoding.UTF8, "application/json"));

    public static Task<HttpAnswer> DeleteAsync(NodeProcess node, string path) =>
        SendAsync(node, HttpMethod.Delete, GatewayRoutes.Resource(path));

    public static async Task<ConfigView?> GetConfigAsync(NodeProcess node) =>
        await OrNull(ct => Client(node).GetConfigAsync(ct)) is { } snapshot ? ConfigView.From(snapshot) : null;

    public static async Task<ConfigSyncInfo?> GetSyncAsync(NodeProcess node) =>
        await OrNull(ct => Client(node).GetStatusAsync(ct)) is { Config: { } config } status ? new ConfigSyncInfo(config, status.Rebuilds) : null;

    public static Task<IReadOnlyList<ConfigChangeInfo>?> GetChangesAsync(NodeProcess node, long after) =>
        OrNull(ct => Client(node).GetConfigChangesAsync(after, 100_000, ct));

    private static async Task<T?> OrNull<T>(Func<CancellationToken, Task<T>> call) where T : class
    {
        try { return await call(CancellationToken.None); }
        catch (Exception e) when (e is GatewayException or HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return null;
        }
    }
}
