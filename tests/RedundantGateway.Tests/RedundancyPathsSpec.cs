using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Liveness;
using RedundantGateway.Membership;
using RedundantGateway.Redundancy;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class RedundancyPathsSpec
{
    private const string Peer = "akka.tcp://redundant-gateway@10.0.0.2:8751";

    [Fact]
    public void A_peer_address_is_the_akka_tcp_address_of_its_node_link()
    {
        Assert.Equal(Peer, RedundancyPaths.NodeAddress(RedundancyPaths.SystemName, new NodeEndpoint("10.0.0.2", 8751)));
    }

    [Fact]
    public void The_peer_paths_name_the_guardian_and_its_children()
    {
        Assert.Equal($"{Peer}/user/redundancy/liveness", RedundancyPaths.LivenessPath(Peer));
        Assert.Equal($"{Peer}/user/redundancy/coordinator", RedundancyPaths.CoordinatorPath(Peer));
        Assert.Equal($"{Peer}/user/redundancy/config-replicator", RedundancyPaths.ConfigReplicatorPath(Peer));
        Assert.Equal($"{Peer}/user/redundancy/config-replicator",
            RedundancyPaths.ConfigReplicatorPath(RedundancyPaths.SystemName, new NodeEndpoint("10.0.0.2", 8751)));
        Assert.Equal("/user/redundancy/liveness", RedundancyPaths.LivenessPath(""));
        Assert.Equal("/user/designator", RedundancyPaths.DesignatorManagerPath);
    }

    [Fact]
    public void The_actors_are_named_as_the_paths_say()
    {
        Assert.Equal(RedundancyPaths.Liveness, PeerFailureDetector.Name);
        Assert.Equal(RedundancyPaths.Coordinator, RedundancyCoordinator.Name);
        Assert.Equal(RedundancyPaths.Membership, PairMembership.Name);
        Assert.Equal(RedundancyPaths.ConfigReplicator, ConfigReplicator.Name);
    }

    [Fact]
    public void Event_kinds_keep_their_values()
    {
        // Part of the external contract (/api/redundancy/events): tools match on these strings.
        Assert.Equal("soft-restart", RedundancyEventKinds.ActorSystemRebuilt);
        Assert.Equal("peer-down", RedundancyEventKinds.PeerDown);
        Assert.Equal("config-saved", RedundancyEventKinds.ConfigSaved);
        Assert.Equal("config-full-transfer", RedundancyEventKinds.ConfigFullTransfer);
        Assert.Equal("config-module-transfer", RedundancyEventKinds.ConfigModuleTransfer);
        Assert.Equal("config-transfer-failed", RedundancyEventKinds.ConfigTransferFailed);
        var values = typeof(RedundancyEventKinds).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
    }
}
