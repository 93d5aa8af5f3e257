using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace RedundantGateway.Benchmarks;

/// <summary>One node process of a benchmark pair, started from a generated HOCON file.</summary>
internal sealed class BenchNode : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly string _hoconPath;
    private readonly string _workDir;
    private readonly string[] _extraConfigs;
    private Process? _process;

    public BenchNode(string name, string hocon, string workDir, int webPort, params string[] extraConfigs)
    {
        Name = name;
        WebPort = webPort;
        _workDir = workDir;
        _extraConfigs = extraConfigs;
        Directory.CreateDirectory(workDir);
        _hoconPath = Path.Combine(workDir, $"{name}.hocon");
        File.WriteAllText(_hoconPath, hocon);
    }

    public string Name { get; }
    public int WebPort { get; }

    /// <summary>The node's data dir (data-dir of its generated file): logs, config store, modules.</summary>
    public string DataDir => Path.Combine(_workDir, Name);

    public string BaseUrl => $"http://127.0.0.1:{WebPort}";
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public void Start()
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(NodeDll);
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(_hoconPath);
        foreach (var extra in _extraConfigs) { info.ArgumentList.Add("--config"); info.ArgumentList.Add(extra); }
        _process = Process.Start(info)!;
        // The node also logs to its data dir; drain the pipes so it never blocks on them.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public void KillHard()
    {
        if (_process is { HasExited: false } p) { p.Kill(entireProcessTree: true); p.WaitForExit(10_000); }
    }

    public void Terminate()
    {
        if (_process is { HasExited: false } p && Kill(p.Id, 15) == 0) p.WaitForExit(30_000);
        KillHard();
    }

    /// <summary>SIGSTOP: the process hangs with its sockets open, as a frozen machine would look to its peer.</summary>
    public void Freeze()
    {
        if (_process is { HasExited: false } p) Kill(p.Id, 19);
    }

    /// <summary>SIGCONT after <see cref="Freeze"/>: the hung process runs again, unaware of the time it lost.</summary>
    public void Continue()
    {
        if (_process is { HasExited: false } p) Kill(p.Id, 18);
    }

    public void Dispose() => KillHard();

    /// <summary>The node's REST API (over the benchmarks' shared HttpClient).</summary>
    public GatewayClient Client => _client ??= new GatewayClient(Http, new Uri(BaseUrl));
    private GatewayClient? _client;

    /// <summary>GET /api/redundancy, or null while the node does not answer.</summary>
    public async Task<NodeStatus?> StatusAsync()
    {
        try { return await Client.GetStatusAsync(); }
        catch (Exception e) when (e is GatewayException or HttpRequestException or TaskCanceledException or JsonException) { return null; }
    }

    public async Task<string?> LevelAsync() => (await StatusAsync())?.ActivityLevel;

    public async Task<bool> ConnectedAsync() => (await StatusAsync())?.PeerConnected ?? false;

    /// <summary>The <c>config</c> object of /api/redundancy (null while the node does not answer).</summary>
    public async Task<ConfigReplicationStatus?> ConfigStatusAsync() => (await StatusAsync())?.Config;

    public async Task<IReadOnlyList<RedundancyEventInfo>> EventsAsync(int limit = 1000)
    {
        try { return await Client.GetEventsAsync(limit); }
        catch (Exception e) when (e is GatewayException or HttpRequestException or TaskCanceledException or JsonException) { return []; }
    }

    /// <summary>Ports already handed out: the OS may give the same free port twice in a row.</summary>
    private static readonly HashSet<int> Given = [];

    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given) if (Given.Add(port)) return port;
        }
    }

    private static string NodeDll
    {
        get
        {
            var configuration = typeof(BenchNode).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "NodeBuildConfiguration").Value;
            return Path.Combine(RepoRoot, "src", "RedundantGateway.Node", "bin", configuration!, "net10.0", "RedundantGateway.Node.dll");
        }
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RedundantGateway.sln"))) dir = dir.Parent;
            return dir!.FullName;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>A master and a backup on free ports, with the shipped defaults or a profile file on top.</summary>
internal sealed class BenchPair : IDisposable
{
    /// <param name="extraHocon">appended to both nodes' generated files (full keys, e.g. <c>redundant-gateway.config-sync.changes-kept = 100000</c>);
    /// the profile file, given later on the command line, still wins.</param>
    /// <param name="publicLink">when given: the port a node's peer dials instead of the node's link port (e.g. a proxy in front of it).</param>
    public BenchPair(string profileFile, string recoveryMode = "automatic", string extraHocon = "", Func<int, int>? publicLink = null)
    {
        WorkDir = Path.Combine(Path.GetTempPath(), $"rg-bench-{Guid.NewGuid():N}"[..20]);
        Console.WriteLine($"  work dir (node logs): {WorkDir}");
        var (mWeb, bWeb, mLink, bLink) = (BenchNode.FreePort(), BenchNode.FreePort(), BenchNode.FreePort(), BenchNode.FreePort());
        var (mPublic, bPublic) = publicLink is null ? (mLink, bLink) : (publicLink(mLink), publicLink(bLink));
        string Hocon(string name, string role, int web, int link, string peerKey, int peerLink) => $$"""
            redundant-gateway {
              node-name = "{{name}}"
              role = {{role}}
              data-dir = "{{Path.Combine(WorkDir, name)}}"
              web.port = {{web}}
              cluster.port = {{link}}
              cluster.public-port = {{(link == mLink ? mPublic : bPublic)}}
              redundancy { {{peerKey}} = "127.0.0.1:{{peerLink}}", join-wait-time = 10s, recovery-mode = {{recoveryMode}} }
              # The benchmarks measure their own configurations: no demo resources in a fresh master's store.
              demo.enabled = off
            }
            {{extraHocon}}
            """;
        var extra = string.IsNullOrEmpty(profileFile) ? [] : new[] { profileFile };
        Master = new BenchNode("master", Hocon("master", "master", mWeb, mLink, "backup-address", bPublic), WorkDir, mWeb, extra);
        Backup = new BenchNode("backup", Hocon("backup", "backup", bWeb, bLink, "master-address", mPublic), WorkDir, bWeb, extra);
    }

    public string WorkDir { get; }
    public BenchNode Master { get; }
    public BenchNode Backup { get; }

    public void Dispose()
    {
        Master.Dispose();
        Backup.Dispose();
        // The work dir (with both nodes' logs) is kept under the temp folder for a look after a bad run.
    }
}
