using System.Reflection;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using RedundantGateway.ConfigSync;
using RedundantGateway.Hmi;
using RedundantGateway.Redundancy;
using Serilog;

namespace RedundantGateway.Node.Hmi;

/// <summary>
/// The live HMI pages at /hmi/{project}/{page}: on the active node the page (one template, a script and a style
/// embedded in the node's assembly, nothing fetched from elsewhere) with its definition and the node's
/// <see cref="HmiSettings"/> written into it; a standby redirects to the active node (<see cref="HmiRoutingRules"/>).
/// </summary>
internal static class HmiWeb
{
    public const string AssetsPath = "/hmi/_assets";
    private const string ConfigMarker = "<!--HMI-CONFIG-->";
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public static void MapHmi(this WebApplication app, NodeActorSystem runtime)
    {
        var assembly = typeof(HmiWeb).Assembly;
        var template = Encoding.UTF8.GetString(Read(assembly, "hmi.html"));
        foreach (var (name, contentType) in new[] { ("hmi.js", "text/javascript; charset=utf-8"), ("hmi.css", "text/css; charset=utf-8") })
        {
            var bytes = Read(assembly, name);
            app.MapGet($"{AssetsPath}/{name}", (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(bytes, contentType);
            });
        }

        app.MapGet("/hmi/{project}/{page}", async (HttpContext http, string project, string page) =>
        {
            var settings = runtime.Settings;
            var path = PageDefinition.PathOf(project, page);
            if (!ConfigPath.TryNormalize(path, out _, out var pathError)) return OneLine(StatusCodes.Status404NotFound, $"no HMI page: {pathError}");

            var status = await NodeWeb.ShownStatusAsync(runtime);
            var peerWeb = runtime.Handles is { } handles ? (await NodeWeb.ConfigStatusOrNull(handles))?.PeerWebAddress : null;
            var peerActive = status is { PeerConnected: true, ActiveNodeName: { } active, PeerNodeName: { } peer } && active == peer;
            var decision = HmiRoutingRules.Decide(status?.Level == ActivityLevel.Active, peerActive, peerWeb,
                http.Request.Path + http.Request.QueryString);
            if (decision.Action == HmiPageAction.Redirect)
            {
                Log.Debug("HMI page {Path} asked of this standby: redirected to the active node at {Location}", path, decision.Location);
                http.Response.Headers.CacheControl = "no-store";
                return Results.Redirect(decision.Location!, permanent: false, preserveMethod: true);
            }

            if (runtime.Handles is not { } live) return NodeWeb.Restarting();
            ConfigDocument document;
            try { document = (await live.Config.Ask<ConfigDocumentView>(GetConfigDocument.Instance, AskTimeout)).Document; }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return OneLine(StatusCodes.Status503ServiceUnavailable, "the config store did not answer in time; try again shortly");
            }
            if (!document.Resources.TryGetValue(path, out var json))
                return OneLine(StatusCodes.Status404NotFound, $"no HMI page '{page}' in project '{project}': the configuration has no {path}");
            if (!PageDefinition.TryParse(path, json, out var definition, out var error))
                return OneLine(StatusCodes.Status404NotFound, $"the HMI page cannot be shown: {error}");

            var config = new HmiPageConfig(
                definition!.Project, definition.Page, definition.Title, definition.Tags, definition.Alarms,
                settings.NodeName, settings.Role.ToString().ToLowerInvariant(), (status?.Level ?? ActivityLevel.Undecided).ToString().ToLowerInvariant(),
                decision.Action == HmiPageAction.Waiting, string.IsNullOrEmpty(peerWeb) ? null : peerWeb,
                (int)settings.Hmi.LostAfter.TotalMilliseconds, (int)settings.Hmi.PollInterval.TotalMilliseconds,
                (int)settings.Hmi.FetchTimeout.TotalMilliseconds, settings.Api.HasToken, settings.Api.ProtectReads);
            // The default encoder escapes '<', '>' and '&', so the JSON cannot close the script element it sits in.
            var html = template.Replace(ConfigMarker, JsonSerializer.Serialize(config, PageJson), StringComparison.Ordinal);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Content(html, "text/html; charset=utf-8");
        });
    }

    private static readonly JsonSerializerOptions PageJson = new(JsonSerializerDefaults.Web);

    private static IResult OneLine(int status, string message) => Results.Text(message + "\n", "text/plain; charset=utf-8", statusCode: status);

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream($"RedundantGateway.Node.Hmi.{name}")
            ?? throw new InvalidOperationException($"the HMI page's '{name}' is missing from the node's assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>What the node writes into a page it serves: the page's definition, this node, and how the script looks for the active node.</summary>
/// <param name="Waiting">no active node is known: the page says so and its script looks for one at once.</param>
/// <param name="PeerWebAddress">the other node's web address, where the script looks when this node is lost; null when unknown yet.</param>
internal sealed record HmiPageConfig(
    string Project, string Page, string Title, IReadOnlyList<string> Tags, IReadOnlyList<string> Alarms,
    string NodeName, string Role, string Level, bool Waiting, string? PeerWebAddress,
    int LostAfterMs, int PollIntervalMs, int FetchTimeoutMs, bool TokenRequired, bool ReadsNeedToken);
