using System.IO.Compression;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// A data dir written by an earlier version starts with this one: the configuration store (journal and snapshots),
/// the epoch file and the modules folder of the node built from c6e185e (Fixtures/README.md says how it was made).
/// </summary>
public sealed class DataDirCompatibilityTests(ITestOutputHelper output) : ConfigReplicationTestBase(output)
{
    private const string Identity = "f192495450cf4c7da7d710366e27b6a0";
    private const string Digest = "42ddc7bd1b8428c0214a62b664f6c5cb3c7aaa5652e0dde914af7487f0ffc6c8";
    private const string ModulesDigest = "dc97244eb8234faf28ec7f9b21ded1f107d3e9ae94b39571ade520b6c518175f";

    [Fact]
    public Task A_master_data_dir_of_c6e185e_starts_serves_its_configuration_and_replicates_it() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        ZipFile.ExtractToDirectory(Path.Combine(AppContext.BaseDirectory, "Fixtures", "datadir-c6e185e.zip"), masterSpec.DataDir);
        var master = Start(masterSpec);
        var backup = Start(backupSpec);

        var (m, b) = await UntilInSyncAsync(master, backup, "the pair in sync with the old master's configuration", StartupTimeout);
        Assert.Equal((Identity, 27L, Digest, 25), (m.Config.Identity, m.Config.Revision, m.Config.Digest, m.Config.Count));
        Assert.Equal((1, ModulesDigest), (m.Sync.Modules, m.Sync.ModulesDigest));
        Assert.Equal("""{"scanRateMs":70,"name":"line 7"}""", m.Config.Resources["tags/line7"]);
        Assert.Equal("""{"mode":"auto","limits":[1,2,3]}""", m.Config.Resources["projects/plant1/settings"]);
        Assert.False(m.Config.Resources.ContainsKey("tags/line3"));
        AssertSameConfig(m.Config, b.Config, "the backup's copy");
        Assert.Equal(ModulesDigest, b.Sync.ModulesDigest);
        var status = await master.Api!.GetStatusAsync();
        Assert.True(status is { Epoch: >= 1 }, $"the master's epoch continues from its epoch file (1): {status}");

        // The old store takes new edits after its last revision.
        Assert.Equal(28, await PutAsync(master, "tags/line26", """{"scanRateMs":260}"""));
        await UntilInSyncAsync(master, backup, "the new edit on the backup");
    });
}
