using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Liveness;
using RedundantGateway.Membership;
using RedundantGateway.Redundancy;
using RedundantGateway.Runtime;

namespace RedundantGateway;

/// <summary>The actors of one node, as the host needs them.</summary>
/// <param name="Config">the config replicator: edits and reads of the configuration go through it to the store.</param>
public sealed record RedundancyHandles(IActorRef Coordinator, IActorRef Liveness, IActorRef Membership, IActorRef Config);

/// <summary>Starts the redundancy actors of one node in an actor system configured for clustering.</summary>
public static class RedundancyRuntime
{
    public static RedundancyHandles Start(ActorSystem system, GatewaySettings settings,
        IReadOnlyList<IRuntimeSubsystem> subsystems, IRuntimeControl control, NodeMemory memory)
    {
        var singletonSettings = ClusterSingletonManagerSettings.Create(system);
        system.ActorOf(ClusterSingletonManager.Props(
                ActiveNodeDesignator.Props(settings.Redundancy),
                PoisonPill.Instance, singletonSettings),
            RedundancyPaths.DesignatorManager);
        var designator = system.ActorOf(ClusterSingletonProxy.Props(
                RedundancyPaths.DesignatorManagerPath, ClusterSingletonProxySettings.Create(system)),
            RedundancyPaths.DesignatorProxy);

        var guardian = system.ActorOf(Props.Create(() => new NodeGuardian(settings, subsystems, control, memory, designator)),
            RedundancyPaths.Guardian);
        return guardian.Ask<RedundancyHandles>(NodeGuardian.GetHandles.Instance, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    /// <summary>/user/redundancy: owns this node's liveness, coordinator and membership actors.</summary>
    private sealed class NodeGuardian : ReceiveActor
    {
        public sealed record GetHandles { public static readonly GetHandles Instance = new(); }

        public NodeGuardian(GatewaySettings settings, IReadOnlyList<IRuntimeSubsystem> subsystems,
            IRuntimeControl control, NodeMemory memory, IActorRef designator)
        {
            var peerAddress = settings.PeerAddress is { } peer ? RedundancyPaths.NodeAddress(Context.System.Name, peer) : null;
            var initialActivity = new PeerActivity(settings.Role, ActivityLevel.Undecided, memory.Epoch, null);
            var liveness = Context.ActorOf(PeerFailureDetector.Props(settings.Liveness, settings.NodeName,
                settings.Role == NodeRole.Independent ? null : peerAddress, initialActivity), PeerFailureDetector.Name);
            var coordinator = Context.ActorOf(RedundancyCoordinator.Props(settings.Identity, settings.Redundancy, settings.Liveness, subsystems, designator, memory,
                new EpochFile(settings.DataDir)), RedundancyCoordinator.Name);
            var membership = Context.ActorOf(PairMembership.Props(settings.Identity, settings.Redundancy, control), PairMembership.Name);
            var config = Context.ActorOf(ConfigReplicator.Props(settings, coordinator, memory.Config), ConfigReplicator.Name);
            var handles = new RedundancyHandles(coordinator, liveness, membership, config);
            Receive<GetHandles>(_ => Sender.Tell(handles));
        }
    }
}
