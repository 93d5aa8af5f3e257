using Akka.Actor;
using Akka.Cluster;
using RedundantGateway.Client;
using RedundantGateway.Hosting;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;

namespace RedundantGateway.Node;

/// <summary>
/// What the rgw command line needs besides the REST API: the palettes (the node's and those a host registered) and
/// the cluster's members as Akka sees them, with the pair's activity level of the members this node knows.
/// </summary>
internal static class CliApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public static void AddServices(IServiceCollection services)
    {
        foreach (var palette in BuiltInPalettes.All) services.AddCliPalette(palette);
    }

    public static void Map(WebApplication app, NodeActorSystem runtime)
    {
        app.MapGet("/api/cli/palettes", (IServiceProvider services) =>
            NodeWeb.Json(new CliPaletteList(runtime.Settings.NodeName, NodeWeb.Version, CliPaletteRegistration.Palettes(services))));

        app.MapGet("/api/cluster/members", async () =>
        {
            if (runtime.Actors is not { } actors) return NodeWeb.Restarting();
            var state = Cluster.Get(actors.System).State;
            var self = Cluster.Get(actors.System).SelfAddress;
            var level = await OwnLevelOrNull(actors.Handles);
            var peer = await PeerOrNull(actors.Handles);
            var members = state.Members
                .Select(m => ToInfo(m, state.Unreachable.Contains(m), m.Address == self, level, peer, runtime.Settings.NodeName))
                .ToList();
            return NodeWeb.Json(new ClusterMembersAnswer(runtime.Settings.NodeName, members));
        });
    }

    private static ClusterMemberInfo ToInfo(Member member, bool unreachable, bool self, string? ownLevel, HeartbeatAck? peer, string nodeName)
    {
        var address = member.Address.ToString();
        var isPeer = !self && peer is not null && peer.ResponderAddress == address;
        return new ClusterMemberInfo(
            Address: address,
            Roles: member.Roles.OrderBy(r => r, StringComparer.Ordinal).ToList(),
            Status: member.Status.ToString(),
            Reachability: unreachable ? "Unreachable" : "Reachable",
            Self: self,
            NodeName: self ? nodeName : isPeer ? peer!.ResponderNodeName : null,
            ActivityLevel: self ? ownLevel : isPeer ? Lower(peer!.ResponderActivity.Level) : null,
            // The heartbeat does not carry the peer's version (the pair protocol is unchanged): only this node's.
            Version: self ? NodeWeb.Version : null);
    }

    private static async Task<string?> OwnLevelOrNull(RedundancyHandles handles)
    {
        try { return Lower((await handles.Coordinator.Ask<RedundancyStatus>(GetRedundancyStatus.Instance, AskTimeout)).Level); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static async Task<HeartbeatAck?> PeerOrNull(RedundancyHandles handles)
    {
        try { return (await handles.Liveness.Ask<LivenessStatus>(GetLivenessStatus.Instance, AskTimeout)).LastAck; }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return null; }
    }

    private static string Lower(ActivityLevel level) => level.ToString().ToLowerInvariant();
}
