using System.Text;
using System.Text.Json;
using Akka.Actor;
using RedundantGateway.Client;
using RedundantGateway.ConfigSync;
using RedundantGateway.Configuration;
using RedundantGateway.Alarms;
using RedundantGateway.Hmi;
using RedundantGateway.Tags;

namespace RedundantGateway.Node;

/// <summary>
/// /api/config: read the configuration on either node; edit it on the master (each accepted edit answers the
/// new revision). The backup refuses every edit with 409 and the master's address, and changes nothing.
/// </summary>
internal static class ConfigApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void Map(WebApplication app, NodeActorSystem runtime)
    {
        var settings = runtime.Settings;

        app.MapGet("/api/config", async () =>
        {
            if (runtime.Handles is not { } handles) return NodeWeb.Restarting();
            if (await DocumentOrNull(handles) is not { } document) return StoreUnavailable();
            return Bytes(new ConfigSnapshot(document.Identity, document.Revision, document.Digest, document.Resources.Count, document.Resources));
        });

        app.MapGet("/api/config/{**path}", async (string path) =>
        {
            if (!ConfigPath.TryNormalize(path, out var normalized, out var error)) return Problem(StatusCodes.Status400BadRequest, error);
            if (runtime.Handles is not { } handles) return NodeWeb.Restarting();
            if (await DocumentOrNull(handles) is not { } document) return StoreUnavailable();
            if (!document.Resources.TryGetValue(normalized, out var value))
                return Problem(StatusCodes.Status404NotFound, $"no resource at '{normalized}' (revision {document.Revision})");
            return Bytes(new ConfigResource(normalized, document.Revision, value));
        });

        app.MapPut("/api/config/{**path}", async (string path, HttpRequest request) =>
        {
            if (await RefuseOnBackupAsync(runtime) is { } refused) return refused;
            if (!ConfigPath.TryNormalize(path, out var normalized, out var error)) return Problem(StatusCodes.Status400BadRequest, error);
            var (body, tooLarge) = await ReadBodyAsync(request, settings.ConfigSync.MaxResourceSize);
            if (tooLarge)
                return Problem(StatusCodes.Status413PayloadTooLarge, $"the value is larger than config-sync.max-resource-size ({settings.ConfigSync.MaxResourceSize} bytes)");
            if (!ConfigDocument.TryCanonicalJson(body, out var canonical, out error)) return Problem(StatusCodes.Status400BadRequest, error);
            // A tag the engine could not run is refused before it reaches the store (the node's only provider is the simulator).
            if (TagDefinition.IsTagDefinition(normalized, canonical) && !TagDefinition.TryParse(normalized, canonical, out _, out error))
                return Problem(StatusCodes.Status400BadRequest, error);
            // A page the HMI could not show is refused the same way.
            if (PageDefinition.IsPagePath(normalized) && !PageDefinition.TryParse(normalized, canonical, out _, out error))
                return Problem(StatusCodes.Status400BadRequest, error);
            // An alarm must name a tag the configuration has (asked only for alarm definitions).
            if (AlarmDefinition.IsDefinition(normalized, canonical) && runtime.Handles is { } handles)
            {
                var document = (await handles.Config.Ask<ConfigDocumentView>(GetConfigDocument.Instance, AskTimeout)).Document;
                if (!AlarmDefinition.CheckEdit(normalized, canonical, document.Resources.ContainsKey, out error))
                    return Problem(StatusCodes.Status400BadRequest, error);
            }
            return await EditAsync(runtime, new EditConfig(normalized, canonical));
        });

        app.MapDelete("/api/config/{**path}", async (string path) =>
        {
            if (await RefuseOnBackupAsync(runtime) is { } refused) return refused;
            if (!ConfigPath.TryNormalize(path, out var normalized, out var error)) return Problem(StatusCodes.Status400BadRequest, error);
            return await EditAsync(runtime, new EditConfig(normalized, null));
        });
    }

    private static async Task<ConfigDocument?> DocumentOrNull(RedundancyHandles handles)
    {
        try { return (await handles.Config.Ask<ConfigDocumentView>(GetConfigDocument.Instance, AskTimeout)).Document; }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static IResult StoreUnavailable() =>
        Problem(StatusCodes.Status503ServiceUnavailable, "the config store did not answer in time (starting or recovering); try again shortly");

    private static async Task<IResult> EditAsync(NodeActorSystem runtime, EditConfig edit)
    {
        if (runtime.Handles is not { } handles) return NodeWeb.Restarting();
        EditResult result;
        // With config-sync.acknowledge = backup the answer may wait for the backup, up to acknowledge-timeout.
        var timeout = EditAcknowledger.StoreAnswerTimeout + runtime.Settings.ConfigSync.AcknowledgeTimeout + TimeSpan.FromSeconds(1);
        try { result = await handles.Config.Ask<EditResult>(edit, timeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "the config store did not answer in time; the edit may not have been stored, read it back");
        }
        return result.Outcome switch
        {
            EditOutcome.Accepted => NodeWeb.Json(new ConfigEditAnswer(edit.Path, result.Revision, result.Message)),
            EditOutcome.NotFound => Problem(StatusCodes.Status404NotFound, result.Message),
            // Nothing was stored: 507 for a full disk ("disk full at <path>"), 503 for another failed write.
            EditOutcome.DiskFull => Problem(StatusCodes.Status507InsufficientStorage, result.Message),
            EditOutcome.StoreFailed => Problem(StatusCodes.Status503ServiceUnavailable, result.Message),
            _ => Problem(StatusCodes.Status409Conflict, result.Message),
        };
    }

    /// <summary>The backup never takes an edit: the answer names where to make it.</summary>
    private static async Task<IResult?> RefuseOnBackupAsync(NodeActorSystem runtime)
    {
        var settings = runtime.Settings;
        if (settings.Role != NodeRole.Backup) return null;
        // The master's web address is known once it has answered a pull; the node link address always is.
        var web = runtime.Handles is { } handles ? (await NodeWeb.ConfigStatusOrNull(handles))?.MasterWebAddress ?? "" : "";
        var where = web.Length > 0 ? $"{web} (node link {settings.Redundancy.MasterAddress})" : $"node link {settings.Redundancy.MasterAddress}";
        return Problem(StatusCodes.Status409Conflict,
            $"this node is the backup: configuration is edited only on the master at {where}; nothing was changed here");
    }

    private static async Task<(string Body, bool TooLarge)> ReadBodyAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit) return ("", true);
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[8192];
        var text = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > limit) return ("", true);
        }
        return (text.ToString(), false);
    }

    private static IResult Problem(int status, string message) => NodeWeb.Json(new ErrorBody(message), status);

    /// <summary>
    /// The configuration goes out as bytes with a Content-Length and "application/json" (no charset), as it always
    /// has; its values are written raw (see <see cref="RawJsonMapConverter"/>).
    /// </summary>
    private static IResult Bytes<T>(T body) =>
        Results.Bytes(JsonSerializer.SerializeToUtf8Bytes(body, ContractJson.Options), "application/json");
}
