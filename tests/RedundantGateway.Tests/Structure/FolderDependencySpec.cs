using System.Text.RegularExpressions;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>
/// The library's folders depend on each other in one direction only (docs/architecture.md, Layout): what comes
/// next builds on this shape, and a cycle (say, settings reaching into ConfigSync) would tie concerns together.
/// Only the library's root (the composition: GatewaySettings, RedundancyActors) may use every folder.
/// </summary>
public sealed class FolderDependencySpec
{
    private static readonly Regex Reference = new(@"\bRedundantGateway\.([A-Z][A-Za-z]+)\b", RegexOptions.Compiled);

    private static Dictionary<string, HashSet<string>> FolderDependencies()
    {
        var library = Path.Combine(TestSupport.RepoRoot, "src", "RedundantGateway");
        var folders = Directory.GetDirectories(library).Select(Path.GetFileName).OfType<string>()
            .Where(name => name is not ("bin" or "obj")).ToHashSet();
        var dependencies = folders.ToDictionary(folder => folder, _ => new HashSet<string>());
        foreach (var folder in folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(library, folder), "*.cs", SearchOption.AllDirectories))
                foreach (Match match in Reference.Matches(File.ReadAllText(file)))
                    if (folders.Contains(match.Groups[1].Value) && match.Groups[1].Value != folder)
                        dependencies[folder].Add(match.Groups[1].Value);
        return dependencies;
    }

    [Fact]
    public void The_library_folders_have_no_dependency_cycle()
    {
        var dependencies = FolderDependencies();
        Assert.Contains("ConfigSync", dependencies.Keys);

        foreach (var start in dependencies.Keys)
        {
            var path = new Stack<string>();
            void Visit(string folder)
            {
                Assert.False(path.Contains(folder) && folder == start,
                    $"folder cycle: {string.Join(" -> ", path.Reverse().Append(folder))}");
                if (path.Contains(folder)) return;
                path.Push(folder);
                foreach (var next in dependencies[folder]) Visit(next);
                path.Pop();
            }
            Visit(start);
        }
    }

    [Fact]
    public void Settings_reading_and_the_transfer_mechanism_depend_on_no_other_folder()
    {
        var dependencies = FolderDependencies();
        Assert.Empty(dependencies["Configuration"]);
        Assert.Empty(dependencies["Transfer"]);
    }
}
