using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RedundantGateway.Pair.Tests.PairHarness;

public sealed record PeerInfo(string? NodeName, string? Address, string? State, double? Phi, double? RoundTripMs, double? LastHeardMsAgo);

public sealed record SubsystemInfo(string Name, string Level, int Transitions);

/// <summary>GET /api/redundancy.</summary>
public sealed record NodeStatus(
    string NodeName,
    string Role,
    string ActivityLevel,
    bool PeerConnected,
    long Epoch,
    string? ActiveNode,
    int SoftRestarts,
    PeerInfo? Peer,
    IReadOnlyList<SubsystemInfo>? Subsystems)
{
    public bool IsActive => ActivityLevel == "active";

    public override string ToString() =>
        $"{NodeName}: role={Role} level={ActivityLevel} peerConnected={PeerConnected} epoch={Epoch} activeNode={ActiveNode ?? "-"} " +
        $"softRestarts={SoftRestarts} peer={Peer?.State ?? "-"} phi={Peer?.Phi} lastHeard={Peer?.LastHeardMsAgo}ms";
}

/// <summary>One entry of GET /api/redundancy/events.</summary>
public sealed record RedundancyEventInfo(DateTimeOffset Time, string Kind, string? Reason, long Epoch, string? Level, double? DetectionMs, double? SwitchMs)
{
    public override string ToString() =>
        $"{Time:HH:mm:ss.fff} {Kind} level={Level} epoch={Epoch} detection={DetectionMs} switch={SwitchMs}: {Reason}";
}

/// <summary>A node's web surface, every call answering null (or a status code) rather than throwing.</summary>
public sealed class NodeApi : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    public NodeApi(int webPort)
    {
        var handler = new SocketsHttpHandler
        {
            // Nodes restart on the same port: never reuse a connection for long.
            PooledConnectionLifetime = TimeSpan.FromSeconds(2),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{webPort}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The status, or null when the node does not answer, is restarting (503) or answers garbage.</summary>
    public async Task<NodeStatus?> GetStatusAsync()
    {
        try
        {
            using var response = await _http.GetAsync("/api/redundancy");
            if (response.StatusCode != HttpStatusCode.OK) return null;
            return await response.Content.ReadFromJsonAsync<NodeStatus>(Json);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>/system/gwinfo as key/value pairs, or null.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> GetGwInfoAsync()
    {
        try
        {
            var text = await _http.GetStringAsync("/system/gwinfo");
            return text.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>The events, newest first, or null.</summary>
    public async Task<IReadOnlyList<RedundancyEventInfo>?> GetEventsAsync(int limit = 1000)
    {
        try
        {
            using var response = await _http.GetAsync($"/api/redundancy/events?limit={limit}");
            if (response.StatusCode != HttpStatusCode.OK) return null;
            return await response.Content.ReadFromJsonAsync<List<RedundancyEventInfo>>(Json);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>POST /api/redundancy/failover: the status code and body, or (0, error) when it did not answer.</summary>
    public async Task<(int Status, string Body)> PostFailoverAsync()
    {
        try
        {
            using var response = await _http.PostAsync("/api/redundancy/failover", null);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (0, e.Message);
        }
    }

    public void Dispose() => _http.Dispose();
}
