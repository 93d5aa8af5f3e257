using System.Text.Json;
using RedundantGateway.ConfigSync;

namespace RedundantGateway.Hmi;

/// <summary>
/// A page of the live HMI (<c>/hmi/{project}/{page}</c> on each node): a configuration resource at
/// <c>projects/{project}/pages/{page}</c> whose value is a JSON object with a <c>title</c>, the tag paths it shows
/// (<c>tags</c>) and the alarm paths it lists (<c>alarms</c>), all full resource paths.
/// </summary>
public sealed record PageDefinition(string Project, string Page, string Title, IReadOnlyList<string> Tags, IReadOnlyList<string> Alarms)
{
    /// <summary>More is a typo or a generated list gone wrong: a page shows what a person can read.</summary>
    public const int MaxEntries = 500;

    private static readonly HashSet<string> Keys = ["title", "tags", "alarms"];

    /// <summary>The resource path of a page.</summary>
    public static string PathOf(string project, string page) => $"projects/{project}/pages/{page}";

    /// <summary>Whether a (normalised) path is a page's: exactly <c>projects/{project}/pages/{page}</c>.</summary>
    public static bool IsPagePath(string path) => TrySplit(path, out _, out _);

    private static bool TrySplit(string path, out string project, out string page)
    {
        var segments = path.Split('/');
        var isPage = segments is ["projects", { Length: > 0 }, "pages", { Length: > 0 }];
        (project, page) = isPage ? (segments[1], segments[3]) : ("", "");
        return isPage;
    }

    /// <summary>
    /// Reads a page (pure). On failure <paramref name="error"/> is one line naming the path and the key, fit for a
    /// 400 answer to the config edit.
    /// </summary>
    public static bool TryParse(string path, string json, out PageDefinition? definition, out string error)
    {
        definition = null;
        error = "";
        if (!TrySplit(path, out var project, out var page))
            return Fail(path, "", "is not a page: a page's path is projects/{project}/pages/{page}", out error);
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { return Fail(path, "", $"is not valid JSON ({OneLine(e.Message)})", out error); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Fail(path, "", "must be a JSON object with \"title\", \"tags\" and \"alarms\"", out error);
            foreach (var property in root.EnumerateObject())
                if (!Keys.Contains(property.Name))
                    return Fail(path, property.Name, $"is not a key of a page (keys: {string.Join(", ", Keys)})", out error);
            var title = page;
            if (root.TryGetProperty("title", out var titleElement))
            {
                if (titleElement.ValueKind != JsonValueKind.String || titleElement.GetString()!.Trim().Length == 0)
                    return Fail(path, "title", "must be a non-empty string", out error);
                title = titleElement.GetString()!.Trim();
            }
            if (!TryPaths(root, "tags", "a tag", path, out var tags, out error)) return false;
            if (!TryPaths(root, "alarms", "an alarm", path, out var alarms, out error)) return false;
            if (tags.Count == 0 && alarms.Count == 0) return Fail(path, "", "lists no tags and no alarms", out error);
            definition = new PageDefinition(project, page, title, tags, alarms);
            return true;
        }
    }

    private static bool TryPaths(JsonElement root, string key, string what, string path, out IReadOnlyList<string> paths, out string error)
    {
        error = "";
        paths = [];
        if (!root.TryGetProperty(key, out var element)) return true;
        if (element.ValueKind != JsonValueKind.Array)
            return Fail(path, key, $"must be an array of {key[..^1]} paths", out error);
        if (element.GetArrayLength() > MaxEntries) return Fail(path, key, $"lists more than {MaxEntries} entries", out error);
        var list = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                return Fail(path, key, $"must hold only strings (the path of {what}), not {OneLine(item.GetRawText())}", out error);
            if (!ConfigPath.TryNormalize(item.GetString(), out var normalized, out var pathError))
                return Fail(path, key, OneLine(pathError), out error);
            if (list.Contains(normalized)) return Fail(path, key, $"lists '{normalized}' twice", out error);
            list.Add(normalized);
        }
        paths = list;
        return true;
    }

    private static bool Fail(string path, string key, string message, out string error)
    {
        error = key.Length == 0 ? $"page '{path}' {message}" : $"page '{path}': '{key}' {message}";
        return false;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
