using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>
/// A small real filesystem (tmpfs) a test mounts, fills and frees, to see a node on a full disk. Needs Linux
/// and root (CI runs as root on Debian); elsewhere the tests that use it are skipped with the reason.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string dir) => Dir = dir;

    public string Dir { get; }

    private string Filler => Path.Combine(Dir, "filler");

    /// <summary>Why a tmpfs cannot be mounted here (null: it can), found by mounting one once.</summary>
    public static readonly Lazy<string?> UnavailableReason = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "mounting a tmpfs needs Linux";
        if (geteuid() != 0) return "mounting a tmpfs needs root (run as root, as CI does)";
        var probe = Path.Combine(Path.GetTempPath(), "rg-pair-tests", $"tmpfs-probe-{Guid.NewGuid():N}");
        try
        {
            using var mount = Create(probe, "64k");
            return null;
        }
        catch (Exception e) { return $"a tmpfs could not be mounted: {e.Message}"; }
        finally { try { Directory.Delete(probe); } catch (IOException) { } }
    });

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. "4m") at <paramref name="dir"/>.</summary>
    public static TmpfsMount Create(string dir, string size)
    {
        Directory.CreateDirectory(dir);
        Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir);
        return new TmpfsMount(dir);
    }

    /// <summary>Writes a file until the filesystem says it is full (ENOSPC); returns its size.</summary>
    public long Fill()
    {
        var buffer = new byte[64 * 1024];
        // Unbuffered: nothing is left to flush (and fail) when the stream is closed.
        using var stream = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        try
        {
            while (true) stream.Write(buffer);
        }
        catch (IOException) { }
        // The last partial block: fill byte by byte, so no space is left at all.
        try
        {
            while (true) stream.Write(buffer, 0, 1);
        }
        catch (IOException) { }
        return new FileInfo(Filler).Length;
    }

    /// <summary>Space is back.</summary>
    public void Free() => File.Delete(Filler);

    public void Dispose()
    {
        try { Run("umount", "-l", Dir); } catch (InvalidOperationException) { }
    }

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)}: exit {process.ExitCode}: {error.Trim()}");
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>A fact that needs a tmpfs of its own (<see cref="TmpfsMount"/>): skipped, with the reason, where one cannot be mounted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (TmpfsMount.UnavailableReason.Value is { } reason) Skip = reason;
    }
}
