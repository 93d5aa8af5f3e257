using System.IO.Compression;
using System.Text.Json.Nodes;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests;

/// <summary>
/// Issue 10, item 2: recovery is a command. `export` writes a stopped node's configuration and modules to an
/// archive (the full-transfer format, also that of config-saved/ copies); `import` checks an archive and
/// puts it into a stopped node's store; a store that fails SQLite's integrity check stops the node with exit 2.
/// </summary>
public sealed class ExportImportTests(ITestOutputHelper output) : ConfigReplicationTestBase(output)
{
    private NodeSpec Solo(string name) => new() { Name = name, Role = "independent", DataDir = Path.Combine(TestDir, name) };

    private string ConfigFileOf(NodeSpec spec)
    {
        var file = Path.Combine(TestDir, $"{spec.Name}.conf");
        File.WriteAllText(file, spec.ToHocon());
        return file;
    }

    private async Task<(int? ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var result = await NodeProcess.RunCommandAsync(TestDir, StartupTimeout, arguments);
        Log($"RedundantGateway.Node {string.Join(' ', arguments)} -> exit {result.ExitCode}: {result.Output.Trim()}");
        return result;
    }

    private async Task<ConfigView> NodeWithEditsAsync(NodeSpec spec, int edits)
    {
        var node = Start(spec);
        await WaitUntilAsync(async () => (await ConfigHttp.GetConfigAsync(node))?.Identity is not null, $"{spec.Name}'s config store ready", StartupTimeout);
        for (var i = 1; i <= edits; i++) await PutAsync(node, $"t/r{i}", $$"""{"i":{{i}}}""");
        var config = await GetConfigOrFailAsync(node);
        node.Terminate();
        AssertExitedCleanly(node, await node.WaitForExitAsync(Deadline));
        return config;
    }

    [Fact]
    public Task Export_then_import_restores_a_nodes_configuration_and_modules_elsewhere() => Scenario(async () =>
    {
        var source = Solo("source");
        Directory.CreateDirectory(Path.Combine(source.DataDir, "modules"));
        await File.WriteAllTextAsync(Path.Combine(source.DataDir, "modules", "driver.modl"), "module bytes");
        var exported = await NodeWithEditsAsync(source, 5);
        var archive = Path.Combine(TestDir, "export.zip");

        var export = await RunAsync("export", "--config", ConfigFileOf(source), "--out", archive);
        Assert.True(export.ExitCode == 0, $"export exited {export.ExitCode}: {export.Output}");
        Assert.Contains($"revision {exported.Revision}", export.Output);

        // A damaged copy (a value changed, the digest kept) is refused and changes nothing.
        var target = Solo("target");
        var targetConfig = ConfigFileOf(target);
        var tampered = Path.Combine(TestDir, "tampered.zip");
        File.Copy(archive, tampered);
        using (var zip = ZipFile.Open(tampered, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("config.json")!;
            JsonNode json;
            using (var stream = entry.Open()) json = JsonNode.Parse(stream)!;
            json["resources"]!["t/r1"] = """{"i":99}""";
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("config.json").Open());
            writer.Write(json.ToJsonString());
        }
        var refused = await RunAsync("import", "--config", targetConfig, "--in", tampered);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("not importable", refused.Output);
        Assert.Single(refused.Output.Trim().Split('\n'));
        var nothing = await RunAsync("export", "--config", targetConfig, "--out", Path.Combine(TestDir, "nothing.zip"));
        Assert.True(nothing.ExitCode == 2 && nothing.Output.Contains("holds no configuration"), $"the target after a refused import: {nothing.Output}");

        var import = await RunAsync("import", "--config", targetConfig, "--in", archive);
        Assert.True(import.ExitCode == 0, $"import exited {import.ExitCode}: {import.Output}");
        Assert.Equal("module bytes", await File.ReadAllTextAsync(Path.Combine(target.DataDir, "modules", "driver.modl")));

        var restored = Start(target);
        ConfigView? served = null;
        await WaitUntilAsync(async () => (served = await ConfigHttp.GetConfigAsync(restored)) is not null, "the restored node serving /api/config", StartupTimeout);
        AssertSameConfig(exported, served!, "the node the export was imported into");
        Assert.Equal(exported.Revision + 1, await PutAsync(restored, "t/after-import", "true"));
    });

    [Fact]
    public Task A_node_whose_store_fails_the_integrity_check_exits_2_saying_it_is_damaged() => Scenario(async () =>
    {
        var spec = Solo("damaged");
        await NodeWithEditsAsync(spec, 3);
        var store = Path.Combine(spec.DataDir, "config-store", "config.db");
        // Garbage over every page but the first (the header): the file opens, its tables do not hold up.
        foreach (var leftover in new[] { store + "-wal", store + "-shm" }) File.Delete(leftover);
        var length = new FileInfo(store).Length;
        Assert.True(length > 4096, $"{store} is {length} bytes");
        await using (var stream = new FileStream(store, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 4096;
            await stream.WriteAsync(Enumerable.Repeat((byte)0x5A, (int)(length - 4096)).ToArray());
        }

        var node = Start(spec);
        var exit = await node.WaitForExitAsync(StartupTimeout);
        var errors = node.StderrLines;
        Log($"exit {exit}; stderr: {string.Join(" | ", errors)}");
        Assert.Equal(2, exit);
        Assert.Contains(errors, line => line.StartsWith("error: the config store ", StringComparison.Ordinal) && line.Contains("is damaged: "));

        var export = await RunAsync("export", "--config", ConfigFileOf(spec), "--out", Path.Combine(TestDir, "from-damaged.zip"));
        Assert.Equal(2, export.ExitCode);
        Assert.Contains("is damaged", export.Output);
    });
}
