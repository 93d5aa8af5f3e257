using System.Net;
using System.Net.Sockets;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>A node that cannot run says why in one stderr line and exits non-zero.</summary>
public sealed class BadConfigTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Hocon_syntax_error_exits_non_zero_with_one_stderr_line_naming_the_file() => Scenario(async () =>
    {
        var file = Path.Combine(TestDir, "broken.conf");
        await File.WriteAllTextAsync(file, """
            redundant-gateway {
              node-name = "master"
              role = master
              web.port = [8088
              cluster { port = 8750
            """);
        var node = StartNodeWithConfig("broken", file);

        var exit = await node.WaitForExitAsync(Deadline);
        var stderr = node.StderrLines;
        Log($"exit code {exit}; stderr: {string.Join(" | ", stderr)}");
        Assert.True(exit is not null, "the node did not exit");
        Assert.NotEqual(0, exit);
        Assert.True(stderr.Count == 1, $"expected exactly one stderr line, got {stderr.Count}:\n{string.Join("\n", stderr)}");
        Assert.Contains("broken.conf", stderr[0]);
    });

    [Fact]
    public Task A_missing_api_token_file_exits_2_with_one_stderr_line_naming_the_key_and_the_file() => Scenario(async () =>
    {
        var (masterSpec, _) = PairSpecs();
        var missing = Path.Combine(TestDir, "no-such-token").Replace("\\", "/");
        var node = StartNode(masterSpec with { Extra = $"  api.token-file = \"{missing}\"" });

        var exit = await node.WaitForExitAsync(Deadline);
        var stderr = node.StderrLines;
        Log($"exit code {exit}; stderr: {string.Join(" | ", stderr)}");
        Assert.Equal(2, exit);
        Assert.True(stderr.Count == 1, $"expected exactly one stderr line, got {stderr.Count}:\n{string.Join("\n", stderr)}");
        Assert.Contains("redundant-gateway.api.token-file", stderr[0]);
        Assert.Contains(missing, stderr[0]);
    });

    [Fact]
    public Task Web_port_in_use_exits_non_zero_with_a_one_line_error() => Scenario(async () =>
    {
        var (masterSpec, _) = PairSpecs();
        var holder = new TcpListener(IPAddress.Loopback, masterSpec.WebPort);
        holder.Start();
        try
        {
            var node = StartNode(masterSpec);
            var exit = await node.WaitForExitAsync(Deadline);
            var stderr = node.StderrLines;
            Log($"exit code {exit}; stderr: {string.Join(" | ", stderr)}");
            Assert.True(exit is not null, "the node did not exit while its web port was taken");
            Assert.NotEqual(0, exit);
            Assert.True(stderr.Count == 1, $"expected exactly one stderr line, got {stderr.Count}:\n{string.Join("\n", stderr)}");
            Assert.Contains(masterSpec.WebPort.ToString(), stderr[0]);
        }
        finally
        {
            holder.Stop();
        }
    });
}
