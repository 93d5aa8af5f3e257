using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>The full-transfer archive (config and modules, every hash checked) and the modules folder.</summary>
public sealed class ConfigArchiveSpec : IDisposable
{
    private readonly string _dir = TestSupport.TempDir();
    private readonly string _modules;
    private readonly string _archive;
    private readonly string _staging;

    private static readonly ConfigDocument Document = ConfigDocument.Empty.WithIdentity("system-identity")
        .Apply(1, "projects/plant1/tags/line1", "{\"address\":\"40001\",\"scan\":250}")
        .Apply(2, "projects/plant1/alarms", "[{\"name\":\"high\",\"limit\":90.5}]")
        .Apply(3, "gateway/name", "\"Gateway \u00e9\u4e2d\"")
        .Apply(4, "tmp", "1")
        .Apply(5, "tmp", null);

    public ConfigArchiveSpec()
    {
        _modules = Path.Combine(_dir, "modules");
        _archive = Path.Combine(_dir, "transfer.zip");
        _staging = Path.Combine(_dir, "staging");
        Directory.CreateDirectory(_modules);
    }

    public void Dispose() => TestSupport.DeleteQuietly(_dir);

    private static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private Dictionary<string, byte[]> WriteModules()
    {
        var modules = new Dictionary<string, byte[]>
        {
            ["driver.modbus.dll"] = RandomBytes(300_000, 1),
            ["opcua-1.2.3.zip"] = RandomBytes(70_000, 2),
            ["empty.cfg"] = [],
        };
        foreach (var (name, bytes) in modules) File.WriteAllBytes(Path.Combine(_modules, name), bytes);
        // The replicator's own staging files are not modules.
        File.WriteAllBytes(Path.Combine(_modules, ".partial-download"), RandomBytes(10, 3));
        Directory.CreateDirectory(Path.Combine(_modules, "subfolder"));
        File.WriteAllBytes(Path.Combine(_modules, "subfolder", "nested.dll"), RandomBytes(10, 4));
        return modules;
    }

    [Fact]
    public void Write_then_Read_gives_back_the_document_and_the_modules()
    {
        var modules = WriteModules();

        var (size, sha) = ConfigArchive.Write(_archive, Document, _modules);

        Assert.Equal(new FileInfo(_archive).Length, size);
        Assert.Equal(ModuleFolder.HashFile(_archive), sha);
        var unpacked = ConfigArchive.Read(_archive, _staging);

        Assert.Equal(Document.Digest, unpacked.Document.Digest);
        Assert.Equal(Document.Identity, unpacked.Document.Identity);
        Assert.Equal(Document.Revision, unpacked.Document.Revision);
        Assert.Equal(Document.Resources, unpacked.Document.Resources);
        Assert.Equal(_staging, unpacked.StagingDirectory);

        Assert.Equal(modules.Keys.Order(StringComparer.Ordinal), unpacked.Modules.Modules.Select(m => m.Name));
        foreach (var module in unpacked.Modules.Modules)
        {
            Assert.Equal(Sha(modules[module.Name]), module.Sha256);
            Assert.Equal(modules[module.Name].Length, module.Size);
            Assert.Equal(modules[module.Name], File.ReadAllBytes(Path.Combine(_staging, module.Name)));
        }
        Assert.Equal(modules.Keys.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(_staging).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // The manifest in the archive is the one a scan of the master's folder gives: the backup compares them.
        Assert.Equal(ModuleFolder.Scan(_modules, ModuleScan.Empty).Manifest.Digest, unpacked.Modules.Digest);
    }

    [Fact]
    public void An_empty_configuration_without_a_modules_folder_round_trips()
    {
        var (_, _) = ConfigArchive.Write(_archive, ConfigDocument.Empty, Path.Combine(_dir, "no-such-folder"));

        var unpacked = ConfigArchive.Read(_archive, _staging);

        Assert.Equal(ConfigDocument.Empty.Digest, unpacked.Document.Digest);
        Assert.Empty(unpacked.Document.Resources);
        Assert.Empty(unpacked.Modules.Modules);
        Assert.Equal(ModuleScan.Empty.Manifest.Digest, unpacked.Modules.Digest);
        Assert.True(Directory.Exists(_staging));
        Assert.Empty(Directory.GetFileSystemEntries(_staging));
    }

    [Fact]
    public void Read_clears_what_an_earlier_attempt_left_in_the_staging_folder()
    {
        WriteModules();
        ConfigArchive.Write(_archive, Document, _modules);
        Directory.CreateDirectory(_staging);
        File.WriteAllText(Path.Combine(_staging, "left-over.dll"), "old");

        ConfigArchive.Read(_archive, _staging);

        Assert.False(File.Exists(Path.Combine(_staging, "left-over.dll")));
    }

    /// <summary>Rewrites one entry of the archive with <paramref name="change"/> applied to its bytes.</summary>
    private void Tamper(string entryName, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(_archive, ZipArchiveMode.Update);
        var entry = zip.GetEntry(entryName) ?? throw new InvalidOperationException($"no entry {entryName}");
        byte[] bytes;
        using (var stream = entry.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        entry.Delete();
        using var target = zip.CreateEntry(entryName).Open();
        target.Write(change(bytes));
    }

    private void TamperConfig(Action<JsonObject> change) => Tamper("config.json", bytes =>
    {
        var json = JsonNode.Parse(bytes)!.AsObject();
        change(json);
        return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
    });

    [Fact]
    public void A_tampered_module_is_refused()
    {
        WriteModules();
        ConfigArchive.Write(_archive, Document, _modules);
        Tamper("modules/driver.modbus.dll", bytes =>
        {
            bytes[1234] ^= 0x01;
            return bytes;
        });

        var error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));

        Assert.Equal("module driver.modbus.dll does not match its SHA-256", error.Message);
    }

