using System.Diagnostics;
using Xunit;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>
/// Prometheus' own checker of the text exposition format (`promtool check metrics`, Debian's `prometheus` package;
/// .ci/run installs it). Tests that need it are <see cref="PromtoolFactAttribute"/>s: skipped, saying why, where it is absent.
/// </summary>
public static class Promtool
{
    public static string? Path { get; } = Find();

    /// <summary>Runs `promtool check metrics` on <paramref name="exposition"/>: its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition)
    {
        var info = new ProcessStartInfo(Path ?? throw new InvalidOperationException("promtool is not installed"))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException("promtool check metrics did not finish within 30 s");
        }
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, "promtool"))
            .FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs promtool: skipped with the reason where it is not installed.</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (Promtool.Path is null)
            Skip = "promtool is not installed (Debian: apt-get install prometheus; .ci/run installs it)";
    }
}
