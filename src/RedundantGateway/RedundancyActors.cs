using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Event;
using RedundantGateway.Alarms;
using RedundantGateway.ConfigSync;
using RedundantGateway.History;
using RedundantGateway.Liveness;
using RedundantGateway.Membership;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;
using RedundantGateway.StateSync;
using RedundantGateway.Tags;

namespace RedundantGateway;

/// <summary>The actors of one node, as the host needs them.</summary>
/// <param name="Config">the config replicator: edits and reads of the configuration go through it to the store.</param>
/// <param name="Tags">the tag engine: current values, subscriptions, provider connections.</param>
/// <param name="Alarms">the alarm engine: alarm states, acknowledgements, shelving.</param>
/// <param name="StateSync">the alarm state replicator: its shipping figures for /api/redundancy.</param>
/// <param name="History">the history cache: store-and-forward status, history queries, the quarantine.</param>
public sealed record RedundancyHandles(IActorRef Coordinator, IActorRef Liveness, IActorRef Membership, IActorRef Config,
    IActorRef? Tags = null, IActorRef? Alarms = null, IActorRef? StateSync = null, IActorRef? History = null);

/// <summary>The actors <see cref="RedundancyActors.Start"/> announces as they are created (hosts register them, e.g. in Akka.Hosting's ActorRegistry).</summary>
public enum RedundancyActor
{
    /// <summary>/user/redundancy, the node guardian.</summary>
    Guardian,
    /// <summary>/user/designator-proxy: how the coordinator reaches the active-node designator singleton.</summary>
    DesignatorProxy,
    Liveness,
    Coordinator,
    Membership,
    ConfigReplicator,
    /// <summary>/user/redundancy/tags: the tag engine.</summary>
    Tags,
    Alarms,
    /// <summary>/user/redundancy/state-replicator: the alarm runtime state, its store and its shipping to the peer.</summary>
    StateReplicator,
    /// <summary>/user/redundancy/history: the historian's store-and-forward cache.</summary>
    History,
}

/// <summary>Starts the redundancy actors of one node in an actor system configured for clustering.</summary>
public static class RedundancyActors
{
    /// <summary>
    /// Creates the designator singleton, its proxy and the node guardian, and returns at once (no ask): each
    /// actor is handed to <paramref name="started"/> when it is created, the guardian's children by the
    /// guardian itself, so a host looks them up when it needs them instead of blocking here. The tag engine
    /// (with the simulator and <paramref name="tagProviders"/>) is driven by the coordinator after the host's subsystems.
    /// History goes to the store <paramref name="historyStore"/> makes (null: <see cref="HistoryStores.FromSettings"/>).
    /// </summary>
    public static IActorRef Start(ActorSystem system, GatewaySettings settings, IReadOnlyList<IRuntimeSubsystem> subsystems,
        IActorSystemHost host, NodeMemory memory, Action<RedundancyActor, IActorRef>? started = null,
        IReadOnlyList<ITagProvider>? tagProviders = null, HistoryStoreFactory? historyStore = null)
    {
        var historyStores = historyStore ?? HistoryStores.FromSettings;
        var providers = tagProviders ?? [];
        var announce = started ?? ((_, _) => { });
        var singletonSettings = ClusterSingletonManagerSettings.Create(system);
        system.ActorOf(ClusterSingletonManager.Props(
                ActiveNodeDesignator.Props(settings.Redundancy),
                PoisonPill.Instance, singletonSettings),
            RedundancyPaths.DesignatorManager);
        var designator = system.ActorOf(ClusterSingletonProxy.Props(
                RedundancyPaths.DesignatorManagerPath, ClusterSingletonProxySettings.Create(system)),
            RedundancyPaths.DesignatorProxy);
        announce(RedundancyActor.DesignatorProxy, designator);

        var guardian = system.ActorOf(Props.Create(() => new NodeGuardian(settings, subsystems, providers, host, memory, designator, announce, historyStores)),
            RedundancyPaths.Guardian);
        announce(RedundancyActor.Guardian, guardian);
        return guardian;
    }

