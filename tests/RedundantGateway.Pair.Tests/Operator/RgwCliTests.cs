using System.Text.Json;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.Operator;

/// <summary>
/// The rgw command line as an operator runs it: a process (src/RedundantGateway.Cli's rgw.dll) against a real node,
/// its palettes downloaded from the node.
/// </summary>
public sealed class RgwCliTests(ITestOutputHelper output) : PairTest(output)
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private async Task<(int? Code, string Out, string Error)> RgwAsync(string? input, params string[] arguments)
    {
        var (code, stdout, stderr) = await NodeProcess.RunRgwAsync(CliTimeout, input, arguments);
        Log($"rgw {string.Join(' ', arguments)} -> exit {code?.ToString() ?? "timeout"}\n{stdout}{(stderr.Length > 0 ? "stderr: " + stderr : "")}");
        return (code, stdout, stderr);
    }

    private async Task<(NodeProcess Node, string Address)> StartMasterAsync(string? program = null)
    {
        var (masterSpec, _) = PairSpecs();
        var master = StartNode(masterSpec, program);
        await UntilAsync(async () => await master.Api!.GetStatusAsync() is not null, "the master answers /api/redundancy");
        return (master, $"127.0.0.1:{masterSpec.WebPort}");
    }

    [Fact]
    public Task One_shot_status_names_the_master_role_as_text_and_as_json_and_cluster_show_counts_members() => Scenario(async () =>
    {
        var (_, address) = await StartMasterAsync();

        var (code, text, error) = await RgwAsync(null, address, "redundancy", "status");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Matches(@"(?m)^role\s+master$", text);

        (code, text, _) = await RgwAsync(null, address, "redundancy", "status", "--json");
        Assert.Equal(0, code);
        using (var json = JsonDocument.Parse(text))
            Assert.Equal("master", json.RootElement.GetProperty("role").GetString());

        string members = "";
        await UntilAsync(async () =>
        {
            (code, members, _) = await RgwAsync(null, address, "cluster", "show");
            return code == 0 && members.Contains("1 members", StringComparison.Ordinal);
        }, "cluster show lists the master as the one member");
        var lines = members.Trim().Split('\n');
        Assert.Matches(@"^address\s+roles\s+status\s+reachability\s+activityLevel\s+version$", lines[0]);
        Assert.Matches(@"^akka\.tcp://redundant-gateway@127\.0\.0\.1:\d+\s+\[master\]\s+Up\s+Reachable\s+\w+\s+\d+\.\d+\.\d+$", lines[1]);
    });

    [Fact]
    public Task Failures_exit_non_zero_with_one_line_and_an_unknown_command_names_the_nearest() => Scenario(async () =>
    {
        var (_, address) = await StartMasterAsync();

        var (code, text, error) = await RgwAsync(null, address, "no-such-command");
        Assert.Equal(2, code);
        Assert.Equal("", text);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("unknown command 'no-such-command'; did you mean", error);

        (code, _, error) = await RgwAsync(null, address, "redundancy", "stauts");
        Assert.Equal(2, code);
        Assert.Equal("error: unknown command 'redundancy stauts'; did you mean 'redundancy status'?", error.Trim());

        // The node's own one line for a 404, exit 1.
        (code, _, error) = await RgwAsync(null, address, "config", "get", "no/such/resource");
        Assert.Equal(1, code);
        Assert.Matches(@"^error: no resource at 'no/such/resource' \(revision \d+\) \(HTTP 404\)$", error.Trim());

        // Nobody listens there: exit 3.
        (code, _, error) = await RgwAsync(null, $"127.0.0.1:{FreePort.Next()}", "redundancy", "status");
        Assert.Equal(3, code);
        Assert.StartsWith("error: cannot reach the node at 127.0.0.1:", error.Trim());
        Assert.Single(error.Trim().Split('\n'));
    });

    [Fact]
    public Task The_prompt_driven_through_redirected_stdin_answers_help_a_command_and_exit() => Scenario(async () =>
    {
        var (_, address) = await StartMasterAsync();

        var (code, text, error) = await RgwAsync("help\nredundancy status\nredundancy stat\nexit\ncluster show\n", address);
        Assert.Equal(0, code);
        var prompt = $"[{address}] rgw> ";
        Assert.Contains(prompt + "help\n", text);
        Assert.Contains("  redundancy resync", text);
        Assert.Matches(@"(?m)^\[127\.0\.0\.1:\d+\] rgw> redundancy status\nnodeName\s+master\nrole\s+master$", text);
        Assert.Contains(prompt + "exit\n", text);
        Assert.DoesNotContain("rgw> cluster show", text); // nothing after exit ran
        Assert.DoesNotContain("members\n", text);
        Assert.Equal("error: unknown command 'redundancy stat'; did you mean 'redundancy status'?", error.Trim());
    });

    [Fact]
    public Task A_host_that_embeds_the_actors_adds_a_palette_rgw_runs_without_a_new_release() => Scenario(async () =>
    {
        var (_, address) = await StartMasterAsync(NodeProcess.EmbeddedHostDll);

        var (code, text, _) = await RgwAsync(null, address, "help");
        Assert.Equal(0, code);
        Assert.Contains("  plant status", text);

        (code, text, _) = await RgwAsync(null, address, "plant", "status");
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^name\s+level$", text);
        Assert.Matches(@"(?m)^embedded\s+\w+$", text);
        Assert.Contains("subsystems\n", text);
    });

    [Fact]
    public Task Resync_on_the_backup_follows_the_transfer_to_the_runtime_restart_with_bytes_and_rate() => Scenario(async () =>
    {
        var (masterSpec, backupSpec) = PairSpecs();
        var master = StartNode(masterSpec);
        var backup = StartNode(backupSpec);
        var before = await UntilStatusAsync(backup, s => s is { PeerConnected: true, Config.State: "in-sync" }, "the backup is in sync",
            timeout: TimeSpan.FromSeconds(60));

        var (code, text, error) = await RgwAsync(null, $"127.0.0.1:{backupSpec.WebPort}", "redundancy", "resync");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        // Redirected output: one plain line per stage, the last with the finished transfer's bytes and rate.
        var last = text.Trim().Split('\n')[^1];
        Assert.Matches(@"^resync: \[#{24}\] runtime restarted  [\d.]+ (B|KB|MB)  [\d.]+ (B|KB|MB)/s  [\d.]+ s$", last);
        var after = await backup.Api!.GetStatusAsync();
        Assert.True(after!.Config!.Transfers > before.Config!.Transfers, $"transfers {before.Config.Transfers} -> {after.Config.Transfers}");
        GC.KeepAlive(master);
    });
}
