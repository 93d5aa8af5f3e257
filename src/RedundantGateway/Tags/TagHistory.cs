using System.Globalization;
using System.Text.Json;

namespace RedundantGateway.Tags;

public enum TagHistoryMode { OnChange, Periodic }

/// <summary>
/// What history a tag asks for (its definition's <c>"history"</c> object): every change past
/// <paramref name="Deadband"/> (onChange), or its current value every <paramref name="RateMs"/> (periodic).
/// A definition without the object logs no history.
/// </summary>
public sealed record TagHistory(TagHistoryMode Mode, double Deadband, int RateMs)
{
    public const int MinRateMs = 100;
    public const int MaxRateMs = 86_400_000;

    /// <summary>
    /// The history setting of a tag definition's text, without checking the rest (the tag engine reports a bad
    /// definition); false with one line when the text or its history object is wrong.
    /// </summary>
    public static bool TryRead(string path, string json, out TagHistory? history, out string error)
    {
        history = null;
        error = "";
        if (!json.Contains("\"history\"", StringComparison.Ordinal)) return true;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return true;
            history = Parse(document.RootElement);
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            error = $"tag {path}: {e.Message.Split('\n')[0]}";
            return false;
        }
    }

    /// <summary>Reads the <c>"history"</c> value; <see cref="FormatException"/> with one line naming the field.</summary>
    internal static TagHistory? Parse(JsonElement root)
    {
        if (!root.TryGetProperty("history", out var history) || history.ValueKind == JsonValueKind.Null) return null;
        if (history.ValueKind != JsonValueKind.Object)
            throw new FormatException("\"history\" must be an object like {\"mode\":\"onChange\",\"deadband\":0.5} or {\"mode\":\"periodic\",\"rateMs\":1000}");
        foreach (var field in history.EnumerateObject())
            if (field.Name is not ("mode" or "deadband" or "rateMs"))
                throw new FormatException($"\"history\" has an unknown field \"{field.Name}\" (known: mode, deadband, rateMs)");
        if (!history.TryGetProperty("mode", out var modeValue) || modeValue.ValueKind != JsonValueKind.String)
            throw new FormatException("\"history.mode\" is required: onChange or periodic");
        var mode = modeValue.GetString() switch
        {
            "onChange" => TagHistoryMode.OnChange,
            "periodic" => TagHistoryMode.Periodic,
            var other => throw new FormatException($"unknown \"history.mode\" '{other}' (expected onChange, periodic)"),
        };
        var deadband = Number(history, "deadband", 0);
        if (deadband < 0) throw new FormatException($"\"history.deadband\" {Format(deadband)} must not be negative");
        if (mode == TagHistoryMode.Periodic && history.TryGetProperty("deadband", out _))
            throw new FormatException("\"history.deadband\" applies to mode onChange only");
        var rate = Number(history, "rateMs", 1000);
        if (mode == TagHistoryMode.OnChange && history.TryGetProperty("rateMs", out _))
            throw new FormatException("\"history.rateMs\" applies to mode periodic only");
        if (rate is < MinRateMs or > MaxRateMs || rate != Math.Floor(rate))
            throw new FormatException($"\"history.rateMs\" {Format(rate)} must be a whole number of ms from {MinRateMs} to {MaxRateMs}");
        return new TagHistory(mode, deadband, (int)rate);
    }

    private static double Number(JsonElement history, string name, double fallback)
    {
        if (!history.TryGetProperty(name, out var value)) return fallback;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw new FormatException($"\"history.{name}\" must be a number");
        return number;
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