    /// <summary>
    /// /user/redundancy: owns this node's liveness, coordinator, membership and config-replicator actors and
    /// decides what a failure of each means (docs/architecture.md, "Supervision").
    /// </summary>
    private sealed class NodeGuardian : ReceiveActor
    {
        private readonly IActorSystemHost _host;
        private readonly ILoggingAdapter _log = Context.GetLogger();
        private readonly IActorRef _coordinator;
        private readonly IActorRef _membership;
        private readonly IActorRef _alarms;
        private readonly IActorRef _stateReplicator;

        public NodeGuardian(GatewaySettings settings, IReadOnlyList<IRuntimeSubsystem> subsystems, IReadOnlyList<ITagProvider> tagProviders,
            IActorSystemHost host, NodeMemory memory, IActorRef designator, Action<RedundancyActor, IActorRef> announce,
            HistoryStoreFactory historyStores)
        {
            _host = host;
            var peerAddress = settings.PeerAddress is { } peer ? RedundancyPaths.NodeAddress(Context.System.Name, peer) : null;
            var initialActivity = new PeerActivity(settings.Role, ActivityLevel.Undecided, memory.Epoch, null);
            // The tag engine reads the replicator, which needs the coordinator, which drives the engine: the engine
            // gets the replicator by its path (it exists by the time the engine's first ask is delivered).
            var configPath = Context.System.ActorSelection(Self.Path / ConfigReplicator.Name);
            // One wall clock for the runtime (shifted only by a test's clock offset): samples, alarm times and state stamps agree.
            var clock = settings.Clock;
            var tags = Context.ActorOf(TagEngine.Props(settings.Tags, configPath, tagProviders, clock), TagEngine.Name);
            // The alarm state replicator before the engine, which subscribes to it at start; it records full transfers
            // in the coordinator's events log, reached by path (the coordinator is created after the engine).
            var stateReplicator = _stateReplicator = Context.ActorOf(StateReplicator.Props(settings.StateSync,
                    settings.Role == NodeRole.Backup ? (ushort)2 : (ushort)1,
                    settings.Role == NodeRole.Independent || peerAddress is null ? null : RedundancyPaths.StateReplicatorPath(peerAddress),
                    Context.System.ActorSelection(Self.Path / RedundancyCoordinator.Name),
                    full => new AppendRedundancyEvent(RedundancyEventKinds.StateFullTransfer,
                        $"full alarm state sent ({full.Why}): {full.Entries} alarms, {full.Bytes} bytes in {full.Batches} batches", full.Millis),
                    clock),
                StateReplicator.Name);
            // The alarm engine reads the same configuration (and is told of every commit on the event stream).
            var alarms = _alarms = Context.ActorOf(AlarmEngine.Props(settings.Alarms, tags, configPath, clock, stateReplicator), AlarmEngine.Name);
            // The historian samples the tag engine's values; its outages and quarantines go to the coordinator's events log.
            var historySettings = settings.History;
            // Partial backup history level: the master keeps its logging ledger; a backup asks the master's over the link.
            var ledgerKeeper = settings.Role == NodeRole.Master
                ? Context.ActorOf(HistoryLedgerKeeper.Props(historySettings.LedgerPath, historySettings.LedgerExtendInterval, clock), HistoryLedgerKeeper.Name)
                : null;
            var masterLedger = settings.Role == NodeRole.Backup && peerAddress is not null
                ? Context.System.ActorSelection(RedundancyPaths.HistoryLedgerPath(peerAddress))
                : null;
            var history = Context.ActorOf(HistoryCache.Props(historySettings,
                    new HistoryNode(settings.Role, settings.Redundancy.BackupHistoryLevel, memory.Epoch), tags, configPath,
                    () => historyStores(historySettings), Context.System.ActorSelection(Self.Path / RedundancyCoordinator.Name), clock,
                    ledgerKeeper, masterLedger),
                HistoryCache.Name);
            IReadOnlyList<IRuntimeSubsystem> runtime =
            [
                .. subsystems,
                new ActorSubsystem(TagEngine.Name, tags, settings.Tags.RuntimeActorTimeout),
                new ActorSubsystem(AlarmEngine.Name, alarms, settings.Tags.RuntimeActorTimeout),
                new ActorSubsystem(HistoryCache.Name, history, settings.Tags.RuntimeActorTimeout),
            ];
            _coordinator = Context.ActorOf(RedundancyCoordinator.Props(settings.Identity, settings.Redundancy, settings.Liveness, runtime, designator, memory,
                new EpochFile(settings.DataDir), awaitsConfiguration: true), RedundancyCoordinator.Name);
            // Subscribed here, before the store exists: the coordinator goes active only after the store's first
            // ConfigurationChanged, which a coordinator slow to run its PreStart could otherwise miss.
            Context.System.EventStream.Subscribe(_coordinator, typeof(ConfigurationChanged));
            _membership = Context.ActorOf(PairMembership.Props(settings.Identity, settings.Redundancy, host), PairMembership.Name);
            var config = Context.ActorOf(ConfigReplicator.Props(settings.ConfigSync, settings.ConfigStore, settings.ReplicationNode, _coordinator, memory.Config), ConfigReplicator.Name);
            // Last: the detector publishes PeerReachable once, at the peer's first answer, and the coordinator,
            // membership and follower subscribe in their PreStart; created first, a fast first answer could come
            // before they listen (the coordinator then never saw the peer connected).
            var liveness = Context.ActorOf(PeerFailureDetector.Props(settings.Liveness, settings.NodeName,
                settings.Role == NodeRole.Independent ? null : peerAddress, initialActivity), PeerFailureDetector.Name);

            announce(RedundancyActor.Liveness, liveness);
            announce(RedundancyActor.Coordinator, _coordinator);
            announce(RedundancyActor.Membership, _membership);
            // A fresh master shows something alive at once; a backup gets the demo by replication.
            if (settings.Demo.Enabled && settings.Role == NodeRole.Master)
                Context.ActorOf(DemoLoader.Props(config, waitForBackup: settings.Redundancy.JoinWaitTime), DemoLoader.Name);

            announce(RedundancyActor.Tags, tags);
            announce(RedundancyActor.Alarms, alarms);
            announce(RedundancyActor.StateReplicator, stateReplicator);
            announce(RedundancyActor.History, history);
            announce(RedundancyActor.ConfigReplicator, config);
        }

