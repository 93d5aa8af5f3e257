using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace RedundantGateway.Client;

/// <summary>
/// One node's SignalR hub (<see cref="GatewayRoutes.TagHub"/>): the live stream as typed <see cref="TagStreamItem"/>s
/// and alarm acknowledgements. Like <see cref="GatewayClient"/> it talks to one node; following the active node
/// is the caller's (a stream ends, with its level, when its node stops being active).
/// Connect with <see cref="ConnectAsync"/> before streaming; dispose to close the connection.
/// </summary>
public sealed class TagStreamClient : IAsyncDisposable
{
    private readonly HubConnection _connection;

    /// <param name="apiToken">the node's API token (redundant-gateway.api.token), needed for Ack, Shelve and Unshelve when
    /// the node has one; sent as SignalR sends tokens (a bearer header, or the access_token query value on a WebSocket).</param>
    public TagStreamClient(Uri baseAddress, string? apiToken = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (!baseAddress.IsAbsoluteUri) throw new ArgumentException($"the node's base address must be absolute: {baseAddress}", nameof(baseAddress));
        var root = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        HubAddress = new Uri(root, GatewayRoutes.TagHub);
        _connection = new HubConnectionBuilder()
            .WithUrl(HubAddress, options =>
            {
                if (!string.IsNullOrEmpty(apiToken)) options.AccessTokenProvider = () => Task.FromResult<string?>(apiToken);
            })
            // The node writes the payloads with the contract's options: read them with the same ones.
            .AddJsonProtocol(o => o.PayloadSerializerOptions = ContractJson.Options)
            .Build();
    }

    /// <summary>The hub's address, e.g. http://host:8088/hubs/tags.</summary>
    public Uri HubAddress { get; }

    public HubConnectionState State => _connection.State;

    public Task ConnectAsync(CancellationToken cancellationToken = default) => _connection.StartAsync(cancellationToken);

    /// <summary>
    /// Subscribes to the tags under <paramref name="prefix"/> and/or the given <paramref name="paths"/> (neither: all):
    /// a snapshot, then changes (coalesced to the latest value per tag when this reader is slow) and level changes.
    /// On a node that runs no provider (cold, undecided) the snapshot says its level and the stream completes.
    /// Cancel <paramref name="cancellationToken"/> to unsubscribe.
    /// </summary>
    public IAsyncEnumerable<TagStreamItem> StreamAsync(string? prefix = null, IReadOnlyList<string>? paths = null, CancellationToken cancellationToken = default) =>
        _connection.StreamAsync<TagStreamItem>("Stream", prefix, paths?.ToArray(), cancellationToken);

    /// <summary>Acknowledges an alarm; on a node that is not active it is refused (409) with the REST API's one-line reason.</summary>
    public Task<AlarmHubAnswer> AckAsync(string id, string by, string? note = null, CancellationToken cancellationToken = default) =>
        _connection.InvokeAsync<AlarmHubAnswer>("Ack", id, by, note, cancellationToken);

    /// <summary>Shelves an alarm for <paramref name="duration"/>; refused on a node that is not active, as <see cref="AckAsync"/>.</summary>
    public Task<AlarmHubAnswer> ShelveAsync(string id, string by, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _connection.InvokeAsync<AlarmHubAnswer>("Shelve", id, by, duration.TotalMinutes, cancellationToken);

    /// <summary>Unshelves an alarm; refused on a node that is not active, as <see cref="AckAsync"/>.</summary>
    public Task<AlarmHubAnswer> UnshelveAsync(string id, string by, CancellationToken cancellationToken = default) =>
        _connection.InvokeAsync<AlarmHubAnswer>("Unshelve", id, by, cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
