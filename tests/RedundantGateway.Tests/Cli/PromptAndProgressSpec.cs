using System.Text.Json;
using RedundantGateway.Cli;
using Xunit;

namespace RedundantGateway.Tests.Cli;

/// <summary>Tab completion in the prompt and the stages of a forced re-sync.</summary>
public sealed class PromptAndProgressSpec
{
    [Fact]
    public void Completion_offers_palettes_then_commands_then_switches_not_yet_given()
    {
        Assert.Equal(["redundancy"], Completer.Candidates(FakePalettes.All, "red"));
        Assert.Equal(["redundancy", "config", "events", "alarms", "help", "exit"], Completer.Candidates(FakePalettes.All, ""));
        Assert.Equal(["get", "set"], Completer.Candidates(FakePalettes.All, "config "));
        Assert.Equal(["--minutes"], Completer.Candidates(FakePalettes.All, "alarms shelve a01 --m"));
        Assert.Equal(["--by", "--json"], Completer.Candidates(FakePalettes.All, "alarms shelve a01 --id x --minutes 5 "));
        Assert.Equal(["config"], Completer.Candidates(FakePalettes.All, "help co"));
    }

    [Fact]
    public void Tab_completes_the_only_candidate_or_the_common_prefix_or_lists_them()
    {
        Assert.Equal(("redundancy ", Array.Empty<string>()), (Completer.Apply(FakePalettes.All, "redu").Line, Completer.Apply(FakePalettes.All, "redu").Listed.ToArray()));
        Assert.Equal("config set ", Completer.Apply(FakePalettes.All, "config s").Line);
        var (line, listed) = Completer.Apply(FakePalettes.All, "config ");
        Assert.Equal("config ", line);
        Assert.Equal(["get", "set"], listed);
    }

    private static TransferSnapshot Backup(string state, int transfers, int restarts, long? bytes = null, double? ms = null) =>
        new("backup", state, transfers, restarts, bytes, ms, null);

    [Fact]
    public void A_backup_s_resync_is_done_once_a_new_transfer_is_applied_and_its_runtime_restarted()
    {
        var before = Backup("in-sync", 1, 1, 100, 10);
        Assert.Equal("requested", TransferRules.Judge(before, before).Stage);
        Assert.Equal("full-transfer", TransferRules.Judge(before, Backup("full-transfer", 1, 1, 100, 10)).Stage);
        var applied = TransferRules.Judge(before, Backup("applying", 2, 1, 2048, 500));
        Assert.False(applied.Done);
        Assert.Equal(2048, applied.Bytes);
        Assert.Equal(4096, applied.BytesPerSecond);
        var done = TransferRules.Judge(before, Backup("in-sync", 2, 2, 2048, 500));
        Assert.True(done.Done);
        Assert.Equal("[########################] runtime restarted  2.0 KB  4.0 KB/s  1.5 s", TransferRules.Bar(done, TimeSpan.FromSeconds(1.5)));
    }

    [Fact]
    public void The_snapshot_reads_the_status_fields_and_ignores_the_rest()
    {
        using var status = JsonDocument.Parse("""{"role":"backup","new":1,"subsystems":[{"name":"tags","restarts":2},{"name":"alarms","restarts":1}],"config":{"state":"in-sync","transfers":3,"lastTransfer":{"kind":"full","bytes":8267,"durationMs":37.5,"at":"2026-01-01T00:00:00Z"}}}""");
        Assert.Equal(new TransferSnapshot("backup", "in-sync", 3, 3, 8267, 37.5, "2026-01-01T00:00:00Z"), TransferSnapshot.Read(status.RootElement));
    }
}
