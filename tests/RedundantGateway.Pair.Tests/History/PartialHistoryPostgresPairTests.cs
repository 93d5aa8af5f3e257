using RedundantGateway.Tests;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.History;

/// <summary>Partial backup history level against PostgreSQL: both nodes write one database of a private server.</summary>
public sealed class PartialHistoryPostgresPairTests(ITestOutputHelper output, PostgresServer postgres)
    : PartialHistoryPairTest(output), IClassFixture<PostgresServer>
{
    protected override async Task<string> StoreHocon()
    {
        var connection = await postgres.CreateDatabaseAsync($"history_{Guid.NewGuid():N}"[..24]);
        Assert.DoesNotContain('"', connection);
        return $"history.postgres.connection-string = \"{connection}\"";
    }

    [Fact]
    public Task A_master_killed_for_20_s_leaves_every_second_of_the_window_in_the_database_once() => MasterKilledScenario();
}
