// Regression specs: each test names the bug it demonstrates and the expected behaviour.
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using RedundantGateway.Redundancy;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

public sealed class OperatorFailoverDesignationSpec(ITestOutputHelper output) : ClusterTestKit(output)
{
    // Regression (ActiveNodeDesignator.KeepsCurrent, line 157, as of d05c964): once an operator failover sets _current to the standby, but while the master has not yet REPORTED itself cold, KeepsCurrent returns false ("another node reports active"), so the next Decide(null) (the 250 ms Evaluate tick, or the master's periodic report) re-runs ChooseActive, which picks the still-active master, and re-designates it at a new epoch.
    [Fact]
    public async Task An_accepted_operator_failover_is_not_undone_by_the_next_evaluation()
    {
        var other = await StartSecondNodeAsync();
        var designator = Sys.ActorOf(ActiveNodeDesignator.Props(TestSupport.DesignatorSettings(RecoveryMode.Manual, TimeSpan.FromSeconds(10))), "designator");
        var masterProbe = CreateTestProbe("master");
        var backupProbe = CreateTestProbe("backup");
        var backupCluster = Cluster.Get(other);
        var backupAddress = backupCluster.SelfAddress.ToString();
        CoordinatorReport Master(ActivityLevel level, long epoch) =>
            new(SelfAddress, SelfUid, "master", NodeRole.Master, level, epoch, level == ActivityLevel.Active ? 1_000 : null);
        CoordinatorReport Backup(ActivityLevel level, long epoch) =>
            new(backupAddress, backupCluster.SelfUniqueAddress.Uid, "backup", NodeRole.Backup, level, epoch, null);
        masterProbe.Send(designator, Master(ActivityLevel.Active, 1));
        backupProbe.Send(designator, Backup(ActivityLevel.Cold, 1));
        masterProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(700));

        // Coordinators report every report-interval and the designator ignores reports older than three of them:
        // report again as they would, or a slow machine turns this spec into "the peer is gone".
        masterProbe.Send(designator, Master(ActivityLevel.Active, 1));
        backupProbe.Send(designator, Backup(ActivityLevel.Cold, 1));
        designator.Tell(new FailoverRequested("spec"), TestActor);
        Assert.True(ExpectMsg<FailoverResult>(Deadline).Accepted);
        Assert.Equal(backupAddress, masterProbe.ExpectMsg<ActiveNodeDesignated>(Deadline).ActiveAddress);

        // While the master stands down, nobody may be told that the master is active again.
        // Until the master reports that it stood down, it may be told again, but only the same thing.
        foreach (var again in masterProbe.ReceiveWhile(TimeSpan.FromMilliseconds(700), m => (ActiveNodeDesignated)m))
            Assert.Equal((2L, backupAddress), (again.Epoch, again.ActiveAddress));
        backupProbe.Send(designator, Backup(ActivityLevel.Cold, 1));
        backupProbe.ExpectNoMsg(TimeSpan.Zero);

        masterProbe.Send(designator, Master(ActivityLevel.Cold, 2));
        var activate = backupProbe.ExpectMsg<ActiveNodeDesignated>(Deadline);
        Assert.Equal(backupAddress, activate.ActiveAddress);
        Assert.Equal(2, activate.Epoch);
    }
}
