namespace RedundantGateway.Cli;

/// <summary>The nearest known name to a mistyped one, by edit distance (insertions, deletions, substitutions).</summary>
public static class Nearest
{
    /// <summary>The candidate nearest to <paramref name="typed"/> (ties: the first), or null when there is none.</summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            // A prefix is the likeliest intent ("red" for "redundancy"), whatever the length difference.
            var distance = candidate.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && typed.Length > 0
                ? 0
                : Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>Levenshtein distance, two rows.</summary>
    public static int Distance(string a, string b)
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
