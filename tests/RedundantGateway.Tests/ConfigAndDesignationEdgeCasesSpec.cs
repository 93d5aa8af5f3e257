// Each test names the bug it demonstrates; see the report for file/line and the expected behaviour.
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests;

public sealed class ConfigEdgeCasesSpec : IDisposable
{
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteQuietly(_dir);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    // Regression (HoconSyntaxCheck.KeysWithoutValue): once a key without a value followed by another key is not caught; the parser silently drops both ('c' is lost).
    [Fact]
    public void A_key_without_a_value_between_two_keys_is_refused()
    {
        var error = Assert.Throws<GatewayConfigException>(() => GatewayConfig.Parse("a = 1\nb\nc = 2\n", "k.hocon"));

        Assert.StartsWith("k.hocon:2: ", error.Message);
    }

    // Regression (GatewayConfig.LineOf): once Akka never reports a line; the fallback names the file's LAST line, even when the parser gives the character position of the error.
    [Fact]
    public void A_syntax_error_names_the_line_it_is_on()
    {
        var error = Assert.Throws<GatewayConfigException>(() => GatewayConfig.Parse("a = 1\nb = @@@\nc = 2\nd = 3\n", "f.hocon"));

        Assert.StartsWith("f.hocon:2: ", error.Message);
    }

    // Regression (GatewaySettings.SettingsReader): once raw values are quoted verbatim, so a multi-line (triple-quoted) value gives a multi-line message.
    [Theory]
    [InlineData("redundant-gateway.role = \"\"\"master\nbackup\"\"\"")]
    [InlineData("redundant-gateway.web.port = \"\"\"80\n80\"\"\"")]
    [InlineData("redundant-gateway.redundancy.failover-timeout = \"\"\"1s\n2s\"\"\"")]
    public void A_multi_line_bad_value_is_still_refused_on_one_line(string hocon)
    {
        var error = Assert.Throws<GatewayConfigException>(() => GatewaySettings.Create(GatewayConfig.Parse(hocon, "f.hocon"), "f.hocon"));

        Assert.DoesNotContain('\n', error.Message);
    }
}

public sealed class HoconSubstitutionSpec
{
    // Once a stack overflow in the key check that killed the process. Akka's parser does not keep the
    // earlier value under an unset optional substitution (it yields null), so the settings refuse it in one line.
    [Fact]
    public void An_optional_substitution_is_checked_without_crashing()
    {
        var config = GatewayConfig.Parse("redundant-gateway.node-name = \"gw\"\nredundant-gateway.node-name = ${?RG_NODE_NAME_NOT_SET}\n", "env.hocon");
        var error = Assert.Throws<GatewayConfigException>(() => GatewaySettings.Create(config, "env.hocon"));
        Assert.Contains("redundant-gateway.node-name", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}

public sealed class PhiMonotonicitySpec
{
    // Regression (PhiAccrualEstimator.Phi, the double.IsFinite fallback): once exp() underflows to 0 (about 21.6 std deviations past the mean: 2.36 s of silence with 200 ms heartbeats and 100 ms min std), phi drops from about 320 to the fallback 100: phi is not monotonic in the silence.
    [Fact]
    public void Phi_never_decreases_with_silence()
    {
        var estimator = new PhiAccrualEstimator(200, TimeSpan.FromMilliseconds(100), TimeSpan.Zero);
        long now = 0;
        estimator.Heartbeat(now);
        for (var i = 0; i < 20; i++) estimator.Heartbeat(now += 200);

        var previous = 0.0;
        for (long silent = 0; silent <= 5_000; silent += 10)
        {
            var phi = estimator.Phi(now + silent);
            Assert.True(phi >= previous, $"phi fell from {previous:F1} to {phi:F1} at {silent} ms of silence");
            previous = phi;
        }
    }
}

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

        designator.Tell(new FailoverRequested("spec"), TestActor);
        Assert.True(ExpectMsg<FailoverResult>(Deadline).Accepted);
        Assert.Equal(backupAddress, masterProbe.ExpectMsg<ActiveNodeDesignated>(Deadline).ActiveAddress);

        // While the master stands down, nobody may be told that the master is active again.
        // Until the master reports that it stood down, it may be told again, but only the same thing.
        foreach (var again in masterProbe.ReceiveWhile(TimeSpan.FromMilliseconds(700), m => (ActiveNodeDesignated)m))
            Assert.Equal((2L, backupAddress), (again.Epoch, again.ActiveAddress));
        backupProbe.ExpectNoMsg(TimeSpan.Zero);

        masterProbe.Send(designator, Master(ActivityLevel.Cold, 2));
        var activate = backupProbe.ExpectMsg<ActiveNodeDesignated>(Deadline);
        Assert.Equal(backupAddress, activate.ActiveAddress);
        Assert.Equal(2, activate.Epoch);
    }
}
