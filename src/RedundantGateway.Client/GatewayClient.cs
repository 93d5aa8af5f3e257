using System.Net.Http.Json;
using System.Text;

namespace RedundantGateway.Client;

/// <summary>
/// One node's REST API, one method per endpoint. A client talks to one node (its base address); a tool that
/// follows the active node holds one per node and may share one <see cref="HttpClient"/> between them.
/// Errors: <see cref="GatewayException"/> when the node answers with a failure status (its code and message);
/// transport failures and timeouts surface as HttpClient raises them.
/// </summary>
public sealed class GatewayClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string? _apiToken;

    /// <summary>Uses <paramref name="http"/> (not disposed here) for the node at <paramref name="baseAddress"/>.</summary>
    /// <param name="apiToken">the node's API token (redundant-gateway.api.token), sent with every request as
    /// <c>Authorization: Bearer</c>; null: none (a node with a token then answers actions and edits with 401).</param>
    public GatewayClient(HttpClient http, Uri baseAddress, string? apiToken = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        BaseAddress = WithTrailingSlash(baseAddress);
        _apiToken = string.IsNullOrEmpty(apiToken) ? null : apiToken;
    }

    /// <summary>A client with its own <see cref="HttpClient"/>, disposed with it.</summary>
    public GatewayClient(Uri baseAddress, TimeSpan? timeout = null, string? apiToken = null)
        : this(new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(10) }, baseAddress, apiToken) => _ownsHttp = true;

    /// <summary>
    /// A client of both nodes of a pair that follows the active one (tag values, alarm changes, writes; see
    /// <see cref="GatewayPairClient"/>). Call <see cref="GatewayPairClient.StartAsync"/> to subscribe.
    /// </summary>
    public static GatewayPairClient ForPair(Uri first, Uri second, GatewayPairClientOptions? options = null, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(first, second, options, logger);

    /// <summary>The node's web address, e.g. http://host:8088/.</summary>
    public Uri BaseAddress { get; }

    public async Task<GwInfo> GetGwInfoAsync(CancellationToken cancellationToken = default) =>
        GwInfo.Parse((await SendAsync(HttpMethod.Get, GatewayRoutes.GwInfo, null, cancellationToken)).EnsureSuccess().Body);

    public Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        GetAsync<NodeStatus>(GatewayRoutes.Status, cancellationToken);

    /// <summary>The events log, newest first (the node's default limit when <paramref name="limit"/> is null).</summary>
    public Task<IReadOnlyList<RedundancyEventInfo>> GetEventsAsync(int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<RedundancyEventInfo>>(GatewayRoutes.Events(limit), cancellationToken);

    /// <summary>
    /// A page of the events log, newest first: those older than the event <paramref name="before"/> (the oldest id of
    /// the last page; null: from the newest), whose kind or reason contains <paramref name="text"/> (ignoring case).
    /// </summary>
    public Task<IReadOnlyList<RedundancyEventInfo>> GetEventsAsync(int? limit, long? before, string? text, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<RedundancyEventInfo>>(GatewayRoutes.Events(limit, before, text), cancellationToken);

    /// <summary>The changes this node applied after revision <paramref name="after"/>.</summary>
    public Task<IReadOnlyList<ConfigChangeInfo>> GetConfigChangesAsync(long? after = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<ConfigChangeInfo>>(GatewayRoutes.ConfigChanges(after, limit), cancellationToken);

    public Task<ConfigSnapshot> GetConfigAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ConfigSnapshot>(GatewayRoutes.Config, cancellationToken);

    /// <summary>One resource; a <see cref="GatewayException"/> with 404 when there is none at <paramref name="path"/>.</summary>
    public Task<ConfigResource> GetResourceAsync(string path, CancellationToken cancellationToken = default) =>
        GetAsync<ConfigResource>(GatewayRoutes.Resource(path), cancellationToken);

    /// <summary>Writes <paramref name="json"/> (any JSON value, sent as is) at <paramref name="path"/>; answers once it is stored.</summary>
    public Task<ConfigEditAnswer> PutResourceAsync(string path, string json, CancellationToken cancellationToken = default) =>
        SendForAsync<ConfigEditAnswer>(HttpMethod.Put, GatewayRoutes.Resource(path), JsonContent(json), cancellationToken);

    public Task<ConfigEditAnswer> DeleteResourceAsync(string path, CancellationToken cancellationToken = default) =>
        SendForAsync<ConfigEditAnswer>(HttpMethod.Delete, GatewayRoutes.Resource(path), null, cancellationToken);

    /// <summary>The current values of the tags under <paramref name="prefix"/> (empty on a node whose level runs none).</summary>
    public Task<TagList> GetTagsAsync(string? prefix = null, CancellationToken cancellationToken = default) =>
        GetAsync<TagList>(GatewayRoutes.Tags(prefix), cancellationToken);

    /// <summary>One tag's current value; a <see cref="GatewayException"/> with 404 when there is none.</summary>
    public Task<TagInfo> GetTagAsync(string path, CancellationToken cancellationToken = default) =>
        GetAsync<TagInfo>(GatewayRoutes.Tag(path), cancellationToken);

    /// <summary>The node's alarms, filtered by state (active, clear), priority (low ... critical) and id prefix.</summary>
    public Task<AlarmListAnswer> GetAlarmsAsync(string? state = null, string? priority = null, string? prefix = null, CancellationToken cancellationToken = default) =>
        GetAsync<AlarmListAnswer>(GatewayRoutes.AlarmList(state, priority, prefix), cancellationToken);

    /// <summary>Acknowledges an alarm; 409 (a <see cref="GatewayException"/>) on a node that is not active, or when there is nothing to acknowledge.</summary>
    public Task<AlarmCommandAnswer> AckAlarmAsync(string id, string by, string? note = null, CancellationToken cancellationToken = default) =>
        SendForAsync<AlarmCommandAnswer>(HttpMethod.Post, GatewayRoutes.AlarmAction(id, "ack"), Body(new AlarmAckRequest(by, note)), cancellationToken);

    /// <summary>Shelves an alarm for <paramref name="duration"/> from now.</summary>
    public Task<AlarmCommandAnswer> ShelveAlarmAsync(string id, string by, TimeSpan duration, CancellationToken cancellationToken = default) =>
        SendForAsync<AlarmCommandAnswer>(HttpMethod.Post, GatewayRoutes.AlarmAction(id, "shelve"), Body(new AlarmShelveRequest(by, duration.TotalMinutes)), cancellationToken);

    public Task<AlarmCommandAnswer> UnshelveAlarmAsync(string id, string by, CancellationToken cancellationToken = default) =>
        SendForAsync<AlarmCommandAnswer>(HttpMethod.Post, GatewayRoutes.AlarmAction(id, "unshelve"), Body(new AlarmUnshelveRequest(by)), cancellationToken);

    /// <summary>A tag's history in [from, to], reduced to at most <paramref name="maxPoints"/> when given; 400 (a <see cref="GatewayException"/>) for a bad query.</summary>
    public Task<HistoryAnswer> GetHistoryAsync(string tag, DateTimeOffset from, DateTimeOffset to, int? maxPoints = null, CancellationToken cancellationToken = default) =>
        GetAsync<HistoryAnswer>(GatewayRoutes.History(tag, from, to, maxPoints), cancellationToken);

    /// <summary>The samples the history database refused, with their reasons.</summary>
    public Task<HistoryQuarantineAnswer> GetHistoryQuarantineAsync(CancellationToken cancellationToken = default) =>
        GetAsync<HistoryQuarantineAnswer>(GatewayRoutes.HistoryQuarantine, cancellationToken);

    /// <summary>Puts every quarantined sample back in the cache to be written again.</summary>
    public Task<ActionAnswer> RetryHistoryQuarantineAsync(CancellationToken cancellationToken = default) =>
        SendForAsync<ActionAnswer>(HttpMethod.Post, GatewayRoutes.HistoryQuarantineRetry, null, cancellationToken);

    /// <summary>Moves the active role to the other node; refused (409, a <see cref="GatewayException"/>) when the peer is not connected.</summary>
    public Task<ActionAnswer> FailoverAsync(CancellationToken cancellationToken = default) =>
        SendForAsync<ActionAnswer>(HttpMethod.Post, GatewayRoutes.Failover, null, cancellationToken);

    /// <summary>Forces a full configuration transfer to the backup (202); 409 when there is no backup to re-sync.</summary>
    public Task<ActionAnswer> ResyncAsync(CancellationToken cancellationToken = default) =>
        SendForAsync<ActionAnswer>(HttpMethod.Post, GatewayRoutes.Resync, null, cancellationToken);

    /// <summary>
    /// Any request to the node, answered as sent: whatever the status, no exception but for transport failures.
    /// For tools that print the node's answer as is, and for bodies the typed methods do not send (e.g. chunked).
    /// </summary>
    public async Task<GatewayResponse> SendAsync(HttpMethod method, string route, HttpContent? content = null, CancellationToken cancellationToken = default)
    {
        using var request = Request(method, route, content);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new GatewayResponse((int)response.StatusCode, body);
    }

    /// <summary>The token goes on each request, not on the HttpClient: a shared HttpClient may serve several nodes.</summary>
    private HttpRequestMessage Request(HttpMethod method, string route, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress, route)) { Content = content };
        if (_apiToken is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _apiToken);
        return request;
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private Task<T> GetAsync<T>(string route, CancellationToken cancellationToken) =>
        SendForAsync<T>(HttpMethod.Get, route, null, cancellationToken);

    /// <summary>Success bodies are read from the stream (a configuration can be tens of MB); error bodies as text, for the exception.</summary>
    private async Task<T> SendForAsync<T>(HttpMethod method, string route, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = Request(method, route, content);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            new GatewayResponse((int)response.StatusCode, body).EnsureSuccess();
        }
        return await response.Content.ReadFromJsonAsync<T>(ContractJson.Options, cancellationToken).ConfigureAwait(false)
               ?? throw new System.Text.Json.JsonException($"{route} answered null, expected {typeof(T).Name}");
    }

    private static StringContent Body<T>(T request) => JsonContent(System.Text.Json.JsonSerializer.Serialize(request, ContractJson.Options));

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static Uri WithTrailingSlash(Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (!baseAddress.IsAbsoluteUri) throw new ArgumentException($"the node's base address must be absolute: {baseAddress}", nameof(baseAddress));
        return baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
    }
}
