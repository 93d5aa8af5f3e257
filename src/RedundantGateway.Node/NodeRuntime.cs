using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Akka.Remote.Hosting;
using RedundantGateway.ConfigSync;
using RedundantGateway.Configuration;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using Serilog;
using ILogger = Serilog.ILogger;

namespace RedundantGateway.Node;

/// <summary>
/// The restartable part of a node: an inner host that owns the actor system (built with Akka.Hosting).
/// The web surface and the process stay up while it is rebuilt (a soft restart), which is how a node
/// that found itself in a second cluster joins its peer's: a downed or separate actor system can never
/// join again, a new one can.
/// </summary>
public sealed class NodeRuntime(GatewaySettings settings, Config config, ILogger logger) : IRuntimeControl
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly IReadOnlyList<IRuntimeSubsystem> _subsystems = [new ActivityRecorder("runtime")];
    private volatile Incarnation? _current;
    private volatile bool _stopping;
    private int _softRestarts;

    private sealed record Incarnation(IHost Host, ActorSystem System, RedundancyHandles Handles);

    /// <summary>The current actors; null while the runtime is (re)starting.</summary>
    public RedundancyHandles? Handles => _current?.Handles;

    public GatewaySettings Settings => settings;

    public int SoftRestarts => _softRestarts;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try { _current = await StartIncarnationAsync(NodeMemory.Empty); }
        finally { _lifecycle.Release(); }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping && _current is null) return;
        _stopping = true;
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_current is not { } current) return;
            try
            {
                // Planned handover: the active node stands down and its peer takes over before this one leaves.
                var ready = await current.Handles.Coordinator.Ask<ReadyForShutdown>(PrepareForShutdown.Instance, TimeSpan.FromSeconds(4));
                logger.Information("Stopping: handed over {HandedOver}", ready.HandedOver);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                logger.Warning("Stopping without handover: the coordinator did not answer in time");
            }
            await StopIncarnationAsync(current);
            _current = null;
        }
        finally { _lifecycle.Release(); }
    }

    public void RequestSoftRestart(string reason)
    {
        if (_stopping) return;
        _ = Task.Run(async () =>
        {
            await _lifecycle.WaitAsync();
            try
            {
                if (_stopping || _current is not { } current) return;
                logger.Warning("Soft restart of the actor system: {Reason}", reason);
                var memory = await ReadMemoryAsync(current, reason);
                _current = null;
                await StopIncarnationAsync(current);
                Interlocked.Increment(ref _softRestarts);
                _current = await StartIncarnationAsync(memory);
            }
            catch (Exception e)
            {
                logger.Error(e, "Soft restart failed; stopping the node");
                Environment.ExitCode = 4;
                _stopping = true;
                ApplicationStopRequested?.Invoke();
            }
            finally { _lifecycle.Release(); }
        });
    }

    /// <summary>Raised when the runtime cannot go on and the process should stop.</summary>
    public event Action? ApplicationStopRequested;

    private static async Task<NodeMemory> ReadMemoryAsync(Incarnation current, string reason)
    {
        try
        {
            var status = await current.Handles.Coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, TimeSpan.FromSeconds(2));
            var events = await current.Handles.Coordinator.Ask<RedundancyEvents>(new GetRedundancyEvents(int.MaxValue), TimeSpan.FromSeconds(2));
            var kept = events.Events.Reverse().Append(new RedundancyEvent(DateTimeOffset.UtcNow, RedundancyEventKinds.SoftRestart, reason,
                status.Epoch, status.Level.ToString().ToLowerInvariant())).ToList();
            ConfigSyncMemory? config = null;
            try
            {
                var sync = await current.Handles.Config.Ask<ConfigSyncStatus>(GetConfigSyncStatus.Instance, TimeSpan.FromSeconds(2));
                config = new ConfigSyncMemory(sync.LastTransfer, sync.Transfers);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { }
            return new NodeMemory(status.Epoch, kept, config);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return NodeMemory.Empty;
        }
    }

    private async Task<Incarnation> StartIncarnationAsync(NodeMemory memory)
    {
        ConfigStorePersistence.Prepare(settings);
        var handles = new TaskCompletionSource<(ActorSystem, RedundancyHandles)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = new HostBuilder()
            .UseSerilog(logger)
            // The process's signals belong to the outer host, which hands over before this one stops.
            .ConfigureServices(services => services.AddSingleton<IHostLifetime, RuntimeLifetime>())
            .ConfigureServices(services => services.AddAkka(RedundancyPaths.SystemName, builder =>
            {
                builder
                    .ConfigureLoggers(loggers =>
                    {
                        loggers.ClearLoggers();
                        loggers.AddSerilogLogging();
                    })
                    .WithRemoting(new RemoteOptions
                    {
                        HostName = settings.Cluster.Hostname,
                        Port = settings.Cluster.Port,
                        PublicHostName = settings.Cluster.PublicHostname,
                        PublicPort = settings.Cluster.PublicPort,
                    })
                    .WithClustering(new ClusterOptions { Roles = [settings.Role.ToString().ToLowerInvariant()] })
                    .AddHocon(ConfigStorePersistence.Hocon(settings), HoconAddMode.Prepend)
                    // Last and prepended: the pair's own Akka settings (reference.conf's akka section and the
                    // operator's overrides) win over the hosting defaults.
                    .AddHocon(config, HoconAddMode.Prepend)
                    .WithActors((system, _) =>
                    {
                        try { handles.TrySetResult((system, RedundancyRuntime.Start(system, settings, _subsystems, this, memory))); }
                        catch (Exception e) { handles.TrySetException(e); }
                    });
            }))
            .Build();

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() => handles.TrySetException(new InvalidOperationException(
            $"the node link could not start on {settings.Cluster.Hostname}:{settings.Cluster.Port} (is the port in use?)")));
        (ActorSystem, RedundancyHandles) started;
        try
        {
            await host.StartAsync();
            started = await handles.Task.WaitAsync(StartTimeout);
        }
        catch (Exception e)
        {
            host.Dispose();
            throw new InvalidOperationException(
                $"the node link cannot start on {settings.Cluster.Hostname}:{settings.Cluster.Port}: {e.GetBaseException().Message}", e);
        }
        var incarnation = new Incarnation(host, started.Item1, started.Item2);
        // An actor system that ends on its own (removed from the cluster) is rebuilt, not left dead.
        _ = started.Item1.WhenTerminated.ContinueWith(_ =>
        {
            if (!_stopping && ReferenceEquals(_current, incarnation))
                RequestSoftRestart("the actor system terminated (removed from the cluster)");
        }, TaskScheduler.Default);
        return incarnation;
    }

    private async Task StopIncarnationAsync(Incarnation incarnation)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await incarnation.Host.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException)
        {
            logger.Warning("The actor system did not stop within 15 s");
        }
        incarnation.Host.Dispose();
    }

    /// <summary>A lifetime that reacts to no signal: the inner host starts and stops only when told.</summary>
    private sealed class RuntimeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
