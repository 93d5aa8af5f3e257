using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.History;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Historian;

/// <summary>
/// The history cache in a whole node (RedundancyActors.Start): a host-supplied store is the one written to, the cache
/// is a subsystem the coordinator drives, and the demo's tags (history periodic 1 s) reach the store stamped with the
/// node's name and its epoch.
/// </summary>
public sealed class HistoryCompositionSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _dataDir;
    private readonly GatewaySettings _settings;
    private readonly FakeHistoryStore _store = new();
    private readonly ConcurrentDictionary<RedundancyActor, IActorRef> _actors = new();

    public HistoryCompositionSpec(ITestOutputHelper output) : this(output, TestSupport.TempDir()) { }

    private HistoryCompositionSpec(ITestOutputHelper output, string dataDir)
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

    // A master whose backup never answers: alone in its cluster, it becomes active and loads the demo.
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

    [Fact]
    public async Task A_host_supplied_store_gets_the_demo_history_stamped_with_the_node_and_its_epoch()
    {
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        HistorySettings? given = null;
        RedundancyActors.Start(Sys, _settings, [], NoRebuildHost.Instance, NodeMemory.Empty, (actor, actorRef) => _actors[actor] = actorRef,
            historyStore: settings => { given = settings; return _store; });
        await AwaitConditionAsync(() => Task.FromResult(_actors.ContainsKey(RedundancyActor.Coordinator) && _actors.ContainsKey(RedundancyActor.History)), Deadline);
        var coordinator = _actors[RedundancyActor.Coordinator];
        await AwaitConditionAsync(async () => (await coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, Deadline)).Level == ActivityLevel.Active, Deadline);
        var status = await coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, Deadline);
        Assert.Contains(status.Subsystems, s => s.Name == HistoryCache.Name && s.Level == "active");

        await AwaitConditionAsync(() => Task.FromResult(_store.Rows.Count >= 240), Deadline, TimeSpan.FromMilliseconds(100));
        Assert.Equal(_settings.History, given);
        var batch = _store.Batches[^1];
        Assert.Equal(("redundant-gateway", "master", status.Epoch), (batch.Pair, batch.Node, batch.Epoch));
        var history = await _actors[RedundancyActor.History].Ask<HistoryCacheStatus>(GetHistoryCacheStatus.Instance, Deadline);
        Assert.Equal(("fake", 240), (history.Store, history.Tags));
        Assert.True(history.Written >= 240);
    }
}
