namespace RedundantGateway.ConfigSync;

/// <summary>
/// Paths of configuration resources: segments of letters, digits, '-', '_' and '.', separated by '/',
/// such as <c>projects/plant1/tags/line1</c>. Kept strict so a path is the same on both nodes, in URLs and in files.
/// </summary>
public static class ConfigPath
{
    public const int MaxLength = 512;

    /// <summary>The normalised path (no leading or trailing '/'), or an error in one line.</summary>
    public static bool TryNormalize(string? raw, out string path, out string error)
    {
        path = "";
        error = "";
        var trimmed = (raw ?? "").Trim('/');
        if (trimmed.Length == 0) { error = "the resource path is empty"; return false; }
        if (trimmed.Length > MaxLength) { error = $"the resource path is longer than {MaxLength} characters"; return false; }
        foreach (var segment in trimmed.Split('/'))
        {
            if (segment.Length == 0) { error = $"'{trimmed}' has an empty segment"; return false; }
            if (segment is "." or "..") { error = $"'{trimmed}' has a '{segment}' segment"; return false; }
            foreach (var c in segment)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                {
                    error = $"'{trimmed}' has the character '{c}' (allowed: letters, digits, '-', '_', '.', '/')";
                    return false;
                }
            }
        }
        path = trimmed;
        return true;
    }
}
