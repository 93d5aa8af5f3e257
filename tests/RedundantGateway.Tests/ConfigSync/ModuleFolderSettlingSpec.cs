using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>The master publishes a new or changed module only once two scans agree on it (not while it is being copied in).</summary>
public sealed class ModuleFolderSettlingSpec : IDisposable
{
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteQuietly(_dir);

    private string Write(string name, int size, DateTime at)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Enumerable.Range(0, size).Select(i => (byte)(i * 7 + size)).ToArray());
        File.SetLastWriteTimeUtc(path, at);
        return path;
    }

    private static string[] Names(ModuleScan scan) => scan.Manifest.Modules.Select(m => m.Name).ToArray();

    [Fact]
    public void The_first_scan_publishes_everything_present()
    {
        Write("a.dll", 100, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var first = ModuleFolder.Scan(_dir, ModuleScan.Empty, requireSettled: true);

        Assert.Equal(["a.dll"], Names(first));
    }

    [Fact]
    public void A_new_file_is_published_when_the_next_scan_finds_it_unchanged()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Write("a.dll", 100, t0);
        var first = ModuleFolder.Scan(_dir, ModuleScan.Empty, requireSettled: true);

        Write("b.dll", 50, t0.AddSeconds(1));          // being copied in
        var growing = ModuleFolder.Scan(_dir, first, requireSettled: true);
        Assert.Equal(["a.dll"], Names(growing));

        Write("b.dll", 80, t0.AddSeconds(2));          // still growing
        var stillGrowing = ModuleFolder.Scan(_dir, growing, requireSettled: true);
        Assert.Equal(["a.dll"], Names(stillGrowing));

        var settled = ModuleFolder.Scan(_dir, stillGrowing, requireSettled: true);
        Assert.Equal(["a.dll", "b.dll"], Names(settled));
        Assert.Equal(80, settled.Manifest.Modules.Single(m => m.Name == "b.dll").Size);
    }

    [Fact]
    public void A_changed_file_keeps_its_previous_version_published_until_it_settles()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Write("a.dll", 100, t0);
        var first = ModuleFolder.Scan(_dir, ModuleScan.Empty, requireSettled: true);
        var original = first.Manifest.Modules.Single().Sha256;

        Write("a.dll", 120, t0.AddSeconds(5));
        var changing = ModuleFolder.Scan(_dir, first, requireSettled: true);
        Assert.Equal(original, changing.Manifest.Modules.Single().Sha256);
        Assert.Equal(first.Manifest.Digest, changing.Manifest.Digest);

        var settled = ModuleFolder.Scan(_dir, changing, requireSettled: true);
        Assert.NotEqual(original, settled.Manifest.Modules.Single().Sha256);
        Assert.Equal(120, settled.Manifest.Modules.Single().Size);
    }

    [Fact]
    public void Without_settling_a_new_file_is_published_at_once()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Write("a.dll", 100, t0);
        var first = ModuleFolder.Scan(_dir, ModuleScan.Empty);
        Write("b.dll", 50, t0.AddSeconds(1));

        Assert.Equal(["a.dll", "b.dll"], Names(ModuleFolder.Scan(_dir, first)));
    }

    [Fact]
    public void A_full_archive_holds_only_the_published_modules()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Write("a.dll", 100, t0);
        var published = ModuleFolder.Scan(_dir, ModuleScan.Empty, requireSettled: true);
        Write("b.dll", 50, t0.AddSeconds(1));   // not settled yet
        var scan = ModuleFolder.Scan(_dir, published, requireSettled: true);
        var names = scan.Manifest.Modules.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var archive = Path.Combine(TestSupport.TempDir(), "full.zip");
        try
        {
            ConfigArchive.Write(archive, ConfigDocument.Empty.WithIdentity("id"), _dir, names);
            var unpacked = ConfigArchive.Read(archive, Path.Combine(Path.GetDirectoryName(archive)!, "staging"));

            Assert.Equal(["a.dll"], unpacked.Modules.Modules.Select(m => m.Name));
            Assert.Equal(scan.Manifest.Digest, unpacked.Modules.Digest);
        }
        finally
        {
            TestSupport.DeleteQuietly(Path.GetDirectoryName(archive)!);
        }
    }
}
