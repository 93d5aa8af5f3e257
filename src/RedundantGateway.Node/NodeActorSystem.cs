using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using RedundantGateway.ConfigSync;
using RedundantGateway.Configuration;
using RedundantGateway.Hosting;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using Serilog;
using ILogger = Serilog.ILogger;

namespace RedundantGateway.Node;

/// <summary>
/// The restartable part of a node: an inner host that owns the actor system (built with Akka.Hosting).
/// The web surface and the process stay up while it is rebuilt, which is how a node
/// that found itself in a second cluster joins its peer's: a downed or separate actor system can never
/// join again, a new one can. The actors come from <see cref="RedundantGatewayHostingExtensions.WithRedundantGateway"/>,
/// as in any embedding host; <paramref name="subsystems"/> outlive the incarnations.
/// </summary>
public sealed class NodeActorSystem(GatewaySettings settings, Config config, ILogger logger, IReadOnlyList<IRuntimeSubsystem> subsystems)
    : IActorSystemHost
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private volatile Incarnation? _current;
    private volatile bool _stopping;
    private int _rebuilds;

    private sealed record Incarnation(IHost Host, ActorSystem System, RedundancyHandles Handles);

    /// <summary>The current actors; null while the runtime is (re)starting.</summary>
    public RedundancyHandles? Handles => _current?.Handles;

    /// <summary>The current actor system with its actors (one read, so both are of the same incarnation); null while (re)starting.</summary>
    public (ActorSystem System, RedundancyHandles Handles)? Actors => _current is { } current ? (current.System, current.Handles) : null;

    public GatewaySettings Settings => settings;

    public int Rebuilds => _rebuilds;

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

    public void RequestRebuild(string reason)
    {
        if (_stopping) return;
        _ = Task.Run(async () =>
        {
            await _lifecycle.WaitAsync();
            try
            {
                if (_stopping || _current is not { } current) return;
                logger.Warning("Rebuilding the actor system: {Reason}", reason);
                var memory = await ReadMemoryAsync(current, reason);
                _current = null;
                await StopIncarnationAsync(current);
                Interlocked.Increment(ref _rebuilds);
                _current = await StartIncarnationAsync(memory);
            }
            catch (Exception e)
            {
                logger.Error(e, "Rebuilding the actor system failed; stopping the node");
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
            var kept = events.Events.Reverse().Append(new RedundancyEvent(DateTimeOffset.UtcNow, RedundancyEventKinds.ActorSystemRebuilt, reason,
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
        // Here too (WithRedundantGateway prepares it again): a store that cannot be opened is reported in its own words.
        ConfigStorePersistence.Prepare(settings.ConfigStore, settings.DataDir);
        var host = new HostBuilder()
            .UseSerilog(logger)
            // The process's signals belong to the outer host, which hands over before this one stops.
            .ConfigureServices(services => services.AddSingleton<IHostLifetime, RuntimeLifetime>())
            // What the actors take from their host: the subsystems they drive and the way to rebuild them.
            .ConfigureServices(services =>
            {
                foreach (var subsystem in subsystems) services.AddSingleton(subsystem);
                services.AddSingleton<IActorSystemHost>(this);
            })
            .ConfigureServices(services => services.AddAkka(RedundancyPaths.SystemName, builder =>
            {
                builder
                    .ConfigureLoggers(loggers =>
                    {
                        loggers.ClearLoggers();
                        loggers.AddSerilogLogging();
                    })
                    .WithRedundantGateway(settings, config, options => options.Memory = memory)
                    // Akka's lines before its loggers start and after they stop go through Serilog too, as structured lines.
                    .AddHocon($"akka.stdout-logger-class = \"{typeof(AkkaStdoutLogger).AssemblyQualifiedName}\"", HoconAddMode.Prepend);
            }))
            .Build();

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        (ActorSystem, RedundancyHandles) started;
        try
        {
            // Akka.Hosting stops the host when the actor system cannot start (e.g. its port is taken).
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
            waiting.CancelAfter(StartTimeout);
            try
            {
                await host.StartAsync(waiting.Token);
                var system = host.Services.GetRequiredService<ActorSystem>();
                started = (system, await host.Services.GetRequiredService<ActorRegistry>().GetRedundancyHandlesAsync(waiting.Token));
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                throw new InvalidOperationException(
                    $"the node link could not start on {settings.Cluster.Hostname}:{settings.Cluster.Port} (is the port in use?)");
            }
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
                RequestRebuild("the actor system terminated (removed from the cluster)");
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
