namespace RedundantGateway.Configuration;

/// <summary>How a key is written in a configuration: a value, a block of keys, or a substitution not resolved yet.</summary>
public enum KeyShape
{
    Setting,
    Block,
    Substitution,
}

/// <summary>One key of a configuration as written, by its full dotted path.</summary>
public sealed record GivenKey(string Path, KeyShape Shape);

/// <summary>A key the configuration must not hold, the reason, and the known key nearest to it (null: none).</summary>
public sealed record KeyProblem(string Path, string Problem, string? Nearest)
{
    /// <summary>One line: the key, what is wrong, and the key the operator probably meant.</summary>
    public string Describe() => Nearest is null ? $"{Path}: {Problem}" : $"{Path}: {Problem} (nearest known key: {Nearest})";
}

/// <summary>
/// The keys a configuration may hold: every setting and block of the embedded reference.conf, plus blocks left
/// open on purpose (any key below them is accepted, e.g. <c>akka</c> in a node's file).
/// </summary>
public sealed record KeySpec(IReadOnlySet<string> Settings, IReadOnlySet<string> Blocks, IReadOnlySet<string> OpenBlocks)
{
    public bool IsOpen(string path) =>
        OpenBlocks.Any(block => path == block || path.StartsWith(block + ".", StringComparison.Ordinal));

    public KeySpec WithOpenBlock(string path) => this with { OpenBlocks = new HashSet<string>(OpenBlocks) { path } };
}

/// <summary>
/// Finds the first key of a configuration that is not a known setting: a typo (<c>recovery-mdoe</c>), a setting written
/// outside its block (<c>redundant-gateway.recovery-mode</c>, or <c>redundancy { ... }</c> at the top level), or a block
/// given where a value belongs and the reverse. Akka's HOCON reader never complains about these: the node would run
/// with the default silently. Pure: the keys come in, a problem (or null) comes out.
/// </summary>
public static class KeyValidator
{
    /// <summary>The first problem in <paramref name="given"/> (in the order given: a block before its keys), or null.</summary>
    public static KeyProblem? FirstProblem(IEnumerable<GivenKey> given, KeySpec spec)
    {
        foreach (var key in given)
        {
            if (spec.IsOpen(key.Path)) continue;
            if (spec.Settings.Contains(key.Path))
            {
                if (key.Shape == KeyShape.Block) return new KeyProblem(key.Path, "is a setting, not a block: give it a value", null);
                continue;
            }
            if (spec.Blocks.Contains(key.Path))
            {
                if (key.Shape == KeyShape.Setting) return new KeyProblem(key.Path, "is a block of settings, not a value: write it as { ... }", null);
                continue;
            }
            if (MisplacedAs(key.Path, spec) is { } home)
                return new KeyProblem(key.Path, "is not a key at this place (a setting written outside its block?)", home);
            return new KeyProblem(key.Path, "unknown key", Nearest(key.Path, spec));
        }
        return null;
    }

    /// <summary>
    /// The known key that <paramref name="path"/> names from the wrong place: one whose path ends with it (the block
    /// around it was left out) or, failing that, the same last segment in another block; the nearest one if several.
    /// </summary>
    public static string? MisplacedAs(string path, KeySpec spec)
    {
        var known = Known(spec).ToList();
        var tail = "." + path;
        var byTail = known.Where(k => k.EndsWith(tail, StringComparison.Ordinal)).ToList();
        if (byTail.Count > 0) return Closest(path, byTail);
        var last = "." + path[(path.LastIndexOf('.') + 1)..];
        var byLast = spec.Settings.Where(k => k.EndsWith(last, StringComparison.Ordinal)).ToList();
        return byLast.Count > 0 ? Closest(path, byLast) : null;
    }

    /// <summary>The known key (setting or block) at the smallest edit distance from <paramref name="path"/>.</summary>
    public static string? Nearest(string path, KeySpec spec) => Closest(path, Known(spec).ToList());

    private static IEnumerable<string> Known(KeySpec spec) => spec.Settings.Concat(spec.Blocks).Order(StringComparer.Ordinal);

    private static string? Closest(string path, IReadOnlyList<string> candidates) =>
        candidates.Count == 0 ? null : candidates.MinBy(c => EditDistance(path, c));

    /// <summary>Levenshtein distance: insertions, deletions and substitutions of one character each count 1.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
