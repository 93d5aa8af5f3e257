using RedundantGateway.Tests;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>Store-and-forward on a real pair writing one database of a private PostgreSQL server, stopped for the outage.</summary>
public sealed class HistoryOutagePostgresPairTests(ITestOutputHelper output, PostgresServer postgres)
    : HistoryOutagePairTest(output), IClassFixture<PostgresServer>
{
    protected override async Task<string> StoreHocon()
    {
        var connection = await postgres.CreateDatabaseAsync($"history_{Guid.NewGuid():N}"[..24]);
        Assert.DoesNotContain('"', connection);
        return $"history.postgres.connection-string = \"{connection}\"";
    }

    protected override async Task DatabaseAwayAsync()
    {
        await postgres.StopAsync();
        Log("PostgreSQL stopped (immediate)");
    }

    protected override async Task DatabaseBackAsync()
    {
        await postgres.RestartAsync();
        Log("PostgreSQL started again");
    }

    [Fact]
    public Task Database_unreachable_for_30_s_loses_nothing_and_the_backlog_drains() => DatabaseOutageScenario();
}
