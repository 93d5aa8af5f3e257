using System.Diagnostics;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using RedundantGateway.Client;
using RedundantGateway.ConfigSync;
using RedundantGateway.History;
using RedundantGateway.StateSync;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using RedundantGateway.Node.Hmi;
using RedundantGateway.Node.StatusPage;
using Serilog;

namespace RedundantGateway.Node;

/// <summary>The node's web surface: /system/gwinfo for load balancers and the /api/redundancy REST API.</summary>
internal static class NodeWeb
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public static readonly string Version =
        typeof(GatewaySettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Runs the node: the web surface binds first (a taken port stops the node before it touches the
    /// cluster), then the actor system starts; on stop, the runtime hands over before the process exits.
    /// </summary>
    public static async Task<int> RunAsync(GatewaySettings settings, Config config)
    {
        var app = Build(settings, config);
        var runtime = app.Services.GetRequiredService<NodeActorSystem>();
        try
        {
            await app.StartAsync();
            await runtime.StartAsync(app.Lifetime.ApplicationStopping);
            await app.WaitForShutdownAsync();
        }
        finally
        {
            await runtime.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
        return Environment.ExitCode;
    }

    private static WebApplication Build(GatewaySettings settings, Config config)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls($"http://{settings.Web.Hostname}:{settings.Web.Port}");
        builder.Host.UseSerilog();
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        // The node's runtime subsystems: the recorder stands in until the tag engine exists.
        var runtime = new NodeActorSystem(settings, config, Log.Logger, [new RedundantGateway.Runtime.ActivityRecorder("runtime")]);
        builder.Services.AddSingleton(runtime);
        TagHub.AddServices(builder.Services);
        CliApi.AddServices(builder.Services);

        var app = builder.Build();
        runtime.ApplicationStopRequested += () => app.Lifetime.StopApplication();
        Map(app, runtime);
        return app;
    }

    /// <summary>One line naming the port, when <paramref name="e"/> (however deeply nested) is a taken port; else null.</summary>
    public static string? IsPortInUse(Exception e, GatewaySettings settings)
    {
        var inUse = false;
        var linkFailed = false;
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            inUse |= inner is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                || inner.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
            linkFailed |= inner.Message.StartsWith("the node link", StringComparison.Ordinal);
        }
        if (!inUse) return null;
        return linkFailed
            ? PortCheck.InUse(settings.Cluster.Port, settings.Cluster.Hostname, "redundant-gateway.cluster.port")
            : PortCheck.InUse(settings.Web.Port, settings.Web.Hostname, "redundant-gateway.web.port");
    }

    public static bool IsStartupProblem(Exception e, out string reason)
    {
        reason = FirstLine(e.Message);
        return e is IOException or InvalidOperationException or TimeoutException or SocketException;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static void Map(WebApplication app, NodeActorSystem runtime)
    {
        var settings = runtime.Settings;
        app.UseJsonErrors();
        app.UsePeerCors(async () => runtime.Handles is { } h ? (await ConfigStatusOrNull(h))?.PeerWebAddress : null);
        app.UseApiTokens(settings.Api);
        var startedAt = new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

        app.MapGet("/system/gwinfo", async () =>
        {
            var status = Current(settings, await StatusOrNull(runtime));
            var info = new GwInfo(
                RedundancyStatus: settings.Role.ToString(),
                RedundantNodeActiveStatus: (status?.Level ?? ActivityLevel.Undecided).ToString(),
                PeerConnected: status?.PeerConnected ?? false,
                Epoch: status?.Epoch ?? 0,
                NodeName: settings.NodeName,
                Version: Version);
            return Results.Text(info.Format(), "text/plain");
        });

        app.MapGet("/api/redundancy", async () =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var status = Current(settings, await handles.Coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, AskTimeout))!;
            var liveness = await handles.Liveness.Ask<LivenessStatus>(GetLivenessStatus.Instance, AskTimeout);
            var config = await ConfigStatusOrNull(handles);
            var edits = await ConfigEditHealthOrNull(handles);
            var stateSync = await StateSyncStatusOrNull(handles);
            var history = await HistoryStatusOrNull(handles);
            return Json(ContractMapping.ToNodeStatus(settings, Version, runtime.Rebuilds, status, liveness, config, edits, stateSync, startedAt, history: history));
        });

        app.MapPost("/api/redundancy/resync", async (HttpContext http) =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var result = await handles.Config.Ask<ResyncResult>(new ResyncRequested($"REST from {http.Connection.RemoteIpAddress}"), AskTimeout);
            return Json(new ActionAnswer(result.Accepted, result.Message),
                result.Accepted ? StatusCodes.Status202Accepted : StatusCodes.Status409Conflict);
        });

        app.MapGet("/api/redundancy/config-changes", async (long? after, int? limit) =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var changes = await handles.Config.Ask<RecentConfigChanges>(
                new GetRecentConfigChanges(after ?? 0, Math.Clamp(limit ?? 1000, 0, 100_000)), AskTimeout);
            return Json<IReadOnlyList<ConfigChangeInfo>>(changes.Changes.Select(ContractMapping.ToChange).ToList());
        });

        ConfigApi.Map(app, runtime);
        TagsApi.Map(app, runtime);
        app.MapHistory(runtime);
        CliApi.Map(app, runtime);
        app.MapHub<TagHub>("/" + GatewayRoutes.TagHub);
        app.MapAlarms(() => runtime.Handles?.Alarms, async () =>
            runtime.Handles is { } handles ? (await ConfigStatusOrNull(handles))?.MasterWebAddress : null,
            level => ShownLevelAsync(runtime, level), runtime.Settings.Clock);

        EventsApi.Map(app, runtime);
        app.MapStatusPage();
        app.MapHmi(runtime);
        Metrics.NodeMetrics.Map(app, runtime);

        app.MapPost("/api/redundancy/failover", async (HttpContext http) =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var source = $"REST from {http.Connection.RemoteIpAddress}";
            var result = await handles.Coordinator.Ask<FailoverResult>(new FailoverRequested(source), TimeSpan.FromSeconds(10));
            return Json(new ActionAnswer(result.Accepted, result.Message),
                result.Accepted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
        });
    }

    /// <summary>
    /// The level a runtime engine (tags, alarms) reports, as it may be shown: "active" only while the coordinator,
    /// asked now, confirms it (an engine may answer after a pause before the coordinator has told it to stand down).
    /// </summary>
    internal static async Task<ActivityLevel> ShownLevelAsync(NodeActorSystem runtime, ActivityLevel engineLevel)
    {
        if (engineLevel != ActivityLevel.Active) return engineLevel;
        var status = Current(runtime.Settings, await StatusOrNull(runtime));
        return status?.Level == ActivityLevel.Active ? ActivityLevel.Active : ActivityLevel.Undecided;
    }

    /// <summary>The coordinator's status as it may be shown now (see <see cref="Current"/>); null while it cannot answer.</summary>
    internal static async Task<RedundancyStatus?> ShownStatusAsync(NodeActorSystem runtime) =>
        Current(runtime.Settings, await StatusOrNull(runtime));

    /// <summary>
    /// The coordinator's answer as it may be shown now: "active" only if the answer is younger than the shortest
    /// pause after which the peer may have taken over (the process may have been paused since it was given).
    /// </summary>
    private static RedundancyStatus? Current(GatewaySettings settings, RedundancyStatus? status)
    {
        if (status is null || status.AnsweredAt == 0) return status;
        var limit = PauseRules.Limit(settings.Liveness.FailoverTimeout, settings.Liveness.HeartbeatInterval);
        var level = PauseRules.LevelToShow(status.Level, Stopwatch.GetElapsedTime(status.AnsweredAt), limit);
        return level == status.Level ? status : status with { Level = level, ActiveNodeName = null };
    }

    internal static async Task<ConfigSyncStatus?> ConfigStatusOrNull(RedundancyHandles handles)
    {
        try { return await handles.Config.Ask<ConfigSyncStatus>(GetConfigSyncStatus.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static async Task<StateSyncStatus?> StateSyncStatusOrNull(RedundancyHandles handles)
    {
        if (handles.StateSync is not { } replicator) return null;
        try { return await replicator.Ask<StateSyncStatus>(GetStateSyncStatus.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static async Task<HistoryCacheStatus?> HistoryStatusOrNull(RedundancyHandles handles)
    {
        if (handles.History is not { } history) return null;
        try { return await history.Ask<HistoryCacheStatus>(GetHistoryCacheStatus.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static async Task<ConfigEditHealth?> ConfigEditHealthOrNull(RedundancyHandles handles)
    {
        try { return await handles.Config.Ask<ConfigEditHealth>(GetConfigEditHealth.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static async Task<RedundancyStatus?> StatusOrNull(NodeActorSystem runtime)
    {
        if (runtime.Handles is not { } handles) return null;
        try { return await handles.Coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    internal const string RestartingMessage = "the node's runtime is restarting; try again shortly";

    internal static IResult Restarting() => Json(new ErrorBody(RestartingMessage), StatusCodes.Status503ServiceUnavailable);

    /// <summary>Every JSON answer goes out with the contract's options, the ones the client reads with.</summary>
    internal static IResult Json<T>(T body, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(body, ContractJson.Options, statusCode: statusCode);
}
