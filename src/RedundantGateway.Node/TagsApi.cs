using System.Text.Json;
using Akka.Actor;
using RedundantGateway.Client;
using RedundantGateway.Tags;

namespace RedundantGateway.Node;

/// <summary>
/// /api/tags: current values (with a prefix filter), one tag, the live stream (Server-Sent Events), and connecting
/// or disconnecting a whole provider. A node whose level runs no provider (cold, undecided) answers empty lists and
/// a stream that says its level and ends.
/// </summary>
internal static class TagsApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void Map(WebApplication app, NodeActorSystem runtime)
    {
        var settings = runtime.Settings;

        app.MapGet("/api/tags", async (string? prefix) =>
        {
            if (runtime.Handles is not { Tags: { } engine }) return NodeWeb.Restarting();
            var snapshot = await engine.Ask<TagSnapshot>(new GetTagValues(TagSelection.ByPrefix(prefix)), AskTimeout);
            var level = await NodeWeb.ShownLevelAsync(runtime, snapshot.Level);
            return NodeWeb.Json(new TagList(settings.NodeName, LevelName(level), snapshot.Values.Select(ToInfo).ToList()));
        });

        app.MapGet("/api/tags/stream", StreamAsync);

        app.MapGet("/api/tags/{**path}", async (string path) =>
        {
            if (runtime.Handles is not { Tags: { } engine }) return NodeWeb.Restarting();
            var snapshot = await engine.Ask<TagSnapshot>(new GetTagValues(new TagSelection([path], null)), AskTimeout);
            return snapshot.Values.FirstOrDefault(v => v.Path == path) is { } value
                ? NodeWeb.Json(ToInfo(value))
                : NodeWeb.Json(new ErrorBody($"no current value for tag '{path}' (level {LevelName(snapshot.Level)})"), StatusCodes.Status404NotFound);
        });

        app.MapPost("/api/tags/providers/{name}/disconnect", (string name) => SetConnectedAsync(runtime, name, false));
        app.MapPost("/api/tags/providers/{name}/connect", (string name) => SetConnectedAsync(runtime, name, true));

        async Task StreamAsync(HttpContext http, string? prefix, string? paths)
        {
            if (runtime.Actors is not { } actors || actors.Handles.Tags is not { } engine)
            {
                await NodeWeb.Restarting().ExecuteAsync(http);
                return;
            }
            var selection = new TagSelection(
                (paths ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                string.IsNullOrEmpty(prefix) ? null : prefix);
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            var buffer = new TagStreamBuffer(settings.Tags.StreamBufferPaths);
            var bridge = actors.System.ActorOf(TagStreamBridge.Props(engine, selection, buffer));
            try
            {
                await WriteStreamAsync(http.Response, buffer, settings.Tags.StreamHeartbeatInterval, http.RequestAborted);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested) { }
            finally
            {
                bridge.Tell(PoisonPill.Instance);
            }
        }
    }

    /// <summary>
    /// The writer loop: takes what the buffer coalesced, writes it, until the node leaves warm/active or the client goes.
    /// Idle for <paramref name="heartbeat"/>: a <c>heartbeat</c> event with the level last sent, so that a client
    /// tells a quiet node from a lost one (killed, hung, cut off) by silence.
    /// </summary>
    private static async Task WriteStreamAsync(HttpResponse response, TagStreamBuffer buffer, TimeSpan heartbeat, CancellationToken cancellationToken)
    {
        using var events = new TagEventWriter(response.BodyWriter);
        string? lastLevel = null;
        while (true)
        {
            var batch = await buffer.TakeAsync(heartbeat, cancellationToken);
            if (batch is null)
            {
                events.WriteEvent("heartbeat", new TagStreamLevel(lastLevel ?? "undecided"));
                await response.BodyWriter.FlushAsync(cancellationToken);
                continue;
            }
            if (batch.Snapshot is { } snapshot)
            {
                lastLevel = LevelName(snapshot.Level);
                events.WriteEvent("snapshot", new TagStreamSnapshot(LevelName(snapshot.Level), snapshot.Values.Select(ToInfo).ToList()));
                if (!Runs(snapshot.Level))
                {
                    await response.BodyWriter.FlushAsync(cancellationToken);
                    return; // a cold or undecided node streams nothing: its level said why
                }
            }
            foreach (var change in batch.Changes) events.WriteChange(change);
            if (batch.Level is { } level)
            {
                lastLevel = LevelName(level);
                events.WriteEvent("level", new TagStreamLevel(lastLevel));
                if (!Runs(level))
                {
                    await response.BodyWriter.FlushAsync(cancellationToken);
                    return;
                }
            }
            if (batch.Ended is { } reason) events.WriteEvent("end", new ErrorBody(reason));
            // One flush per batch: what the buffer coalesced goes out in one write, however many changes it holds.
            await response.BodyWriter.FlushAsync(cancellationToken);
            if (batch.Ended is not null) return;
        }
    }

    private static async Task<IResult> SetConnectedAsync(NodeActorSystem runtime, string name, bool connected)
    {
        if (runtime.Handles is not { Tags: { } engine }) return NodeWeb.Restarting();
        var answer = await engine.Ask<TagProviderConnection>(new SetTagProviderConnected(name, connected), AskTimeout);
        return NodeWeb.Json(new ActionAnswer(answer.Accepted, answer.Message),
            answer.Accepted ? StatusCodes.Status200OK : StatusCodes.Status404NotFound);
    }

    internal static bool Runs(ActivityLevel level) => level is ActivityLevel.Warm or ActivityLevel.Active;

    internal static string LevelName(ActivityLevel level) => level.ToString().ToLowerInvariant();

    internal static TagInfo ToInfo(TagValue value) => new(
        value.Path,
        value.Value is null ? null : JsonSerializer.SerializeToElement(value.Value, ContractJson.Options),
        value.Quality.ToString().ToLowerInvariant(),
        value.Timestamp.UtcDateTime,
        value.Reason);
}
