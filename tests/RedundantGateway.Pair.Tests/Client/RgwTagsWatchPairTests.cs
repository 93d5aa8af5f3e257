using System.Diagnostics;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 14, the console sample: <c>rgw MASTER tags watch TAG --peer BACKUP</c> on a real pair with the demo (the first
/// tag of /api/tags?prefix=projects/demo, as the acceptance check takes it) shows values, prints a line saying
/// "transferred" after kill -9 of the master, and shows values from the backup after it.
/// </summary>
public sealed class RgwTagsWatchPairTests(ITestOutputHelper output) : PairTest(output)
{
    [Fact]
    public Task Rgw_tags_watch_with_a_peer_keeps_showing_values_after_kill_9_of_the_master_and_says_transferred() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs("automatic");
        masterSpec = masterSpec with { Extra = "  demo.enabled = on" };
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        await UntilPairSettledAsync(master, backup, "master", "the pair formed with the master active", TimeSpan.FromSeconds(45));
        RedundantGateway.Client.TagList? tags = null;
        await UntilAsync(async () => (tags = await master.Api!.GetTagsAsync("projects/demo")) is { Tags.Count: > 0 }, "the master runs the demo tags");
        await UntilAsync(async () => await master.Api!.GetStatusAsync() is { Config.Revision: > 0 and var m }
                                     && await backup.Api!.GetStatusAsync() is { Config.Revision: var b } && b == m,
            "the backup holds the demo");
        var tag = tags!.Tags[0].Path;
        Log($"watching {tag} (the first tag under projects/demo)");

        var lines = new List<string>();
        using var rgw = Process.Start(NodeProcess.RgwStartInfo($"127.0.0.1:{masterSpec.WebPort}", "tags", "watch", tag, "--peer", $"127.0.0.1:{backupSpec.WebPort}"))!;
        void Collect(object _, DataReceivedEventArgs e)
        {
            if (e.Data is not null) lock (lines) lines.Add(e.Data);
        }
        rgw.OutputDataReceived += Collect;
        rgw.ErrorDataReceived += Collect;
        rgw.BeginOutputReadLine();
        rgw.BeginErrorReadLine();
        List<string> Lines() { lock (lines) return lines.ToList(); }
        try
        {
            await UntilAsync(() => Task.FromResult(Lines().Count(l => l.StartsWith(tag, StringComparison.Ordinal)) >= 3), "rgw shows 3 values of the master");
            var before = Lines().Count;
            master.KillHard();
            Log("master killed (SIGKILL)");
            await UntilAsync(() => Task.FromResult(Lines().Any(l => l.Contains("transferred", StringComparison.OrdinalIgnoreCase))), "rgw says it was transferred",
                TimeSpan.FromSeconds(10));
            await UntilAsync(() => Task.FromResult(Lines().Skip(before).Count(l => l.StartsWith(tag, StringComparison.Ordinal)) >= 2), "rgw shows values after the transfer");
            var shown = Lines();
            foreach (var line in shown.Skip(Math.Max(0, before - 3)).Take(12)) Output.WriteLine($"    {line}");
            Assert.Equal(tag, shown.First(l => !l.StartsWith("following", StringComparison.Ordinal)).Split("  ")[0]); // the snapshot value comes first
            var transfer = Assert.Single(shown, l => l.Contains("transferred", StringComparison.Ordinal));
            Assert.Matches(@"^\*\*\* transferred from master \(127\.0\.0\.1:\d+\) to backup \(127\.0\.0\.1:\d+\): .+, gap \d+ ms \*\*\*$", transfer);
        }
        finally
        {
            if (!rgw.HasExited) rgw.Kill(entireProcessTree: true);
        }
    });
}
