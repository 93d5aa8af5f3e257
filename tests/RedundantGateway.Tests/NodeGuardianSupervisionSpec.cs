using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Configuration;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

/// <summary>
/// The node guardian's declared supervision (docs/architecture.md, "Supervision"): a failed coordinator does not
/// come back undecided while its subsystems keep their level; the actor system is rebuilt through IActorSystemHost.
/// </summary>
public sealed class NodeGuardianSupervisionSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly string _dataDir;
    private readonly GatewaySettings _settings;
    private readonly RecordingControl _control = new();
    private readonly BreakableSubsystem _subsystem = new();
    private readonly ConcurrentDictionary<RedundancyActor, IActorRef> _actors = new();

    public NodeGuardianSupervisionSpec(ITestOutputHelper output) : this(output, TestSupport.TempDir()) { }

    private NodeGuardianSupervisionSpec(ITestOutputHelper output, string dataDir)
        : base(SystemConfig(MasterSettings(dataDir)), output: output)
    {
        _dataDir = dataDir;
        _settings = MasterSettings(dataDir);
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        TestSupport.DeleteQuietly(_dataDir);
    }

    // A master whose backup never answers: alone in its cluster, it becomes active.
    private static GatewaySettings MasterSettings(string dataDir) => TestSupport.Settings($$"""
        node-name = "node-m"
        role = master
        data-dir = "{{dataDir.Replace("\\", "/")}}"
        redundancy {
          backup-address = "127.0.0.1:1"
          join-wait-time = 1s
        }
        """);

    private static Config SystemConfig(GatewaySettings settings)
    {
        ConfigStorePersistence.Prepare(settings.ConfigStore, settings.DataDir);
        return ConfigStorePersistence.Hocon(settings.ConfigStore, settings.DataDir).WithFallback(TestSupport.ClusterSystemConfig());
    }

    private async Task<IActorRef> StartActiveNodeAsync()
    {
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        RedundancyActors.Start(Sys, _settings, [_subsystem], _control, NodeMemory.Empty, (actor, actorRef) => _actors[actor] = actorRef);
        await AwaitConditionAsync(() => Task.FromResult(_actors.ContainsKey(RedundancyActor.Coordinator)), Deadline);
        var coordinator = _actors[RedundancyActor.Coordinator];
        await AwaitConditionAsync(async () => (await StatusAsync(coordinator)).Level == ActivityLevel.Active, Deadline);
        Assert.Equal(ActivityLevel.Active, _subsystem.Level);
        return coordinator;
    }

    private static Task<RedundancyStatus> StatusAsync(IActorRef coordinator) =>
        coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, Deadline);

    [Fact]
    public async Task A_coordinator_that_throws_while_active_has_the_actor_system_rebuilt_and_keeps_its_level_until_then()
    {
        var coordinator = await StartActiveNodeAsync();
        var before = await StatusAsync(coordinator);

        // The status query reads the subsystems: broken, it throws inside the coordinator.
        _subsystem.Broken = true;
        coordinator.Tell(GetRedundancyStatus.Instance, TestActor);
        await AwaitConditionAsync(() => Task.FromResult(!_control.Requests.IsEmpty), Deadline);
        _subsystem.Broken = false;

        Assert.Contains("coordinator", Assert.Single(_control.Requests));
        // Not restarted as undecided: the same level since the same moment, as its subsystems.
        var after = await StatusAsync(coordinator);
        Assert.Equal(ActivityLevel.Active, after.Level);
        Assert.Equal(before.LevelSince, after.LevelSince);
        Assert.Equal(ActivityLevel.Active, _subsystem.Level);
    }

    [Fact]
    public async Task A_killed_detector_is_stopped_without_rebuilding_the_actor_system()
    {
        await StartActiveNodeAsync();
        var liveness = _actors[RedundancyActor.Liveness];
        Watch(liveness);

        liveness.Tell(Kill.Instance);

        // Killed means stopped (the default decider); only coordinator and membership failures ask for a rebuild.
        ExpectTerminated(liveness, Deadline);
        Assert.Empty(_control.Requests);
    }

    /// <summary>Records the rebuilds the actors ask for.</summary>
    private sealed class RecordingControl : IActorSystemHost
    {
        public ConcurrentQueue<string> Requests { get; } = new();

        public void RequestRebuild(string reason) => Requests.Enqueue(reason);
    }

    /// <summary>A recorder whose state cannot be read while <see cref="Broken"/>.</summary>
    private sealed class BreakableSubsystem : IRuntimeSubsystem
    {
        private readonly ActivityRecorder _inner = new("breakable");

        public volatile bool Broken;

        public string Name => _inner.Name;
        public ActivityLevel Level => _inner.Level;
        public int Transitions => Broken ? throw new InvalidOperationException("test: the subsystem's state cannot be read") : _inner.Transitions;
        public int Restarts => _inner.Restarts;
        public long? ConfigRevision => _inner.ConfigRevision;

        public Task ApplyLevelAsync(ActivityLevel level, CancellationToken cancellationToken) => _inner.ApplyLevelAsync(level, cancellationToken);

        public Task RestartAsync(RuntimeRestart restart, CancellationToken cancellationToken) => _inner.RestartAsync(restart, cancellationToken);
    }
}
