using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
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
        var runtime = app.Services.GetRequiredService<NodeRuntime>();
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
        var runtime = new NodeRuntime(settings, config, Log.Logger, [new RedundantGateway.Runtime.ActivityRecorder("runtime")]);
        builder.Services.AddSingleton(runtime);

        var app = builder.Build();
        runtime.ApplicationStopRequested += () => app.Lifetime.StopApplication();
        Map(app, runtime);
        return app;
    }

    public static bool IsStartupProblem(Exception e, out string reason)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || inner.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                reason = ReferenceEquals(inner, e) ? FirstLine(e.Message) : $"{FirstLine(e.Message)} ({FirstLine(inner.Message)})";
                return true;
            }
        }
        reason = FirstLine(e.Message);
        return e is IOException or InvalidOperationException or TimeoutException or SocketException;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static void Map(WebApplication app, NodeRuntime runtime)
    {
        var settings = runtime.Settings;

        app.MapGet("/system/gwinfo", async () =>
        {
            var status = await StatusOrNull(runtime);
            var level = status?.Level ?? ActivityLevel.Undecided;
            var fields = new[]
            {
                $"RedundancyStatus={settings.Role}",
                $"RedundantNodeActiveStatus={level}",
                $"PeerConnected={(status?.PeerConnected ?? false).ToString().ToLowerInvariant()}",
                $"Epoch={status?.Epoch ?? 0}",
                $"NodeName={settings.NodeName}",
                $"Version={Version}",
            };
            return Results.Text(string.Join(';', fields), "text/plain");
        });

        app.MapGet("/api/redundancy", async () =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var status = await handles.Coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, AskTimeout);
            var liveness = await handles.Liveness.Ask<LivenessStatus>(GetLivenessStatus.Instance, AskTimeout);
            var config = await ConfigStatusOrNull(handles);
            return Results.Json(new
            {
                nodeName = settings.NodeName,
                role = Lower(settings.Role),
                activityLevel = Lower(status.Level),
                peerConnected = status.PeerConnected,
                epoch = status.Epoch,
                activeNode = status.ActiveNodeName,
                levelSince = status.LevelSince,
                configRevision = config?.Revision,
                recoveryMode = Lower(settings.Redundancy.RecoveryMode),
                historyLevel = Lower(settings.Redundancy.BackupHistoryLevel),
                standbyActivityLevel = Lower(settings.Redundancy.StandbyActivityLevel),
                failoverTimeoutMs = settings.Redundancy.FailoverTimeout.TotalMilliseconds,
                version = Version,
                softRestarts = runtime.SoftRestarts,
                peer = new
                {
                    nodeName = status.PeerNodeName,
                    address = liveness.PeerAddress,
                    state = Lower(liveness.State),
                    phi = liveness.Phi,
                    roundTripMs = liveness.RoundTripMs,
                    lastHeardMsAgo = liveness.LastHeardMsAgo,
                },
                subsystems = status.Subsystems,
                config = config is null ? null : new
                {
                    identity = config.Identity,
                    revision = config.Revision,
                    digest = config.Digest,
                    state = config.State,
                    peerRevision = config.PeerRevision,
                    lastPullAt = config.LastPullAt,
                    lastPullMs = config.LastPullMs is { } ms ? Math.Round(ms, 1) : (double?)null,
                    lastPullUpdates = config.LastPullUpdates,
                    queueLength = config.QueueLength,
                    queueBytes = config.QueueBytes,
                    queueOldestRevision = config.QueueOldestRevision,
                    modules = config.ModuleCount,
                    modulesDigest = config.ModulesDigest,
                    transfers = config.Transfers,
                    lastTransfer = config.LastTransfer is { } t ? new
                    {
                        kind = Lower(t.Kind),
                        reason = t.Reason,
                        bytes = t.Bytes,
                        durationMs = Math.Round(t.DurationMs, 1),
                        at = t.At,
                        revision = t.Revision,
                    } : null,
                },
            });
        });

        app.MapPost("/api/redundancy/resync", async (HttpContext http) =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var result = await handles.Config.Ask<ResyncResult>(new ResyncRequested($"REST from {http.Connection.RemoteIpAddress}"), AskTimeout);
            return Results.Json(new { accepted = result.Accepted, message = result.Message },
                statusCode: result.Accepted ? StatusCodes.Status202Accepted : StatusCodes.Status409Conflict);
        });

        app.MapGet("/api/redundancy/config-changes", async (long? after, int? limit) =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var changes = await handles.Config.Ask<RecentConfigChanges>(
                new GetRecentConfigChanges(after ?? 0, Math.Clamp(limit ?? 1000, 0, 100_000)), AskTimeout);
            return Results.Json(changes.Changes.Select(c => new
            {
                revision = c.Revision,
                path = c.Path,
                operation = c.Operation,
                ackedAt = c.AckedAt,
                appliedAt = c.AppliedAt,
                lagMs = Math.Round((c.AppliedAt - c.AckedAt).TotalMilliseconds, 3),
            }));
        });

        ConfigApi.Map(app, runtime);

        app.MapGet("/api/redundancy/events", async (int? limit) =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var events = await handles.Coordinator.Ask<RedundancyEvents>(new GetRedundancyEvents(Math.Clamp(limit ?? 100, 0, 10_000)), AskTimeout);
            return Results.Json(events.Events.Select(e => new
            {
                time = e.Time,
                kind = e.Kind,
                reason = e.Reason,
                epoch = e.Epoch,
                level = e.Level,
                detectionMs = e.DetectionMs is { } d ? Math.Round(d, 1) : (double?)null,
                switchMs = e.SwitchMs is { } s ? Math.Round(s, 1) : (double?)null,
            }));
        });

        app.MapPost("/api/redundancy/failover", async (HttpContext http) =>
        {
            if (runtime.Handles is not { } handles) return Restarting();
            var source = $"REST from {http.Connection.RemoteIpAddress}";
            var result = await handles.Coordinator.Ask<FailoverResult>(new FailoverRequested(source), TimeSpan.FromSeconds(10));
            return Results.Json(new { accepted = result.Accepted, message = result.Message },
                statusCode: result.Accepted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
        });
    }

    internal static async Task<ConfigSyncStatus?> ConfigStatusOrNull(RedundancyHandles handles)
    {
        try { return await handles.Config.Ask<ConfigSyncStatus>(GetConfigSyncStatus.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static async Task<RedundancyStatus?> StatusOrNull(NodeRuntime runtime)
    {
        if (runtime.Handles is not { } handles) return null;
        try { return await handles.Coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    internal static IResult Restarting() =>
        Results.Json(new { message = "the node's runtime is restarting; try again shortly" }, statusCode: StatusCodes.Status503ServiceUnavailable);

    internal static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
