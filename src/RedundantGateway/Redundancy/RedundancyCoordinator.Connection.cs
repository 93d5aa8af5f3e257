using Akka.Cluster;
using RedundantGateway.Liveness;

namespace RedundantGateway.Redundancy;

/// <summary>Whether the peer is connected: a reachable member of this node's cluster that answers heartbeats.</summary>
public sealed partial class RedundancyCoordinator
{
    /// <summary>Tracks the peer's membership from the events themselves (Cluster.State may lag behind them).</summary>
    private void OnClusterEvent(ClusterEvent.IClusterDomainEvent clusterEvent)
    {
        switch (clusterEvent)
        {
            case ClusterEvent.MemberUp { Member: var m } when !m.UniqueAddress.Equals(_cluster.SelfUniqueAddress):
                _reachableUpPeers.Add(m.UniqueAddress);
                break;
            case ClusterEvent.MemberWeaklyUp { Member: var m } when !m.UniqueAddress.Equals(_cluster.SelfUniqueAddress):
                _reachableUpPeers.Add(m.UniqueAddress);
                break;
            case ClusterEvent.MemberLeft or ClusterEvent.MemberExited or ClusterEvent.MemberRemoved or ClusterEvent.MemberDowned:
                var gone = ((ClusterEvent.MemberStatusChange)clusterEvent).Member.UniqueAddress;
                _reachableUpPeers.Remove(gone);
                _unreachable.Remove(gone);
                break;
            case ClusterEvent.UnreachableMember { Member: var m }:
                _unreachable.Add(m.UniqueAddress);
                break;
            case ClusterEvent.ReachableMember { Member: var m }:
                _unreachable.Remove(m.UniqueAddress);
                break;
        }
        UpdatePeerConnected();
    }

    private void UpdatePeerConnected()
    {
        var peerIsMember = _reachableUpPeers.Any(p => !_unreachable.Contains(p));
        var connected = peerIsMember && _peerState == PeerState.Reachable;
        if (connected == _peerConnected) return;
        _peerConnected = connected;
        Record(connected ? RedundancyEventKinds.PeerConnected : RedundancyEventKinds.PeerDisconnected,
            connected ? "peer is a reachable member of this node's cluster" : "peer is no longer a reachable member");
    }
}
