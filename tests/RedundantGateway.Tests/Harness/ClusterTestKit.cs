using Akka.Actor;
using Akka.Cluster;
using RedundantGateway.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

/// <summary>A TestKit whose system is a cluster node on a free loopback port (not joined until asked).</summary>
public abstract class ClusterTestKit(ITestOutputHelper output, string extraConfig = "")
    : Akka.TestKit.Xunit2.TestKit(TestSupport.ClusterSystemConfig(extraConfig), output: output)
{
    /// <summary>Upper bound for anything awaited: generous, since the machine may be loaded; passing tests never wait it out.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly List<ActorSystem> _extraSystems = [];

    protected Cluster SysCluster => Cluster.Get(Sys);

    protected string SelfAddress => SysCluster.SelfAddress.ToString();

    protected long SelfUid => SysCluster.SelfUniqueAddress.Uid;

    /// <summary>Forms a one-node cluster and waits for this node to be Up.</summary>
    protected async Task JoinSelfAsync()
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        SysCluster.RegisterOnMemberUp(() => up.TrySetResult());
        SysCluster.Join(SysCluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>A second cluster node in this process (same system name), joined to <see cref="Sys"/>'s cluster; both seen Up.</summary>
    protected async Task<ActorSystem> StartSecondNodeAsync()
    {
        await JoinSelfAsync();
        var second = ActorSystem.Create(Sys.Name, TestSupport.ClusterSystemConfig());
        _extraSystems.Add(second);
        var secondCluster = Cluster.Get(second);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        secondCluster.RegisterOnMemberUp(() => up.TrySetResult());
        secondCluster.Join(SysCluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(15));
        AwaitCondition(() => SysCluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 2, TimeSpan.FromSeconds(15));
        return second;
    }

    protected override void AfterAll()
    {
        foreach (var system in _extraSystems)
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    protected static GatewaySettings Settings(string body) => TestSupport.Settings(body);
}
