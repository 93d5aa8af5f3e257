using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using RedundantGateway.Liveness;
using RedundantGateway.Membership;
using RedundantGateway.Redundancy;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Membership;

/// <summary>
/// How a backup's join can be lost, in process: <see cref="TestKit"/>'s system is the master (Up alone), a second
/// actor system is the backup. Seen under CPU load in the pair tests: the backup's join wait elapsed while Akka's
/// join to the master was in flight; the backup joined itself, the master admitted it anyway, and the backup then
/// ignored the master's Welcome and gossip ("from unknown") for good.
/// </summary>
public sealed class PairMembershipJoinSpec(ITestOutputHelper output) : ClusterTestKit(output)
{
    private ActorSystem? _backup;

    [Fact]
    public async Task A_backup_whose_join_wait_elapses_before_the_masters_answer_joins_the_masters_cluster()
    {
        await JoinSelfAsync();
        var backup = StartBackupSystem();
        // Join wait 0: the wait elapses before the master's first answer can arrive, as under load.
        var settings = BackupSettings() with { JoinWaitTime = TimeSpan.Zero };

        backup.ActorOf(PairMembership.Props(new NodeIdentity("backup", NodeRole.Backup), settings, new RecordingHost()), "membership");

        var backupCluster = Cluster.Get(backup);
        AwaitAssert(() =>
        {
            Assert.Contains(backupCluster.State.Members, m => m.UniqueAddress.Equals(SysCluster.SelfUniqueAddress));
            Assert.Contains(SysCluster.State.Members, m => m.UniqueAddress.Equals(backupCluster.SelfUniqueAddress) && m.Status == MemberStatus.Up);
        }, Deadline, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_backup_whose_master_is_not_running_forms_a_cluster_alone_after_the_join_wait()
    {
        // Nothing listens at the master's address: Akka's first-seed process gets no answer and joins this node.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var deadPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = BackupSettings() with { MasterAddress = new NodeEndpoint("127.0.0.1", deadPort), JoinWaitTime = TimeSpan.Zero };

        Sys.ActorOf(PairMembership.Props(new NodeIdentity("backup", NodeRole.Backup), settings, new RecordingHost()), "membership");

        AwaitAssert(() => Assert.Contains(SysCluster.State.Members,
            m => m.UniqueAddress.Equals(SysCluster.SelfUniqueAddress) && m.Status == MemberStatus.Up), Deadline, TimeSpan.FromMilliseconds(100));
        Assert.Single(SysCluster.State.Members);
    }

    [Fact]
    public async Task A_backup_that_joined_itself_while_its_join_was_in_flight_is_stuck_until_it_rebuilds()
    {
        await JoinSelfAsync();
        var backup = StartBackupSystem();
        var backupCluster = Cluster.Get(backup);

        // The race, made deterministic: a join to the master is sent, then the node joins itself before the
        // master's Welcome arrives (what the backup's join wait used to do). Akka.NET leaves the joining state,
        // so the Welcome that follows is ignored.
        backupCluster.Join(SysCluster.SelfAddress);
        backupCluster.Join(backupCluster.SelfAddress);

        AwaitAssert(() =>
        {
            Assert.Contains(SysCluster.State.Members, m => m.UniqueAddress.Equals(backupCluster.SelfUniqueAddress));
            Assert.Contains(backupCluster.State.Members, m => m.UniqueAddress.Equals(backupCluster.SelfUniqueAddress) && m.Status == MemberStatus.Up);
        }, Deadline, TimeSpan.FromMilliseconds(100));
        Assert.DoesNotContain(backupCluster.State.Members, m => m.UniqueAddress.Equals(SysCluster.SelfUniqueAddress));

        // The master's heartbeat answers say it lists the backup: rule 6 rebuilds the backup's actor system.
        var host = new RecordingHost();
        var settings = BackupSettings() with { MergeConfirmTime = TimeSpan.FromMilliseconds(300) };
        backup.ActorOf(PairMembership.Props(new NodeIdentity("backup", NodeRole.Backup), settings, host), "membership");
        var masterView = new PeerActivity(NodeRole.Master, ActivityLevel.Active, 1, 1_000);
        long sequence = 0;
        AwaitAssert(() =>
        {
            backup.EventStream.Publish(new HeartbeatAck(++sequence, 0, SelfAddress, SelfUid, "master",
                ResponderIsUp: true, ResponderSeesSender: true, masterView));
            Assert.Single(host.Requests, reason => reason.Contains("lost join"));
        }, Deadline, TimeSpan.FromMilliseconds(100));
    }

    private ActorSystem StartBackupSystem()
    {
        _backup = ActorSystem.Create(Sys.Name, TestSupport.ClusterSystemConfig());
        return _backup;
    }

    private RedundancySettings BackupSettings()
    {
        var master = SysCluster.SelfAddress;
        return Settings("").Redundancy with { MasterAddress = new NodeEndpoint(master.Host!, master.Port!.Value) };
    }

    protected override void AfterAll()
    {
        _backup?.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    private sealed class RecordingHost : IActorSystemHost
    {
        public ConcurrentQueue<string> Requests { get; } = new();

        public void RequestRebuild(string reason) => Requests.Enqueue(reason);
    }
}
