using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.History;

/// <summary>Partial backup history level against SQLite: both nodes share one file in the test's folder.</summary>
public sealed class PartialHistoryPairTests(ITestOutputHelper output) : PartialHistoryPairTest(output)
{
    protected override Task<string> StoreHocon() =>
        Task.FromResult($"history.sqlite-path = \"{Path.Combine(TestDir, "history.db").Replace("\\", "/")}\"");

    [Fact]
    public Task A_master_killed_for_20_s_leaves_every_second_of_the_window_in_the_database_once() => MasterKilledScenario();

    [Fact]
    public Task A_20_s_link_cut_keeps_the_masters_samples_and_drops_the_backups() => LinkCutScenario();
}
