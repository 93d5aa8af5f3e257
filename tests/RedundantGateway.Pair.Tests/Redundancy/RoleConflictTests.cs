using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 10 item 6: both nodes configured as master, or both as backup. The node link reveals it: the status and
/// the events say so, at most one node is active, and neither takes the configuration from the other.
/// </summary>
public sealed class RoleConflictTests(ITestOutputHelper output) : PairTest(output)
{
    private static readonly TimeSpan Watched = TimeSpan.FromSeconds(5);

    [Fact]
    public Task Two_masters_report_it_and_keep_at_most_one_active() => Scenario(async () =>
    {
        var (a, b) = SameRole("master");
        var first = StartNode(a);
        var second = StartNode(b);
        await BothReportAsync(first, second, "both nodes are configured as master");
        await UntilAsync(async () => ActiveCount(await first.Api!.GetStatusAsync(), await second.Api!.GetStatusAsync()) == 1,
            "exactly one of the two masters active");
        await NeverBothActiveAsync(first, second);

        // Each master keeps its own configuration: neither replaced the other's identity.
        var one = await first.Api!.GetStatusAsync();
        var other = await second.Api!.GetStatusAsync();
        Assert.NotNull(one?.Config?.Identity);
        Assert.NotNull(other?.Config?.Identity);
        Assert.NotEqual(one!.Config!.Identity, other!.Config!.Identity);
    });

    [Fact]
    public Task Two_backups_report_it_and_never_both_go_active() => Scenario(async () =>
    {
        var (a, b) = SameRole("backup");
        var first = StartNode(a);
        var second = StartNode(b);
        await BothReportAsync(first, second, "both nodes are configured as backup");
        await NeverBothActiveAsync(first, second);
    });

    private (NodeSpec A, NodeSpec B) SameRole(string role)
    {
        var (master, backup) = PairSpecs("automatic");
        return (master with { Name = $"{role}-a", Role = role, DataDir = Path.Combine(TestDir, "a") },
                backup with { Name = $"{role}-b", Role = role, DataDir = Path.Combine(TestDir, "b") });
    }

    private async Task BothReportAsync(NodeProcess first, NodeProcess second, string problem)
    {
        foreach (var node in new[] { first, second })
        {
            await UntilStatusAsync(node, s => s.RoleConflict == problem, $"the status says \"{problem}\"");
            var events = await node.Api!.GetEventsAsync();
            Assert.Contains(events!, e => e.Kind == "role-conflict" && e.Reason?.Contains(problem) == true);
        }
    }

    private async Task NeverBothActiveAsync(NodeProcess first, NodeProcess second)
    {
        var end = DateTime.UtcNow + Watched;
        var samples = 0;
        while (DateTime.UtcNow < end)
        {
            var (one, other) = (await first.Api!.GetStatusAsync(), await second.Api!.GetStatusAsync());
            samples++;
            Assert.True(ActiveCount(one, other) <= 1, $"both nodes active: {one}; {other}");
            await Task.Delay(50);
        }
        Log($"{samples} samples over {Watched.TotalSeconds:0} s: never both active");
    }

    private static int ActiveCount(params NodeStatus?[] statuses) => statuses.Count(s => s?.IsActive == true);
}
