using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace RedundantGateway.ConfigSync;

/// <summary>A module file as last hashed: hashed again only when its size or time of change differs.</summary>
public sealed record HashedModule(string Name, long Size, DateTime LastWriteUtc, string Sha256);

/// <summary>A file seen changing: published once a later scan finds it the same.</summary>
public readonly record struct UnsettledModule(long Size, DateTime LastWriteUtc);

/// <summary>
/// The result of reading a modules folder: the manifest, the hashes to reuse on the next scan, and the files
/// still being written (not yet published, see <see cref="ModuleFolder.Scan"/>).
/// </summary>
public sealed record ModuleScan(
    ModuleManifest Manifest,
    ImmutableDictionary<string, HashedModule> Hashed,
    ImmutableDictionary<string, UnsettledModule>? Unsettled = null)
{
    public static readonly ModuleScan Empty = new(ModuleFolder.ManifestOf([]), ImmutableDictionary<string, HashedModule>.Empty);
}

/// <summary>
/// The modules folder of a node (plug-in files, top level only). Names starting with '.' are the
/// replicator's own staging files and are ignored.
/// </summary>
public static class ModuleFolder
{
    public static bool IsModuleName(string name) =>
        name.Length is > 0 and <= 255 && name[0] != '.' && name.IndexOfAny(['/', '\\', '\0']) < 0 && name != "..";

    /// <summary>
    /// Reads the folder; blocking (hashes files), so actors run it on the thread pool. With
    /// <paramref name="requireSettled"/> (the master's periodic scans), a new or changed file is published only
    /// when a later scan finds the same size and time of change, so a module still being copied in is not sent
    /// half-written (meanwhile its previous version, if any, stays published). The first scan publishes all.
    /// </summary>
    public static ModuleScan Scan(string directory, ModuleScan previous, bool requireSettled = false)
    {
        if (!Directory.Exists(directory)) return ModuleScan.Empty;
        var waitForSettling = requireSettled && !ReferenceEquals(previous, ModuleScan.Empty);
        var unsettled = ImmutableDictionary.CreateBuilder<string, UnsettledModule>(StringComparer.Ordinal);
        var hashed = ImmutableDictionary.CreateBuilder<string, HashedModule>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            if (!IsModuleName(name)) continue;
            var info = new FileInfo(path);
            try
            {
                if (previous.Hashed.TryGetValue(name, out var known) && known.Size == info.Length && known.LastWriteUtc == info.LastWriteTimeUtc)
                {
                    hashed[name] = known;
                    continue;
                }
                var seen = new UnsettledModule(info.Length, info.LastWriteTimeUtc);
                if (waitForSettling && !(previous.Unsettled?.TryGetValue(name, out var before) == true && before == seen))
                {
                    unsettled[name] = seen;
                    if (known is not null) hashed[name] = known;
                    continue;
                }
                hashed[name] = new HashedModule(name, info.Length, info.LastWriteTimeUtc, HashFile(path));
            }
            catch (IOException)
            {
                // Removed or being written while we looked: the next scan sees it settled.
            }
        }
        var modules = hashed.Values.Select(m => new ModuleEntry(m.Name, m.Sha256, m.Size)).ToList();
        return new ModuleScan(ManifestOf(modules), hashed.ToImmutable(), unsettled.Count > 0 ? unsettled.ToImmutable() : null);
    }

    public static ModuleManifest ManifestOf(IEnumerable<ModuleEntry> modules)
    {
        var sorted = modules.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        foreach (var m in sorted) text.Append(m.Name).Append('\0').Append(m.Sha256).Append('\0').Append(m.Size).Append('\n');
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return new ModuleManifest(sorted, digest);
    }

    public static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Makes the folder hold exactly the staged modules of <paramref name="manifest"/>: each staged file (already
    /// verified) is moved in, and modules the master does not have are removed.
    /// </summary>
    public static void Install(string directory, string stagingDirectory, ModuleManifest manifest, bool removeOthers)
    {
        Directory.CreateDirectory(directory);
        foreach (var module in manifest.Modules)
        {
            var staged = Path.Combine(stagingDirectory, module.Name);
            if (File.Exists(staged)) File.Move(staged, Path.Combine(directory, module.Name), overwrite: true);
        }
        if (!removeOthers) return;
        var wanted = manifest.Modules.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            if (IsModuleName(name) && !wanted.Contains(name)) File.Delete(path);
        }
    }
}
