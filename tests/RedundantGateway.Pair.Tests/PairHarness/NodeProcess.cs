using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>One output line of a node process.</summary>
public sealed record LogLine(DateTimeOffset Time, bool IsError, string Text)
{
    public override string ToString() => $"{(IsError ? "ERR" : "out")} {Text}";
}

/// <summary>
/// One run of the node executable (`dotnet RedundantGateway.Node.dll --config FILE`): its output kept in a
/// thread-safe buffer, stopped with SIGTERM (<see cref="Terminate"/>) or SIGKILL (<see cref="KillHard"/>),
/// killed on <see cref="Dispose"/> if it still runs. A restart is a new <see cref="NodeProcess"/>.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<LogLine> _lines = new();

    private NodeProcess(string label, NodeSpec? spec, Process process)
    {
        Label = label;
        Spec = spec;
        _process = process;
        Api = spec is null ? null : new NodeApi(spec.WebPort, spec.ApiToken);
    }

    /// <summary>e.g. "master" or "master#2" for its second run.</summary>
    public string Label { get; }
    public NodeSpec? Spec { get; }
    public NodeApi? Api { get; }
    public int Pid => _process.Id;
    public DateTimeOffset StartedAt { get; private set; }
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>
    /// Writes <paramref name="spec"/> as HOCON to <paramref name="configFile"/> and starts a node with it;
    /// <paramref name="program"/>: another dll taking `--config FILE` (e.g. <see cref="EmbeddedHostDll"/>), default the node's.
    /// </summary>
    public static NodeProcess Start(string label, NodeSpec spec, string configFile, string workingDirectory, string? program = null)
    {
        File.WriteAllText(configFile, spec.ToHocon());
        return StartWithConfigFile(label, spec, configFile, workingDirectory, program);
    }

    /// <summary>Starts a node with an existing config file (e.g. a broken one); <paramref name="spec"/> null: no web API.</summary>
    public static NodeProcess StartWithConfigFile(string label, NodeSpec? spec, string configFile, string workingDirectory,
        string? program = null) => StartWithConfigFiles(label, spec, [configFile], workingDirectory, program);

    /// <summary>Starts a node with several config files (`--config A --config B`, the later winning).</summary>
    public static NodeProcess StartWithConfigFiles(string label, NodeSpec? spec, IReadOnlyList<string> configFiles,
        string workingDirectory, string? program = null)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(program ?? NodeDll.Value);
        foreach (var configFile in configFiles)
        {
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(configFile);
        }
        foreach (var argument in spec?.Args ?? []) info.ArgumentList.Add(argument);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(label, spec, process);
        process.OutputDataReceived += (_, e) => node.Add(false, e.Data);
        process.ErrorDataReceived += (_, e) => node.Add(true, e.Data);
        process.Start();
        node.StartedAt = DateTimeOffset.UtcNow;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void Add(bool isError, string? text)
    {
        if (text is null) return;
        lock (_lines) _lines.Add(new LogLine(DateTimeOffset.UtcNow, isError, text));
    }

    public IReadOnlyList<LogLine> Lines
    {
        get { lock (_lines) return _lines.ToList(); }
    }

    public IReadOnlyList<string> StderrLines => Lines.Where(l => l.IsError).Select(l => l.Text).ToList();

    public IEnumerable<LogLine> Tail(int count)
    {
        var lines = Lines;
        return lines.Skip(Math.Max(0, lines.Count - count));
    }

    /// <summary>SIGTERM: the node hands over (when active) and stops cleanly.</summary>
    public void Terminate()
    {
        if (_process.HasExited) return;
        if (OperatingSystem.IsWindows()) { _process.Kill(entireProcessTree: true); return; }
        if (Kill(_process.Id, 15) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGSTOP: the process hangs with its sockets open (a VM freeze, a debugger), until <see cref="Resume"/>.</summary>
    public void Pause() => Signal(19, "SIGSTOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(18, "SIGCONT");

    private void Signal(int signal, string name)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException($"{name} needs a POSIX system");
        if (_process.HasExited) return;
        if (Kill(_process.Id, signal) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill({_process.Id}, {name}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGKILL, like a crash or a power cut.</summary>
    public void KillHard()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // exited meanwhile
    }

    /// <summary>The exit code, or null when the process still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { return null; }
        return _process.ExitCode;
    }

    public void Dispose()
    {
        KillHard();
        try { _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
        Api?.Dispose();
    }

    /// <summary>Runs the node executable with <paramref name="arguments"/> to its end (a command such as export); its exit code and output.</summary>
    public static async Task<(int? ExitCode, string Output)> RunCommandAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(NodeDll.Value);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (null, await stdout + await stderr);
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        return "dotnet";
    }

    /// <summary>src/RedundantGateway.Node/bin/&lt;configuration&gt;/net10.0/RedundantGateway.Node.dll of this checkout.</summary>
    private static readonly Lazy<string> NodeDll = new(() => ProgramDll("src", "RedundantGateway.Node"));

    /// <summary>The test host that embeds a node through WithRedundantGateway (tests/RedundantGateway.EmbeddedHost).</summary>
    public static string EmbeddedHostDll => EmbeddedHost.Value;

    private static readonly Lazy<string> EmbeddedHost = new(() => ProgramDll("tests", "RedundantGateway.EmbeddedHost"));

    /// <summary>The rgw command line (src/RedundantGateway.Cli) of this checkout.</summary>
    public static string RgwDll => Rgw.Value;

    private static readonly Lazy<string> Rgw = new(() => ProgramDll("src", "RedundantGateway.Cli", "Cli.Rgw"));

    /// <summary>Runs rgw with <paramref name="arguments"/> and <paramref name="input"/> as its redirected stdin; its exit code, stdout and stderr.</summary>
    public static async Task<(int? ExitCode, string Output, string Error)> RunRgwAsync(TimeSpan timeout, string? input, params string[] arguments)
    {
        using var process = Process.Start(RgwStartInfo(arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (null, await stdout, await stderr);
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>How to start rgw with <paramref name="arguments"/>: stdin, stdout and stderr redirected, no RG_TOKEN.</summary>
    public static ProcessStartInfo RgwStartInfo(params string[] arguments)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RgwDll);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("RG_TOKEN");
        return info;
    }

    private static string ProgramDll(string folder, string project, string? assembly = null)
    {
        var tests = typeof(NodeProcess).Assembly;
        var configuration = tests.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NodeBuildConfiguration")?.Value ?? "Debug";
        var dir = new DirectoryInfo(Path.GetDirectoryName(tests.Location)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RedundantGateway.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"RedundantGateway.sln not found above {tests.Location}");
        var dll = Path.Combine(dir.FullName, folder, project, "bin", configuration, "net10.0", (assembly ?? project) + ".dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} not found: build the solution ({configuration}) first");
        return dll;
    }
}
