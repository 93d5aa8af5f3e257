using System.Globalization;
using System.Text.Json;
using RedundantGateway.ConfigSync;

namespace RedundantGateway.Alarms;

/// <summary>
/// What an alarm watches: above, below and equal compare the tag's value with the setpoint (see
/// <see cref="AlarmRules"/> for the deadband of each); bad quality is active while the tag's quality is bad.
/// </summary>
public enum AlarmCondition { Above, Below, Equal, BadQuality }

public enum AlarmPriority { Low, Medium, High, Critical }

/// <summary>
/// An alarm definition: a configuration resource under an <c>alarms</c> segment whose value is a JSON object
/// with a <c>"tag"</c> key. Its id is its resource path.
/// </summary>
/// <param name="Deadband">hysteresis of above and below, tolerance of equal; never negative.</param>
/// <param name="OnDelay">how long the condition must hold before the alarm goes active.</param>
/// <param name="OffDelay">how long the condition must be clear before the alarm clears.</param>
public sealed record AlarmDefinition(
    string Id,
    string Tag,
    AlarmCondition Condition,
    double Setpoint,
    double Deadband,
    TimeSpan OnDelay,
    TimeSpan OffDelay,
    AlarmPriority Priority,
    string DisplayPath,
    string Notes)
{
    /// <summary>Longest on or off delay: beyond a day it is a typo (seconds for milliseconds), not a delay.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    private static readonly HashSet<string> Keys =
        ["tag", "condition", "setpoint", "deadband", "onDelayMs", "offDelayMs", "priority", "displayPath", "notes"];

    /// <summary>Whether a path has an <c>alarms</c> segment (starts with <c>alarms/</c> or contains <c>/alarms/</c>).</summary>
    public static bool IsAlarmPath(string path) =>
        path.StartsWith("alarms/", StringComparison.Ordinal) || path.Contains("/alarms/", StringComparison.Ordinal);

    /// <summary>
    /// Whether a resource is meant as an alarm definition (an alarm path and a JSON object with a "tag" key):
    /// those are the resources <see cref="TryParse"/> judges; any other resource is none of the alarms' business.
    /// </summary>
    public static bool IsDefinition(string path, string json)
    {
        if (!IsAlarmPath(path)) return false;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("tag", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads a definition (pure). On failure <paramref name="error"/> is one line naming the path and the key,
    /// fit for a 400 answer to the config edit.
    /// </summary>
    public static bool TryParse(string path, string json, out AlarmDefinition? definition, out string error)
    {
        definition = null;
        error = "";
        if (!IsAlarmPath(path)) return Fail(path, "", "is not an alarm definition: its path has no 'alarms' segment", out error);
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { return Fail(path, "", $"is not valid JSON ({OneLine(e.Message)})", out error); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail(path, "", "must be a JSON object with a \"tag\" key", out error);
            foreach (var property in root.EnumerateObject())
                if (!Keys.Contains(property.Name))
                    return Fail(path, property.Name, $"is not a key of an alarm definition (keys: {string.Join(", ", Keys)})", out error);

            if (!root.TryGetProperty("tag", out var tagElement) || tagElement.ValueKind != JsonValueKind.String)
                return Fail(path, "tag", "must be the path of a tag (a string)", out error);
            if (!ConfigPath.TryNormalize(tagElement.GetString(), out var tag, out var tagError))
                return Fail(path, "tag", OneLine(tagError), out error);

            if (!TryEnum(root, "condition", null, out AlarmCondition condition, "above, below, equal or badQuality", path, out error)) return false;
            if (!TryEnum(root, "priority", AlarmPriority.Medium, out AlarmPriority priority, "low, medium, high or critical", path, out error)) return false;

            double setpoint = 0;
            if (condition != AlarmCondition.BadQuality)
            {
                if (!root.TryGetProperty("setpoint", out var sp) || sp.ValueKind != JsonValueKind.Number || !sp.TryGetDouble(out setpoint) || !double.IsFinite(setpoint))
                    return Fail(path, "setpoint", $"must be a number (condition {Name(condition)})", out error);
            }
            if (!TryNumber(root, "deadband", 0, out var deadband, path, out error)) return false;
            if (!TryDelay(root, "onDelayMs", out var onDelay, path, out error)) return false;
            if (!TryDelay(root, "offDelayMs", out var offDelay, path, out error)) return false;
            if (!TryText(root, "displayPath", path, out var displayPath, path, out error)) return false;
            if (!TryText(root, "notes", "", out var notes, path, out error)) return false;

            definition = new AlarmDefinition(path, tag, condition, setpoint, deadband, onDelay, offDelay, priority, displayPath, notes);
            return true;
        }
    }

    /// <summary>
    /// The check of a config edit (PUT): true when the resource is no alarm definition, or a valid one whose tag
    /// exists (<paramref name="tagExists"/>, e.g. a lookup in the configuration being edited); otherwise false with
    /// one line for the 400. An alarm whose tag disappears later is no edit error: it shows bad quality.
    /// </summary>
    public static bool CheckEdit(string path, string json, Func<string, bool> tagExists, out string error)
    {
        error = "";
        if (!IsDefinition(path, json)) return true;
        if (!TryParse(path, json, out var definition, out error)) return false;
        if (tagExists(definition!.Tag)) return true;
        return Fail(path, "tag", $"names no tag: '{definition.Tag}' is not in the configuration", out error);
    }

    /// <summary>The contract's spelling of a condition or priority: camelCase.</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    private static bool TryEnum<T>(JsonElement root, string key, T? fallback, out T value, string allowed, string path, out string error)
        where T : struct, Enum
    {
        error = "";
        value = fallback ?? default;
        if (!root.TryGetProperty(key, out var element))
            return fallback is not null || Fail(path, key, $"is required: {allowed}", out error);
        if (element.ValueKind == JsonValueKind.String)
            foreach (var candidate in Enum.GetValues<T>())
                if (string.Equals(Name(candidate), element.GetString(), StringComparison.OrdinalIgnoreCase))
                {
                    value = candidate;
                    return true;
                }
        return Fail(path, key, $"must be {allowed}, not {OneLine(element.GetRawText())}", out error);
    }

    private static bool TryNumber(JsonElement root, string key, double fallback, out double value, string path, out string error)
    {
        error = "";
        value = fallback;
        if (!root.TryGetProperty(key, out var element)) return true;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value) && double.IsFinite(value) && value >= 0) return true;
        return Fail(path, key, $"must be a number of at least 0, not {OneLine(element.GetRawText())}", out error);
    }

    private static bool TryDelay(JsonElement root, string key, out TimeSpan value, string path, out string error)
    {
        value = TimeSpan.Zero;
        if (!TryNumber(root, key, 0, out var ms, path, out error)) return false;
        if (ms != Math.Floor(ms) || ms > MaxDelay.TotalMilliseconds)
            return Fail(path, key, $"must be whole milliseconds from 0 to {MaxDelay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} (a day)", out error);
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    private static bool TryText(JsonElement root, string key, string fallback, out string value, string path, out string error)
    {
        error = "";
        value = fallback;
        if (!root.TryGetProperty(key, out var element)) return true;
        if (element.ValueKind == JsonValueKind.String)
        {
            value = element.GetString()!;
            return true;
        }
        return Fail(path, key, "must be a string", out error);
    }

    private static bool Fail(string path, string key, string message, out string error)
    {
        error = key.Length == 0 ? $"alarm '{path}' {message}" : $"alarm '{path}': '{key}' {message}";
        return false;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
