using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>
/// Base of every scenario: a temp dir per test, the node processes and proxies it starts (all of them
/// killed and disposed at the end, whatever happened), polling with diagnostics, and the nodes' full
/// output written to the test output when the scenario fails.
/// </summary>
public abstract class PairTest(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Deadline for outcomes on a loaded 2-core CI machine.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<NodeProcess> _processes = new();
    private readonly List<LinkProxy> _proxies = new();
    private readonly Dictionary<string, NodeProcess> _current = new();
    private readonly Dictionary<string, int> _runs = new();

    protected ITestOutputHelper Output { get; } = output;
    protected string TestDir { get; } = Path.Combine(Path.GetTempPath(), "rg-pair-tests", $"{DateTime.UtcNow:HHmmss}-{Guid.NewGuid():N}"[..20]);

    private TimeSpan _stalledAtStart;

    public Task InitializeAsync()
    {
        _stalledAtStart = StallClock.Touch();
        Directory.CreateDirectory(TestDir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        var stalled = StallClock.Stalled - _stalledAtStart;
        if (stalled > TimeSpan.Zero) Log($"the machine stalled for {stalled.TotalSeconds:0.0} s in total during this test (this process could not run)");
        foreach (var process in _processes) process.Dispose();
        foreach (var proxy in _proxies) await proxy.DisposeAsync();
        try { Directory.Delete(TestDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Runs a scenario; on failure writes every node's whole output to the test output, then rethrows.</summary>
    protected async Task Scenario(Func<Task> body)
    {
        try { await body(); }
        catch (Exception)
        {
            DumpAllLogs();
            throw;
        }
        // PAIR_TESTS_DUMP_LOGS=1: the nodes' output of passing scenarios too (for investigating timings).
        if (Environment.GetEnvironmentVariable("PAIR_TESTS_DUMP_LOGS") == "1") DumpAllLogs();
    }

    protected void Log(string message) => Output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [test] {message}");

    // ---------- nodes ----------

    /// <summary>Specs of a pair on fresh ports (optionally through a <see cref="LinkProxy"/> per node) under <paramref name="dataRoot"/>.</summary>
    protected (NodeSpec Master, NodeSpec Backup) PairSpecs(string recoveryMode = "automatic", bool viaProxies = false,
        TimeSpan? joinWaitTime = null, string? dataRoot = null)
    {
        var root = dataRoot ?? TestDir;
        int masterCluster = FreePort.Next(), backupCluster = FreePort.Next();
        int masterPublic = masterCluster, backupPublic = backupCluster;
        if (viaProxies)
        {
            masterPublic = AddProxy(masterCluster).Port;
            backupPublic = AddProxy(backupCluster).Port;
        }
        var wait = joinWaitTime ?? TimeSpan.FromSeconds(5);
        var master = new NodeSpec
        {
            Name = "master", Role = "master", DataDir = Path.Combine(root, "master"),
            ClusterPort = masterCluster, PublicPort = viaProxies ? masterPublic : null, PeerPort = backupPublic,
            JoinWaitTime = wait, RecoveryMode = recoveryMode,
        };
        var backup = new NodeSpec
        {
            Name = "backup", Role = "backup", DataDir = Path.Combine(root, "backup"),
            ClusterPort = backupCluster, PublicPort = viaProxies ? backupPublic : null, PeerPort = masterPublic,
            JoinWaitTime = wait, RecoveryMode = recoveryMode,
        };
        return (master, backup);
    }

    protected LinkProxy AddProxy(int targetPort)
    {
        var proxy = new LinkProxy(targetPort);
        lock (_proxies) _proxies.Add(proxy);
        return proxy;
    }

    protected IReadOnlyList<LinkProxy> Proxies
    {
        get { lock (_proxies) return _proxies.ToList(); }
    }

    /// <summary>How many processes were started for the node <paramref name="name"/>.</summary>
    protected int ProcessCount(string name)
    {
        lock (_processes) return _runs.GetValueOrDefault(name);
    }

    /// <summary>
    /// Starts (or restarts, same spec: same ports and data dir) the node <paramref name="spec"/>; <paramref name="program"/>:
    /// another host of a node than the node executable (e.g. <see cref="NodeProcess.EmbeddedHostDll"/>).
    /// </summary>
    protected NodeProcess StartNode(NodeSpec spec, string? program = null)
    {
        lock (_processes)
        {
            var run = _runs[spec.Name] = _runs.GetValueOrDefault(spec.Name) + 1;
            var label = run == 1 ? spec.Name : $"{spec.Name}#{run}";
            var configFile = Path.Combine(TestDir, $"{spec.Name}.conf");
            var node = NodeProcess.Start(label, spec, configFile, TestDir, program);
            _processes.Add(node);
            _current[spec.Name] = node;
            Log($"started {label} pid {node.Pid} (web {spec.WebPort}, link {spec.ClusterPort}{(spec.PublicPort is { } p ? $" via proxy {p}" : "")})");
            return node;
        }
    }

    /// <summary>Starts a node with a config file written by the test (no API).</summary>
    protected NodeProcess StartNodeWithConfig(string label, string configFile, NodeSpec? spec = null)
    {
        lock (_processes)
        {
            var node = NodeProcess.StartWithConfigFile(label, spec, configFile, TestDir);
            _processes.Add(node);
            _current[label] = node;
            return node;
        }
    }

    /// <summary>Starts a node with several config files written by the test (`--config A --config B`); no API.</summary>
    protected NodeProcess StartNodeWithConfigs(string label, params string[] configFiles)
    {
        lock (_processes)
        {
            var node = NodeProcess.StartWithConfigFiles(label, null, configFiles, TestDir);
            _processes.Add(node);
            _current[label] = node;
            return node;
        }
    }

    /// <summary>Kills (SIGKILL) every node process still running.</summary>
    protected void KillAllHard()
    {
        lock (_processes)
            foreach (var node in _processes.Where(n => !n.HasExited)) node.KillHard();
    }

    // ---------- waiting ----------

    /// <summary>Polls until <paramref name="condition"/> holds; on timeout fails with the nodes' state and logs.</summary>
    protected Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        Poll.UntilAsync(condition, timeout ?? Deadline, what, DescribeNodesAsync, interval);

    /// <summary>Polls <paramref name="node"/>'s status until <paramref name="condition"/> holds; returns that status.</summary>
    protected async Task<NodeStatus> UntilStatusAsync(NodeProcess node, Func<NodeStatus, bool> condition, string what,
        TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        NodeStatus? seen = null;
        await UntilAsync(async () =>
        {
            var status = await node.Api!.GetStatusAsync();
            if (status is not null && condition(status)) { seen = status; return true; }
            return false;
        }, $"{node.Label}: {what}", timeout, interval);
        return seen!;
    }

    /// <summary>Waits until both report each other connected, exactly one active (<paramref name="expectedActive"/> when given) and the other cold.</summary>
    protected async Task<(NodeStatus Master, NodeStatus Backup)> UntilPairSettledAsync(NodeProcess master, NodeProcess backup,
        string? expectedActive, string what, TimeSpan? timeout = null, string standbyLevel = "cold")
    {
        (NodeStatus, NodeStatus)? seen = null;
        await UntilAsync(async () =>
        {
            var m = await master.Api!.GetStatusAsync();
            var b = await backup.Api!.GetStatusAsync();
            if (m is null || b is null || !m.PeerConnected || !b.PeerConnected) return false;
            var active = new[] { m, b }.Where(s => s.IsActive).ToList();
            if (active.Count != 1) return false;
            var standby = active[0] == m ? b : m;
            if (standby.ActivityLevel != standbyLevel) return false;
            if (expectedActive is not null && active[0].NodeName != expectedActive) return false;
            seen = (m, b);
            return true;
        }, what, timeout);
        return seen!.Value;
    }

    /// <summary>The current state of every node (latest run of each) and the tail of their output.</summary>
    protected async Task<string> DescribeNodesAsync()
    {
        List<NodeProcess> nodes;
        lock (_processes) nodes = _current.Values.ToList();
        var text = new StringBuilder();
        foreach (var node in nodes)
        {
            var state = node.HasExited ? $"exited with {node.ExitCode}" : "running";
            var status = node.Api is null || node.HasExited ? null : await node.Api.GetStatusAsync();
            text.AppendLine($"--- {node.Label} (pid {node.Pid}, {state}): {(status?.ToString() ?? "no status")}");
            foreach (var line in node.Tail(25)) text.AppendLine($"    {line}");
        }
        return text.ToString();
    }

    private void DumpAllLogs()
    {
        List<NodeProcess> nodes;
        lock (_processes) nodes = _processes.ToList();
        foreach (var node in nodes)
        {
            Output.WriteLine($"===== {node.Label} pid {node.Pid} started {node.StartedAt:HH:mm:ss.fff} {(node.HasExited ? $"exited {node.ExitCode}" : "running")} =====");
            foreach (var line in node.Lines) Output.WriteLine($"{line.Time:HH:mm:ss.fff} {line}");
        }
    }

    /// <summary>Prints a node's events log (oldest first) to the test output.</summary>
    protected async Task LogEventsAsync(NodeProcess node)
    {
        var events = await node.Api!.GetEventsAsync();
        if (events is null) { Log($"{node.Label}: no events (no answer)"); return; }
        Log($"{node.Label} events:");
        foreach (var e in events.Reverse()) Output.WriteLine($"    {e}");
    }

    protected static void AssertExitedCleanly(NodeProcess node, int? exitCode)
    {
        Assert.True(exitCode is not null, $"{node.Label} did not exit within the deadline after SIGTERM");
        Assert.True(exitCode == 0, $"{node.Label} exited with {exitCode}, expected 0");
    }
}
