using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// The file of a full transfer: a zip holding <c>config.json</c> (identity, revision, digest, resources and
/// the module list with hashes) and <c>modules/NAME</c> for each module. The backup checks every hash and the
/// config's digest before it uses anything.
/// </summary>
public static class ConfigArchive
{
    private const string ConfigEntry = "config.json";
    private const string ModulesPrefix = "modules/";
    private const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record ArchiveContent(
        int Format,
        string? Identity,
        long Revision,
        string Digest,
        IReadOnlyDictionary<string, string> Resources,
        IReadOnlyList<ModuleEntry> Modules,
        DateTimeOffset CreatedAt);

    /// <summary>What the backup takes from an archive: the configuration and the verified modules, staged.</summary>
    public sealed record Unpacked(ConfigDocument Document, ModuleManifest Modules, string StagingDirectory);

    /// <summary>Writes the archive and returns its size and SHA-256 (module hashes are taken while copying).</summary>
    /// <param name="onlyModules">the modules to include (the master's published ones); null: every file of the folder.</param>
    public static (long Size, string Sha256) Write(string path, ConfigDocument document, string modulesDirectory,
        IReadOnlySet<string>? onlyModules = null)
    {
        var modules = new List<ModuleEntry>();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            if (Directory.Exists(modulesDirectory))
            {
                foreach (var modulePath in Directory.EnumerateFiles(modulesDirectory).Order(StringComparer.Ordinal))
                {
                    var name = Path.GetFileName(modulePath);
                    if (!ModuleFolder.IsModuleName(name) || onlyModules is not null && !onlyModules.Contains(name)) continue;
                    // Modules are usually compressed already: store them as they are, which is also fastest.
                    var entry = zip.CreateEntry(ModulesPrefix + name, CompressionLevel.NoCompression);
                    using var source = new FileStream(modulePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                    using var target = entry.Open();
                    var (size, sha) = CopyHashing(source, target);
                    modules.Add(new ModuleEntry(name, sha, size));
                }
            }
            var content = new ArchiveContent(FormatVersion, document.Identity, document.Revision, document.Digest,
                document.Resources, modules, DateTimeOffset.UtcNow);
            using var config = zip.CreateEntry(ConfigEntry, CompressionLevel.Fastest).Open();
            JsonSerializer.Serialize(config, content, Json);
        }
        return (new FileInfo(path).Length, ModuleFolder.HashFile(path));
    }

    /// <summary>
    /// Reads an archive whose file checksum was already verified: checks the config's digest and every
    /// module's hash, and stages the modules in <paramref name="stagingDirectory"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">one line saying what does not match.</exception>
    public static Unpacked Read(string path, string stagingDirectory)
    {
        using var zip = ZipFile.OpenRead(path);
        var configEntry = zip.GetEntry(ConfigEntry) ?? throw new InvalidDataException("the archive has no config.json");
        ArchiveContent content;
        using (var stream = configEntry.Open())
        {
            content = JsonSerializer.Deserialize<ArchiveContent>(stream, Json) ?? throw new InvalidDataException("config.json is empty");
        }
        if (content.Format != FormatVersion)
            throw new InvalidDataException($"archive format {content.Format} is not supported (expected {FormatVersion})");
        var document = ConfigDocument.From(content.Identity, content.Revision, content.Resources);
        if (document.Digest != content.Digest)
            throw new InvalidDataException($"the configuration in the archive does not match its digest (revision {content.Revision})");

        if (Directory.Exists(stagingDirectory)) Directory.Delete(stagingDirectory, recursive: true);
        Directory.CreateDirectory(stagingDirectory);
        foreach (var module in content.Modules)
        {
            if (!ModuleFolder.IsModuleName(module.Name)) throw new InvalidDataException($"'{module.Name}' is not a module file name");
            var entry = zip.GetEntry(ModulesPrefix + module.Name) ?? throw new InvalidDataException($"module {module.Name} is missing from the archive");
            using var source = entry.Open();
            using var target = new FileStream(Path.Combine(stagingDirectory, module.Name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            var (size, sha) = CopyHashing(source, target);
            if (sha != module.Sha256 || size != module.Size)
                throw new InvalidDataException($"module {module.Name} does not match its SHA-256");
        }
        return new Unpacked(document, ModuleFolder.ManifestOf(content.Modules), stagingDirectory);
    }

    private static (long Size, string Sha256) CopyHashing(Stream source, Stream target)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long size = 0;
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            target.Write(buffer, 0, read);
            size += read;
        }
        return (size, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}
