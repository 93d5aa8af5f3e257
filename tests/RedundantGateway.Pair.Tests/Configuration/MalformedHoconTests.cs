using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// More HOCON syntax errors: each must stop the node with one stderr line naming the file, never let it run
/// with what the parser made of the rest. The file's first lines give it free ports and a data dir, so a node
/// that starts anyway (the bug) cannot disturb anything else on the machine.
/// </summary>
public sealed class MalformedHoconTests(ITestOutputHelper output) : PairTest(output)
{
    [Theory]
    [InlineData("unterminated-string", "  node-name = \"master\n  role = master\n}\n")]
    [InlineData("missing-closing-brace", "  node-name = \"master\"\n  role = master\n")]
    [InlineData("extra-closing-brace", "  node-name = \"master\"\n  role = master\n}\n}\n")]
    [InlineData("unclosed-inner-object", "  redundancy { join-wait-time = 5s\n  role = master\n}\n")]
    public Task Syntax_error_stops_the_node_with_one_stderr_line_naming_the_file(string name, string rest) => Scenario(async () =>
    {
        var file = Path.Combine(TestDir, $"{name}.conf");
        var head = $"redundant-gateway {{\n  web.port = {FreePort.Next()}\n  cluster.port = {FreePort.Next()}\n" +
                   $"  data-dir = \"{Path.Combine(TestDir, "data").Replace("\\", "/")}\"\n";
        await File.WriteAllTextAsync(file, head + rest);
        var node = StartNodeWithConfig(name, file);

        // A config error ends the process at once; a node that starts its link did not see the error.
        await Poll.UntilAsync(() => node.HasExited || node.Lines.Any(l => l.Text.Contains("Remoting started")),
            Deadline, $"{name}: the node exited or started its link");
        var started = node.Lines.FirstOrDefault(l => l.Text.Contains("Remoting started"));
        Assert.True(started is null, $"the node started despite the syntax error: {started?.Text}\n{string.Join("\n", node.Lines.Take(12))}");
        var exit = await node.WaitForExitAsync(Deadline);
        var stderr = node.StderrLines;
        Log($"exit code {exit}; stderr: {string.Join(" | ", stderr)}");
        Assert.NotEqual(0, exit);
        Assert.True(stderr.Count == 1, $"expected exactly one stderr line, got {stderr.Count}:\n{string.Join("\n", stderr)}");
        Assert.Contains($"{name}.conf", stderr[0]);
    });
}