    [Fact]
    public void A_truncated_module_is_refused()
    {
        WriteModules();
        ConfigArchive.Write(_archive, Document, _modules);
        Tamper("modules/opcua-1.2.3.zip", bytes => bytes[..^1]);

        var error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));

        Assert.Equal("module opcua-1.2.3.zip does not match its SHA-256", error.Message);
    }

    [Fact]
    public void A_module_missing_from_the_archive_is_refused()
    {
        WriteModules();
        ConfigArchive.Write(_archive, Document, _modules);
        using (var zip = ZipFile.Open(_archive, ZipArchiveMode.Update)) zip.GetEntry("modules/empty.cfg")!.Delete();

        var error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));

        Assert.Equal("module empty.cfg is missing from the archive", error.Message);
    }

    [Fact]
    public void A_tampered_configuration_does_not_match_its_digest()
    {
        ConfigArchive.Write(_archive, Document, _modules);
        TamperConfig(json => json["resources"]!["gateway/name"] = "\"forged\"");

        var error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));

        Assert.Equal("the configuration in the archive does not match its digest (revision 5)", error.Message);
    }

    [Theory]
    [InlineData("revision")]
    [InlineData("identity")]
    [InlineData("digest")]
    public void A_configuration_whose_revision_identity_or_digest_was_changed_is_refused(string field)
    {
        ConfigArchive.Write(_archive, Document, _modules);
        TamperConfig(json => json[field] = field switch
        {
            "revision" => JsonValue.Create(6),
            "identity" => JsonValue.Create("other"),
            _ => JsonValue.Create(new string('0', 64)),
        });

        var error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));

        Assert.Contains("does not match its digest", error.Message);
    }

    [Theory]
    [InlineData("../escape.dll")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("sub/dir.dll")]
    public void A_module_name_that_could_leave_the_staging_folder_is_refused(string name)
    {
        ConfigArchive.Write(_archive, Document, _modules);
        TamperConfig(json => json["modules"] = new JsonArray(new JsonObject
        {
            ["name"] = name,
            ["sha256"] = Sha([]),
            ["size"] = 0,
        }));

        var error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));

        Assert.Equal($"'{name}' is not a module file name", error.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "escape.dll")));
    }

    [Fact]
    public void An_archive_of_another_format_or_without_config_is_refused()
    {
        ConfigArchive.Write(_archive, Document, _modules);
        TamperConfig(json => json["format"] = 2);
        var error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));
        Assert.Equal("archive format 2 is not supported (expected 1)", error.Message);

        using (var zip = ZipFile.Open(_archive, ZipArchiveMode.Update)) zip.GetEntry("config.json")!.Delete();
        error = Assert.Throws<InvalidDataException>(() => ConfigArchive.Read(_archive, _staging));
        Assert.Equal("the archive has no config.json", error.Message);
    }

    // ---- ModuleFolder ----

    [Fact]
    public void Scan_lists_top_level_modules_with_their_hashes_and_ignores_dot_files()
    {
        var modules = WriteModules();

        var scan = ModuleFolder.Scan(_modules, ModuleScan.Empty);

        Assert.Equal(modules.Keys.Order(StringComparer.Ordinal), scan.Manifest.Modules.Select(m => m.Name));
        foreach (var module in scan.Manifest.Modules)
        {
            Assert.Equal(Sha(modules[module.Name]), module.Sha256);
            Assert.Equal(modules[module.Name].Length, module.Size);
        }
        Assert.Equal(ModuleFolder.ManifestOf(scan.Manifest.Modules.Reverse()).Digest, scan.Manifest.Digest);
        Assert.Same(ModuleScan.Empty, ModuleFolder.Scan(Path.Combine(_dir, "missing"), scan));
    }

    [Fact]
    public void Scan_reuses_the_hash_of_an_unchanged_file_and_detects_changes()
    {
        var path = Path.Combine(_modules, "driver.dll");
        File.WriteAllBytes(path, RandomBytes(50_000, 10));
        var first = ModuleFolder.Scan(_modules, ModuleScan.Empty);
        var originalSha = first.Manifest.Modules.Single().Sha256;

        // Same size and time of change: not hashed again. Proof: content changed behind the scanner's back
        // (time of change restored) is not noticed, while a scan without the previous result notices it.
        var written = File.GetLastWriteTimeUtc(path);
        File.WriteAllBytes(path, RandomBytes(50_000, 11));
        File.SetLastWriteTimeUtc(path, written);
        var reused = ModuleFolder.Scan(_modules, first);
        Assert.Equal(originalSha, reused.Manifest.Modules.Single().Sha256);
        Assert.Same(first.Hashed["driver.dll"], reused.Hashed["driver.dll"]);
        Assert.Equal(first.Manifest.Digest, reused.Manifest.Digest);
        Assert.NotEqual(originalSha, ModuleFolder.Scan(_modules, ModuleScan.Empty).Manifest.Modules.Single().Sha256);

        // A new time of change (same size): hashed again.
        File.SetLastWriteTimeUtc(path, written.AddSeconds(5));
        var touched = ModuleFolder.Scan(_modules, reused);
        Assert.Equal(Sha(RandomBytes(50_000, 11)), touched.Manifest.Modules.Single().Sha256);
        Assert.NotEqual(first.Manifest.Digest, touched.Manifest.Digest);

        // Another size (time restored): hashed again.
        written = File.GetLastWriteTimeUtc(path);
        File.WriteAllBytes(path, RandomBytes(50_001, 12));
        File.SetLastWriteTimeUtc(path, written);
        var resized = ModuleFolder.Scan(_modules, touched);
        Assert.Equal(Sha(RandomBytes(50_001, 12)), resized.Manifest.Modules.Single().Sha256);

        // Added and removed files.
        File.WriteAllBytes(Path.Combine(_modules, "added.dll"), [1, 2, 3]);
        var added = ModuleFolder.Scan(_modules, resized);
        Assert.Equal(["added.dll", "driver.dll"], added.Manifest.Modules.Select(m => m.Name));
        File.Delete(path);
        var removed = ModuleFolder.Scan(_modules, added);
        Assert.Equal(["added.dll"], removed.Manifest.Modules.Select(m => m.Name));
        Assert.False(removed.Hashed.ContainsKey("driver.dll"));
        Assert.Equal(5, new[] { first, touched, resized, added, removed }.Select(s => s.Manifest.Digest).Distinct().Count());
    }

    [Fact]
    public void The_manifest_digest_depends_on_names_hashes_and_sizes_not_on_order()
    {
        var a = new ModuleEntry("a.dll", Sha([1]), 1);
        var b = new ModuleEntry("b.dll", Sha([2]), 1);

        Assert.Equal(ModuleFolder.ManifestOf([a, b]).Digest, ModuleFolder.ManifestOf([b, a]).Digest);
        Assert.Equal(["a.dll", "b.dll"], ModuleFolder.ManifestOf([b, a]).Modules.Select(m => m.Name));
        var digests = new[]
        {
            ModuleFolder.ManifestOf([a, b]).Digest,
            ModuleFolder.ManifestOf([a]).Digest,
            ModuleFolder.ManifestOf([a with { Name = "c.dll" }, b]).Digest,
            ModuleFolder.ManifestOf([a with { Sha256 = Sha([3]) }, b]).Digest,
            ModuleFolder.ManifestOf([a with { Size = 2 }, b]).Digest,
            ModuleFolder.ManifestOf([]).Digest,
        };
        Assert.Equal(digests.Length, digests.Distinct().Count());
    }

    [Theory]
    [InlineData("driver.dll", true)]
    [InlineData("a", true)]
    [InlineData("with space.zip", true)]
    [InlineData("", false)]
    [InlineData(".hidden", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a\\b", false)]
    [InlineData("a\0b", false)]
    public void Module_names(string name, bool valid)
    {
        Assert.Equal(valid, ModuleFolder.IsModuleName(name));
        Assert.False(ModuleFolder.IsModuleName(new string('m', 256)));
        Assert.True(ModuleFolder.IsModuleName(new string('m', 255)));
    }

    [Fact]
    public void Install_mirrors_the_manifest_moving_staged_files_and_removing_the_others()
    {
        Directory.CreateDirectory(_staging);
        File.WriteAllText(Path.Combine(_modules, "unchanged.dll"), "same on both nodes");
        File.WriteAllText(Path.Combine(_modules, "replaced.dll"), "old version");
        File.WriteAllText(Path.Combine(_modules, "removed.dll"), "the master has no such module");
        File.WriteAllText(Path.Combine(_modules, ".in-progress"), "the replicator's own file");
        File.WriteAllText(Path.Combine(_staging, "replaced.dll"), "new version");
        File.WriteAllText(Path.Combine(_staging, "new.dll"), "new module");
        var manifest = ModuleFolder.ManifestOf(
        [
            new ModuleEntry("unchanged.dll", "x", 18),   // not staged: kept as it is
            new ModuleEntry("replaced.dll", "y", 11),
            new ModuleEntry("new.dll", "z", 10),
        ]);

        ModuleFolder.Install(_modules, _staging, manifest, removeOthers: true);

        Assert.Equal([".in-progress", "new.dll", "replaced.dll", "unchanged.dll"],
            Directory.GetFiles(_modules).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("new version", File.ReadAllText(Path.Combine(_modules, "replaced.dll")));
        Assert.Equal("new module", File.ReadAllText(Path.Combine(_modules, "new.dll")));
        Assert.Equal("same on both nodes", File.ReadAllText(Path.Combine(_modules, "unchanged.dll")));
        Assert.Empty(Directory.GetFiles(_staging));   // moved, not copied
    }

    [Fact]
    public void Install_without_removing_keeps_other_modules_and_creates_the_folder()
    {
        var modules = Path.Combine(_dir, "fresh-modules");
        Directory.CreateDirectory(_staging);
        File.WriteAllText(Path.Combine(_staging, "new.dll"), "new module");

        ModuleFolder.Install(modules, _staging, ModuleFolder.ManifestOf([new ModuleEntry("new.dll", "z", 10)]), removeOthers: false);
        File.WriteAllText(Path.Combine(modules, "local.dll"), "local");
        ModuleFolder.Install(modules, _staging, ModuleFolder.ManifestOf([new ModuleEntry("new.dll", "z", 10)]), removeOthers: false);

        Assert.Equal(["local.dll", "new.dll"], Directory.GetFiles(modules).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_archive_round_trip_then_install_makes_the_backup_folder_equal_to_the_master_folder()
    {
        var modules = WriteModules();
        var backupModules = Path.Combine(_dir, "backup-modules");
        Directory.CreateDirectory(backupModules);
        File.WriteAllText(Path.Combine(backupModules, "stale.dll"), "only on the backup");
        File.WriteAllBytes(Path.Combine(backupModules, "driver.modbus.dll"), [9, 9, 9]);

        ConfigArchive.Write(_archive, Document, _modules);
        var unpacked = ConfigArchive.Read(_archive, _staging);
        ModuleFolder.Install(backupModules, unpacked.StagingDirectory, unpacked.Modules, removeOthers: true);

        var master = ModuleFolder.Scan(_modules, ModuleScan.Empty).Manifest;
        var backup = ModuleFolder.Scan(backupModules, ModuleScan.Empty).Manifest;
        Assert.Equal(master.Digest, backup.Digest);
        foreach (var (name, bytes) in modules) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(backupModules, name)));
    }
}
