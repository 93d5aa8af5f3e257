using System.Diagnostics;
using System.Text.Json;
using RedundantGateway.Client;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// The Akka.Hosting seam: a host that only calls WithRedundantGateway (tests/RedundantGateway.EmbeddedHost, a
/// separate process) pairs with a stock node and takes over when that master is killed.
/// </summary>
public sealed class EmbeddedHostTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task An_embedded_backup_pairs_with_a_stock_master_and_takes_over_after_kill_9() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("automatic");
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec, NodeProcess.EmbeddedHostDll);
        await UntilPairSettledAsync(master, backup, "master", "the stock master active and the embedded backup cold, connected");
        // The host's own tag provider (registered in its services) is the engine's, and a cold node runs no provider.
        var cold = await RawStatusAsync(backup);
        Assert.Equal(["plant", "simulator"], cold.GetProperty("tagProviders").EnumerateArray().Select(p => p.GetString()));
        Assert.False(cold.GetProperty("plantProviderRunning").GetBoolean(), "the host's provider runs on a cold node");

        var clock = Stopwatch.StartNew();
        master.KillHard();
        await master.WaitForExitAsync(Deadline);
        var status = await UntilStatusAsync(backup, s => s.IsActive, "the embedded backup active after kill -9 of the master");
        Log($"embedded backup active {clock.Elapsed.TotalMilliseconds:0} ms after kill -9 of the master (epoch {status.Epoch})");
        Assert.Equal("backup", status.Role);
        Assert.Contains(status.Subsystems!, s => s.Name == "embedded" && s.Level == "active");
        await UntilAsync(async () => (await RawStatusAsync(backup)).GetProperty("plantProviderRunning").GetBoolean(),
            "the host's tag provider started by the engine once the embedded node is active");
    });

    private static async Task<JsonElement> RawStatusAsync(NodeProcess node)
    {
        var answer = await node.Api!.Client.SendAsync(HttpMethod.Get, GatewayRoutes.Status);
        return JsonDocument.Parse(answer.Body).RootElement.Clone();
    }
}