        protected override SupervisorStrategy SupervisorStrategy() => new GuardianStrategy(Decide);

        /// <summary>What a failure of <paramref name="child"/> means for the node.</summary>
        private Directive Decide(IActorRef child, Exception cause)
        {
            if (child.Equals(_coordinator) || child.Equals(_membership))
            {
                // Restarted, the coordinator would come back undecided while the subsystems keep the level it had
                // driven them to, and it would forget the peer's membership it tracked; membership would forget which
                // incarnations it downed. Both are rebuilt with the whole actor system (a new incarnation, as a
                // merge does), and until then the failed actor keeps its state, still consistent with the subsystems.
                var reason = $"the {child.Path.Name} failed: {cause.GetType().Name}: {cause.Message}";
                // Logged here: a host without a way to rebuild (NoRebuildHost) says nothing itself.
                _log.Warning("Asking the host to rebuild the actor system: {0}", reason);
                _host.RequestRebuild(reason);
                return cause is ActorInitializationException or ActorKilledException or DeathPactException
                    ? Directive.Stop // nothing to resume
                    : Directive.Resume;
            }
            // The alarm engine's evaluation state (conditions, delays) is its own: a restart would forget it, so it
            // resumes and only the failed message is lost. The state replicator restarts: its state is in its log,
            // loaded again at start, and the peer's next probe resends what it lacks.
            if (child.Equals(_alarms))
                return cause is ActorInitializationException or ActorKilledException or DeathPactException ? Directive.Stop : Directive.Resume;
            // The ledger keeper restarts (the default): its ledger is on disk, and the cache tells it "logging" with every append.
            // The history cache restarts (the default): what it holds is on disk (segment log, quarantine), opened again
            // at start; a cache that cannot be opened stops (history is lost for this run, the rest of the node goes on).
            // Liveness and config replicator restart (and stop when they cannot be created): the detector's state is
            // rebuilt by the next heartbeats; the replicator's lives in its event-sourced store, which has its own
            // back-off supervisor, and its queue is refilled from the journal at start.
            return Akka.Actor.SupervisorStrategy.DefaultDecider.Decide(cause);
        }
    }

    /// <summary>One-for-one, with a decision that knows which child failed (a plain decider sees only the exception).</summary>
    private sealed class GuardianStrategy(Func<IActorRef, Exception, Directive> decide) : OneForOneStrategy
    {
        protected override Directive Handle(IActorRef child, Exception exception) => decide(child, exception);
    }
}
