using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>An operator moves the active role from the master to the backup with POST /api/redundancy/failover (manual recovery mode).</summary>
public sealed class OperatorFailoverTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Manual_mode_failover_request_moves_the_active_role_from_the_master_to_the_backup() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("manual");
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active");

        var (code, body) = await master.Api!.PostFailoverAsync();
        Log($"failover requested on the master: {code} {body}");
        Assert.Equal(200, code);
        Assert.Contains("\"accepted\":true", body);

        var (m, b) = await UntilPairSettledAsync(master, backup, "backup", "the backup active and the master cold after the failover request");
        Log($"after the failover request: {m}; {b}");
        await LogEventsAsync(master);
        await LogEventsAsync(backup);
    });
}
