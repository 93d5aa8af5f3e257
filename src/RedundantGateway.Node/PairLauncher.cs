using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RedundantGateway.Node;

/// <summary>
/// `pair`: runs a master and a backup on this machine as two child processes, from
/// hocon/master.hocon and hocon/backup.hocon, each output line prefixed with the node's name;
/// Ctrl+C or SIGTERM stops both cleanly.
/// </summary>
internal static class PairLauncher
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(25);

    public static async Task<int> RunAsync(string[] args)
    {
        var master = "hocon/master.hocon";
        var backup = "hocon/backup.hocon";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--master" when i + 1 < args.Length: master = args[++i]; break;
                case "--backup" when i + 1 < args.Length: backup = args[++i]; break;
                default:
                    Console.Error.WriteLine($"error: unknown argument '{args[i]}' (usage: pair [--master FILE] [--backup FILE])");
                    return 2;
            }
        }
        foreach (var file in new[] { master, backup })
        {
            if (File.Exists(file)) continue;
            Console.Error.WriteLine($"error: {Path.GetFullPath(file)} not found (run `pair` from the project's root, or pass --master/--backup)");
            return 2;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });

        var output = new object();
        using var masterProcess = Start("master", master, output);
        using var backupProcess = Start("backup", backup, output);
        var children = new[] { masterProcess, backupProcess };

        var anyExited = Task.WhenAny(children.Select(c => c.WaitForExitAsync()));
        await Task.WhenAny(stop.Task, anyExited);
        foreach (var child in children.Where(c => !c.HasExited)) RequestStop(child);

        using var deadline = new CancellationTokenSource(StopTimeout);
        try { await Task.WhenAll(children.Select(c => c.WaitForExitAsync(deadline.Token))); }
        catch (OperationCanceledException)
        {
            foreach (var child in children.Where(c => !c.HasExited)) child.Kill(entireProcessTree: true);
        }
        var codes = children.Select(c => c.HasExited ? c.ExitCode : -1).ToArray();
        Console.WriteLine($"[pair] master exited {codes[0]}, backup exited {codes[1]}");
        return codes.All(c => c == 0) ? 0 : 1;
    }

    private static Process Start(string name, string configFile, object output)
    {
        var (fileName, prefixArgs) = SelfCommand();
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in prefixArgs) info.ArgumentList.Add(arg);
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(Path.GetFullPath(configFile));
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        DataReceivedEventHandler write = (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) Console.WriteLine($"[{name}] {e.Data}");
        };
        process.OutputDataReceived += write;
        process.ErrorDataReceived += write;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>This program, however it was started (apphost, or `dotnet RedundantGateway.Node.dll`).</summary>
    private static (string FileName, string[] Args) SelfCommand()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var isDotnetHost = Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return isDotnetHost ? (processPath, [typeof(PairLauncher).Assembly.Location]) : (processPath, []);
    }

    private static void RequestStop(Process process)
    {
        if (OperatingSystem.IsWindows()) { process.Kill(entireProcessTree: true); return; }
        // SIGTERM, so that each node hands over and leaves the cluster cleanly.
        _ = Kill(process.Id, 15);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
