using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.History;

/// <summary>
/// As the shipped hocon/master.hocon and hocon/backup.hocon started from one folder (and ../shared/checks/history):
/// data dirs data/master and data/backup, no history key, so both nodes take the default SQLite file data/history.db
/// relative to the working directory, whose folder the nodes' own data dirs create.
/// </summary>
public sealed class ShippedLayoutPartialHistoryPairTests(ITestOutputHelper output) : PartialHistoryPairTest(output)
{
    protected override string? DataRoot => Path.Combine(TestDir, "data");

    protected override Task<string> StoreHocon() => Task.FromResult("");

    [Fact]
    public Task With_the_default_shared_file_a_master_killed_for_20_s_leaves_every_second_once() => Scenario(async () =>
    {
        Assert.False(Directory.Exists(Path.Combine(TestDir, "data")), "data/ exists before the nodes start");
        await MasterKilledScenario();
        Assert.True(File.Exists(Path.Combine(TestDir, "data", "history.db")), "no data/history.db in the nodes' working directory");
    });
}
