using System.Runtime.CompilerServices;
using Akka.Actor;
using Microsoft.AspNetCore.SignalR;
using RedundantGateway.Alarms;
using RedundantGateway.Client;
using RedundantGateway.Tags;

namespace RedundantGateway.Node;

/// <summary>
/// The SignalR hub at /hubs/tags, for the .NET client and the pages that also write: <see cref="Stream"/> carries
/// what the Server-Sent Events carry (snapshot, changes, level) through the same per-client coalescing buffer and
/// bridge, and <see cref="Ack"/>, <see cref="Shelve"/> and <see cref="Unshelve"/> act on an alarm as POST
/// /api/alarms/{id}/ack, /shelve and /unshelve do.
/// </summary>
internal sealed class TagHub(NodeActorSystem runtime) : Hub
{
    /// <summary>SignalR with the contract's JSON options, the ones the client reads with (see <see cref="ContractJson"/>).</summary>
    public static void AddServices(IServiceCollection services) =>
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions = ContractJson.Options);

    /// <summary>
    /// The live stream of the tags under <paramref name="prefix"/> and of <paramref name="paths"/> (neither: all).
    /// SignalR pulls the next item only once the connection took the last one, so a slow client leaves its values in
    /// the buffer, which keeps the latest per tag: coalesced, never a queue. Completes after a snapshot or level at
    /// which the node runs no provider, and after an end (the engine stopped, the client fell too far behind).
    /// </summary>
    public async IAsyncEnumerable<TagStreamItem> Stream(string? prefix, string[]? paths, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (runtime.Actors is not { } actors || actors.Handles.Tags is not { } engine)
        {
            yield return new TagStreamItem(TagStreamItem.EndKind, Reason: NodeWeb.RestartingMessage);
            yield break;
        }
        var selection = new TagSelection(
            (paths ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()).ToList(),
            string.IsNullOrEmpty(prefix) ? null : prefix);
        var buffer = new TagStreamBuffer(runtime.Settings.Tags.StreamBufferPaths);
        var bridge = actors.System.ActorOf(TagStreamBridge.Props(engine, selection, buffer));
        string? lastLevel = null;
        try
        {
            while (true)
            {
                TagStreamBatch? batch;
                try { batch = await buffer.TakeAsync(runtime.Settings.Tags.StreamHeartbeatInterval, cancellationToken); }
                catch (OperationCanceledException) { yield break; } // the client cancelled or went away

                if (batch is null)
                {
                    // Nothing to send: a heartbeat, so the client tells a quiet node from a lost one by silence.
                    yield return new TagStreamItem(TagStreamItem.HeartbeatKind, lastLevel);
                    continue;
                }
                if (batch.Snapshot is { } snapshot)
                {
                    lastLevel = TagsApi.LevelName(snapshot.Level);
                    yield return new TagStreamItem(TagStreamItem.SnapshotKind, TagsApi.LevelName(snapshot.Level),
                        Tags: snapshot.Values.Select(TagsApi.ToInfo).ToList());
                    if (!TagsApi.Runs(snapshot.Level)) yield break; // a cold or undecided node streams nothing: its level said why
                }
                foreach (var change in batch.Changes) yield return new TagStreamItem(TagStreamItem.ChangeKind, Tag: TagsApi.ToInfo(change));
                if (batch.Level is { } level)
                {
                    lastLevel = TagsApi.LevelName(level);
                    yield return new TagStreamItem(TagStreamItem.LevelKind, TagsApi.LevelName(level));
                    if (!TagsApi.Runs(level)) yield break;
                }
                if (batch.Ended is { } reason)
                {
                    yield return new TagStreamItem(TagStreamItem.EndKind, Reason: reason);
                    yield break;
                }
            }
        }
        finally
        {
            bridge.Tell(PoisonPill.Instance); // unsubscribes from the engine
        }
    }

    /// <summary>
    /// Acknowledges alarm <paramref name="id"/> (its configuration path) by <paramref name="by"/>: the alarm engine
    /// decides, and the answer is what the REST API would say (a node that is not active: 409 naming the active node).
    /// </summary>
    public async Task<AlarmHubAnswer> Ack(string id, string by, string? note)
    {
        if (Unauthorized() is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(id)) return BadRequest("'id' is required: the alarm's configuration path");
        if (string.IsNullOrWhiteSpace(by)) return BadRequest("'by' is required: who acts on the alarm");
        var alarm = id.Trim('/');
        return await AlarmsApi.RunAsync(runtime.Handles?.Alarms, new AckAlarm(alarm, by, note), alarm, "ack", ActiveNodeWebAddressAsync);
    }

    /// <summary>Shelves alarm <paramref name="id"/> for <paramref name="minutes"/> as POST /api/alarms/{id}/shelve does.</summary>
    public async Task<AlarmHubAnswer> Shelve(string id, string by, double minutes)
    {
        if (Unauthorized() is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(id)) return BadRequest("'id' is required: the alarm's configuration path");
        if (string.IsNullOrWhiteSpace(by)) return BadRequest("'by' is required: who acts on the alarm");
        var alarm = id.Trim('/');
        ShelveAlarm command;
        try { command = AlarmsApi.ToShelve(alarm, new AlarmShelveRequest(by, minutes), runtime.Settings.Clock.GetUtcNow()); }
        catch (ArgumentException e) { return BadRequest(e.Message); }
        return await AlarmsApi.RunAsync(runtime.Handles?.Alarms, command, alarm, "shelve", ActiveNodeWebAddressAsync);
    }

    /// <summary>Unshelves alarm <paramref name="id"/> as POST /api/alarms/{id}/unshelve does.</summary>
    public async Task<AlarmHubAnswer> Unshelve(string id, string by)
    {
        if (Unauthorized() is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(id)) return BadRequest("'id' is required: the alarm's configuration path");
        if (string.IsNullOrWhiteSpace(by)) return BadRequest("'by' is required: who acts on the alarm");
        var alarm = id.Trim('/');
        return await AlarmsApi.RunAsync(runtime.Handles?.Alarms, new UnshelveAlarm(alarm, by), alarm, "unshelve", ActiveNodeWebAddressAsync);
    }

    private async Task<string?> ActiveNodeWebAddressAsync() =>
        runtime.Handles is { } handles ? (await NodeWeb.ConfigStatusOrNull(handles))?.MasterWebAddress : null;

    /// <summary>
    /// The hub's writes need the API token as the REST API's do: from the connection's request (the Authorization
    /// header, or SignalR's access_token query value, which browsers use on a WebSocket).
    /// </summary>
    private AlarmHubAnswer? Unauthorized()
    {
        var api = runtime.Settings.Api;
        if (!api.HasToken) return null;
        var presented = Context.GetHttpContext() is { } http ? ApiTokenGate.Presented(http.Request) : null;
        return api.Allows(presented) ? null : new AlarmHubAnswer(false, StatusCodes.Status401Unauthorized, ApiTokenGate.Refusal(presented), null);
    }

    private static AlarmHubAnswer BadRequest(string message) => new(false, StatusCodes.Status400BadRequest, message, null);
}
