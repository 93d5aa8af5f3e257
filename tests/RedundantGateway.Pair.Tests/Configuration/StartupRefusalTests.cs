using System.Net;
using System.Net.Sockets;
using System.Text;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Operator mistakes a node must refuse at start, with exit code 2 and one stderr line (issue 10, items 5 and 7 and
/// the taken port), and a peer address that is not a node, reported once instead of as an error every retry.
/// </summary>
public sealed class StartupRefusalTests(ITestOutputHelper output) : PairTest(output)
{
    private NodeSpec MasterSpec(string extra = "") => new()
    {
        Name = "master", Role = "master", DataDir = Path.Combine(TestDir, "master"), JoinWaitTime = TimeSpan.FromSeconds(1), Extra = extra,
    };

    private async Task<string> WriteSpecAsync(NodeSpec spec)
    {
        var file = Path.Combine(TestDir, $"{spec.Name}.conf");
        await File.WriteAllTextAsync(file, spec.ToHocon());
        return file;
    }

    /// <summary>Waits for the exit; asserts code 2, exactly one stderr line, no stack trace; returns that line.</summary>
    private async Task<string> AssertRefusedAsync(NodeProcess node)
    {
        var exit = await node.WaitForExitAsync(Deadline);
        var stderr = node.StderrLines;
        Log($"exit code {exit}; stderr: {string.Join(" | ", stderr)}");
        Assert.True(exit is not null, "the node did not exit");
        Assert.Equal(2, exit);
        Assert.True(stderr.Count == 1, $"expected exactly one stderr line, got {stderr.Count}:\n{string.Join("\n", stderr)}");
        var trace = node.Lines.FirstOrDefault(l => l.Text.StartsWith("   at ", StringComparison.Ordinal) || l.Text.Contains("Exception"));
        Assert.True(trace is null, $"a stack trace or exception in the output: {trace}");
        Assert.DoesNotContain(node.Lines, l => l.Text.Contains("Remoting started"));
        return stderr[0];
    }

    [Fact]
    public Task A_misspelled_key_in_a_second_file_exits_2_with_one_line_naming_the_key_the_file_and_the_nearest_key() => Scenario(async () =>
    {
        var nodeFile = await WriteSpecAsync(MasterSpec());
        var typo = Path.Combine(TestDir, "typo.hocon");
        await File.WriteAllTextAsync(typo, "redundant-gateway.redundancy.recovery-mdoe = manual\n");

        var line = await AssertRefusedAsync(StartNodeWithConfigs("typo", nodeFile, typo));

        Assert.Contains("typo.hocon", line);
        Assert.Contains("redundant-gateway.redundancy.recovery-mdoe", line);
        Assert.Contains("nearest known key: redundant-gateway.redundancy.recovery-mode", line);
    });

    [Fact]
    public Task A_setting_written_outside_its_block_exits_2_naming_where_it_belongs() => Scenario(async () =>
    {
        // recovery-mode directly under redundant-gateway (NodeSpec's Extra goes there), not in its redundancy block.
        var nodeFile = await WriteSpecAsync(MasterSpec("  recovery-mode = manual"));

        var line = await AssertRefusedAsync(StartNodeWithConfig("misplaced", nodeFile));

        Assert.Contains("master.conf", line);
        Assert.Contains("redundant-gateway.recovery-mode", line);
        Assert.Contains("redundant-gateway.redundancy.recovery-mode", line);
    });

    [Fact]
    public Task A_wildcard_cluster_hostname_exits_2_saying_what_to_set() => Scenario(async () =>
    {
        var nodeFile = await WriteSpecAsync(MasterSpec("  cluster.hostname = \"0.0.0.0\""));

        var line = await AssertRefusedAsync(StartNodeWithConfig("wildcard", nodeFile));

        Assert.Contains("redundant-gateway.cluster.hostname", line);
        Assert.Contains("0.0.0.0", line);
        Assert.Contains("public-hostname", line);
    });

    [Fact]
    public Task A_taken_cluster_port_exits_2_with_one_line_naming_the_port() => Scenario(async () =>
    {
        var spec = MasterSpec();
        var holder = new TcpListener(IPAddress.Loopback, spec.ClusterPort);
        holder.Start();
        try
        {
            var line = await AssertRefusedAsync(StartNode(spec));
            Assert.Contains($"port {spec.ClusterPort} is in use", line);
            Assert.Contains("redundant-gateway.cluster.port", line);
        }
        finally
        {
            holder.Stop();
        }
    });

    [Fact]
    public Task A_taken_web_port_exits_2_with_one_line_naming_the_port() => Scenario(async () =>
    {
        var spec = MasterSpec();
        var holder = new TcpListener(IPAddress.Loopback, spec.WebPort);
        holder.Start();
        try
        {
            var line = await AssertRefusedAsync(StartNode(spec));
            Assert.Contains($"port {spec.WebPort} is in use", line);
            Assert.Contains("redundant-gateway.web.port", line);
        }
        finally
        {
            holder.Stop();
        }
    });

    [Fact]
    public Task A_peer_address_that_is_not_a_node_is_one_warning_naming_it_not_an_error_every_retry() => Scenario(async () =>
    {
        // An HTTP server where the backup should be: it answers every connection with an HTTP response.
        using var http = new HttpLikeServer();
        var spec = MasterSpec() with { PeerPort = http.Port };
        var node = StartNode(spec);

        // The node dials the address every ~600 ms; wait for several attempts.
        await UntilAsync(() => Task.FromResult(http.Connections >= 5), "five connection attempts to the HTTP server");

        var lines = node.Lines;
        var errors = lines.Where(l => l.Text.Contains("TooLongFrameException") || l.Text.Contains(" ERR ")).ToList();
        Assert.True(errors.Count == 0, $"errors for the non-node peer:\n{string.Join("\n", errors)}");
        var warnings = lines.Where(l => l.Text.Contains("not a node")).ToList();
        Assert.True(warnings.Count == 1, $"expected one warning, got {warnings.Count}:\n{string.Join("\n", warnings)}");
        Assert.Contains($"127.0.0.1:{http.Port}", warnings[0].Text);
    });

    /// <summary>Accepts connections and answers each with an HTTP 400, like a web server on the wrong port.</summary>
    private sealed class HttpLikeServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public HttpLikeServer()
        {
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            var answer = Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    await client.GetStream().WriteAsync(answer, _stop.Token);
                }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                catch (IOException) { }
                catch (SocketException) { }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
